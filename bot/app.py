"""The bot process: log in, then sync -> handle -> store the position, while the executor performs the outbox."""
from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nio

from bot import cross_signing, crypto_store, metrics, outbox_writer, verification
from bot.executor import Executor
from bot.faults import crash_point
from bot.handler import Handler
from bot.matrix import BotClient, KeyRequests, Matrix, MatrixError, exchange_keys
from bot.scheduler import Scheduler
from core import annotator, render
from core.clock import process_clock
from core.config import Config
from core.intents import Intent, JoinRoom, LeaveRoom, RawEvent, RoomMessage, UpdateCaseState
from core.messages import Msg
from storage import cases, events, outbox, schedule, undecrypted, users
from storage.db import Database, iso

log = logging.getLogger(__name__)

SYNC_TOKEN = "sync_token"
ROOMS_VERSION, CURRENT_ROOMS = "rooms_version", "2"  # 2: the bot alone redacts and pins
ACCESS_TOKEN = "access_token"
LONG_POLL_MS = 30_000
# Before the next long poll, give the replies of this batch a head start: on a single-process homeserver a
# new /sync competes with them (and the bot's own sync returns at once with its own answers: waiting for the ✅
# too makes that one sync, not two; bench/run.py). Bounded, so a long outbox (or an outage) never holds up new
# commands for long.
REPLY_HEAD_START_S = 1.0
BUSY_BATCH = 3  # events from others in one sync from which the bot counts as busy (bench/load.py)
BACKFILL_PAGES = 20
DRAIN_S = 10.0  # on SIGTERM: time the outbox gets to send what is queued
# Only what the bot acts on; presence, typing and account data would only cost time on every sync.
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 50},
        "state": {"lazy_load_members": True, "types": ["m.room.member", "m.room.create", "m.room.encryption"]},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}


class Bot:
    def __init__(self, config: Config) -> None:
        self.config = config
        # Made in start(): nothing runs before it.
        self.db: Database
        self.client: BotClient
        self.executor: Executor
        self.handler: Handler
        self.scheduler: Scheduler
        self.key_requests: KeyRequests
        self.verifier: verification.Verifier
        self.clock = process_clock()
        self.health = metrics.Health()
        self.metrics_server: metrics.MetricsServer | None = None
        self._stopping = asyncio.Event()
        self._batch = asyncio.Lock()
        self._retry_task: asyncio.Task | None = None  # held while a sync batch is handled and its position stored
        self._joining: set[str] = set()
        # Whether encrypted events may be waiting for their keys: saves a database round on every sync otherwise
        # (True at start: some may have been waiting when the bot stopped).
        self._keys_awaited = True

    # ---- start and stop ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._started_ms = int(time.time() * 1000)  # what Matrix timestamps as sent before this is history
        render.set_timezone(self.config.tz)
        if self.config.desk.preload:  # the personal-details check's worker loads now, so no asker waits for it
            annotator.start()
        os.umask(0o077)  # everything the bot writes (database, crypto store, backups, exports) is its own
        self.db = await Database.open(self.config.bot.database)
        mc = self.config.matrix
        store = mc.crypto_store or self.config.bot.database.parent / "crypto"
        crypto_store.make_private(store)
        crypto_store.rekey(store, mc.user_id, mc.device_id, mc.pickle_key)
        self.client = BotClient(
            mc.homeserver, mc.user_id, device_id=mc.device_id, store_path=str(store),
            config=nio.AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False, pickle_key=mc.pickle_key,
                                         max_timeouts=None, max_timeout_retry_wait_time=30, request_timeout=60),
        )
        self.client.on_unreachable = self.health.lost
        await self._login()
        self.verifier = verification.Verifier(self.client, None, self.config.is_admin)
        await self._cross_sign(store)
        matrix = Matrix(self.client, cross_signed_only=mc.device_trust == "cross_signed")
        if await matrix.lift_rate_limits():  # only where the bot is a homeserver admin
            log.info("the homeserver's rate limits are lifted for the bot's account")
        self.key_requests = KeyRequests(self.client)
        self.executor = Executor(self.db, matrix, self.config)
        self.handler = Handler(self.db, self.config, self.client.user_id, self.clock)
        self.scheduler = Scheduler(self.db, self.config, self.clock, self.executor.wake)
        if self.config.bot.metrics_port:
            self.metrics_server = metrics.MetricsServer(self.health, self._storage_gauges,
                                                        self.config.bot.metrics_host, self.config.bot.metrics_port)
            await self.metrics_server.start()
        await self._screening_room(matrix)
        await self._management_room(matrix)

    async def _management_room(self, matrix: Matrix) -> None:
        """Resolve and join the managers' room and the room for the automatic reports, where configured; a failure
        is logged and the bot works on (an invitation to the room later is accepted)."""
        reports = self.config.reports
        for name in ("management_room", "room"):
            room = getattr(reports, name)
            if not room:
                continue
            try:
                if room.startswith("#"):
                    room = await matrix.resolve_alias(room)
                    setattr(reports, name, room)
                await matrix.join(room)
            except MatrixError as exc:
                log.error("cannot join the reports' %s (%s); invite the bot to it", name, exc.errcode or exc)

    async def _cross_sign(self, store: Path) -> None:
        """Our device keys up first, then the account's cross-signing identity signs this device. A failure is
        logged loudly and the bot works on (its device then shows as not verified by its owner)."""
        try:
            await exchange_keys(self.client)
            identity = await cross_signing.ensure(self.client, store, self.config.matrix.pickle_key.encode(),
                                                  self.config.matrix.password)
            self.verifier.master_key = identity.public("master")
        except (TimeoutError, cross_signing.CrossSigningError, nio.LocalProtocolError, OSError) as exc:
            metrics.ERRORS.labels("cross_signing").inc()
            log.error("the bot's device is not cross-signed (Element will warn about it): %s", exc)

    async def _bring_rooms_up_to_date(self) -> None:
        """Case rooms made by an earlier version get what rooms have now (the record the bot's alone); once."""
        async with self.db.transaction() as tx:
            if await tx.get_meta(ROOMS_VERSION) == CURRENT_ROOMS:
                return
            await outbox_writer.write(tx, self.config, [UpdateCaseState(c) for c in await cases.with_rooms(tx)])
            await tx.set_meta(ROOMS_VERSION, CURRENT_ROOMS)

    async def _storage_gauges(self) -> None:
        async with self.db.transaction() as tx:
            metrics.OUTBOX_DEPTH.set(await outbox.depth(tx))
            metrics.SCHEDULED.set(await schedule.count_pending(tx))

    async def _login(self) -> None:
        assert self.db and self.client
        token: str | None = self.config.matrix.access_token
        if not token:
            async with self.db.transaction() as tx:
                token = await tx.get_meta(ACCESS_TOKEN)
        if token:
            self.client.access_token = token
            whoami = await self.client.whoami()
            if isinstance(whoami, nio.WhoamiResponse):
                # restore_login opens the crypto store for this user and device.
                self.client.restore_login(whoami.user_id, whoami.device_id or self.config.matrix.device_id, token)
                return
            if self.config.matrix.access_token or not self.config.matrix.password:
                raise RuntimeError(f"the access token was refused: {whoami.message}")
        # A fixed device id keeps the homeserver's transaction de-duplication working across restarts.
        response = await self.client.login(self.config.matrix.password, device_name="ZVH bot")
        if not isinstance(response, nio.LoginResponse):
            raise RuntimeError(f"login failed: {response.message}")
        async with self.db.transaction() as tx:
            await tx.set_meta(ACCESS_TOKEN, response.access_token)

    async def _screening_room(self, matrix: Matrix) -> None:
        """Resolve and join the screening room. A failure does not stop the bot: it keeps working for DMs and case
        rooms, retries in the background, and reports in the screening room once it gets in."""
        try:
            await self._join_screening_room(matrix)
        except MatrixError as exc:
            log.error("cannot join the screening room yet (%s); retrying in the background", exc.errcode or exc)
            self._retry_task = asyncio.get_running_loop().create_task(self._retry_screening_room(matrix, exc))

    async def _join_screening_room(self, matrix: Matrix) -> None:
        room = self.config.bot.screening_room
        if room.startswith("#"):
            self.config.bot.screening_room = room = await matrix.resolve_alias(room)
        await matrix.join(room)
        await self._join_desk_room(matrix)
        if self.config.bot.encrypt_rooms and await matrix.get_state(room, "m.room.encryption") is None:
            log.warning("the screening room is not encrypted: referral details are not shown there")
            async with self.db.transaction() as tx:
                await outbox_writer.write(tx, self.config, [RoomMessage(room, Msg.of("screening.not_encrypted"))])

    async def _join_desk_room(self, matrix: Matrix) -> None:
        """The expertise desk's consultation room, when it is a room of its own; a failure is logged, and the
        questions wait in the outbox until the bot is let in."""
        room = self.config.desk.room
        if not room or room == self.config.bot.screening_room:
            return
        try:
            if room.startswith("#"):
                self.config.desk.room = room = await matrix.resolve_alias(room)
            await matrix.join(room)
        except MatrixError as exc:
            log.error("cannot join the consultation room (%s); invite the bot to it", exc.errcode or exc)

    async def _retry_screening_room(self, matrix: Matrix, first: MatrixError) -> None:
        delay, since = 5.0, datetime.now(timezone.utc)
        while True:
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(300.0, delay * 2)
            try:
                await self._join_screening_room(matrix)
                break
            except MatrixError:
                continue
        log.info("joined the screening room after a failed start")
        async with self.db.transaction() as tx:
            await outbox_writer.write(tx, self.config, [RoomMessage(self.config.bot.screening_room, Msg.of(
                "startup.recovered", problem=first.errcode or str(first.status), since=since))])
        self.executor.wake()

    async def run(self) -> None:
        await self.start()
        await self._bring_rooms_up_to_date()
        executor = asyncio.create_task(self.executor.run(), name="executor")
        # Reminders that fell due while the bot was down go out now, before new commands are read.
        await self.scheduler.start()
        await self.scheduler.fire_due()
        log.info("started; reading messages")
        syncer = asyncio.create_task(self._sync_loop(), name="sync")
        clock = asyncio.create_task(self.clock.watch(self.scheduler.clock_changed), name="clock")
        stop = asyncio.create_task(self._stopping.wait())
        tasks = (syncer, executor, clock, stop)
        try:
            done, _ = await asyncio.wait({executor, syncer, stop}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                failure = task.exception() if task is not stop else None
                if failure is not None:
                    raise failure
            await self._drain(syncer)
        finally:
            # The sync position is only ever stored after a batch is fully handled, so cancelling is safe.
            self.scheduler.shutdown()
            if self._retry_task:
                self._retry_task.cancel()
            if self.metrics_server:
                await self.metrics_server.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.client.close()
            await self.db.close()
            annotator.stop()  # the personal-details worker ends with the bot, even while still loading

    def stop(self) -> None:
        self._stopping.set()

    async def _drain(self, syncer: asyncio.Task) -> None:
        """A graceful stop: let the batch in hand finish and its position be stored, stop reading, then give the
        outbox a bounded time to send what is queued (what is left is sent after the next start)."""
        async with self._batch:
            syncer.cancel()
        try:
            await asyncio.wait_for(self.executor.idle.wait(), DRAIN_S)
        except TimeoutError:
            log.warning("stopping with outbox entries left; they are sent after the next start")
        log.info("stopped cleanly")

    async def run_until_signalled(self) -> None:
        """Run until SIGINT or SIGTERM, then stop cleanly (the sync position is always consistent)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop)
        await self.run()

    # ---- sync --------------------------------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        async with self.db.transaction() as tx:
            token = await tx.get_meta(SYNC_TOKEN)
        sync_filter = await self._filter_id()
        failures = 0
        busy = False  # the last batch held several people's events: more may be on their way
        while True:
            try:
                # Quiet: wait for the ✅ too, so the next sync brings back all of the bot's own echoes in one.
                # Busy: for the answers only; the ✅ that follow then yield to the next batch's answers.
                done = self.executor.answered if busy else self.executor.idle
                await asyncio.wait_for(done.wait(), REPLY_HEAD_START_S)
            except TimeoutError:
                pass
            response = await self.client.sync(timeout=await self._poll_timeout_ms() if token else 0,
                                              sync_filter=sync_filter, since=token)
            if isinstance(response, nio.SyncError):
                metrics.ERRORS.labels("sync").inc()
                failures += 1
                delay = min(30.0, 0.5 * 2 ** failures) * random.uniform(0.5, 1.5)
                log.warning("sync failed (%s); retrying in %.1fs", response.message, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            self.client.answered()
            self.health.synced()
            busy = sum(e.sender != self.client.user_id for r in response.rooms.join.values()
                       for e in r.timeline.events) >= BUSY_BATCH
            async with self._batch:
                await self._keys()
                await self._process(response, initial=token is None)
                async with self.db.transaction() as tx:
                    await tx.set_meta(SYNC_TOKEN, response.next_batch)
            token = response.next_batch

    async def _keys(self) -> None:
        try:
            await exchange_keys(self.client)
        except (TimeoutError, nio.LocalProtocolError, OSError) as exc:
            log.warning("key exchange failed (retried after the next sync): %s", exc)

    async def _filter_id(self) -> str | dict[str, Any]:
        """Upload the filter once: an inline filter is parsed by the homeserver on every sync."""
        response = await self.client.upload_filter(presence=SYNC_FILTER["presence"],
                                                   account_data=SYNC_FILTER["account_data"], room=SYNC_FILTER["room"])
        if isinstance(response, nio.UploadFilterResponse):
            return response.filter_id
        log.warning("could not upload the sync filter (%s); sending it inline", response.message)
        return SYNC_FILTER

    async def _process(self, response: nio.SyncResponse, initial: bool) -> None:
        for room_id, info in response.rooms.invite.items():
            await self._invited(room_id, info)
        for room_id, info in response.rooms.join.items():
            timeline = [event.source for event in info.timeline.events]
            if initial:
                # A first start (or a new database) must not act on history: record it as seen. What was sent
                # since this process started is no history (a command right after the bot joined a room, while its
                # first sync was still on its way): that is handled. Real time: Matrix's timestamps are real.
                await self._mark_seen(room_id, [e for e in timeline if e.get("origin_server_ts", 0) < self._started_ms])
                timeline = [e for e in timeline if e.get("origin_server_ts", 0) >= self._started_ms]
            elif info.timeline.limited and info.timeline.prev_batch:
                timeline = await self._backfill(room_id, info.timeline.prev_batch, timeline) + timeline
            for event in timeline:
                if event.get("type") == "m.room.encrypted":
                    await self._wait_for_key(room_id, event)
                else:
                    await self._handle(room_id, event)
        await self._retry_undecrypted()

    async def _handle(self, room_id: str, event: dict[str, Any]) -> None:
        if verification.is_verification(event):
            await self._verification(room_id, event)
        elif event.get("type") == "m.room.message" and await self.handler.message(room_id, event,
                                                                                  self._encrypted(room_id)):
            crash_point("after_handle")
            self.executor.wake()
            await self.scheduler.added()  # the command may have scheduled something sooner
        elif event.get("type") == "m.reaction" and await self.handler.reaction(room_id, event):
            self.executor.wake()
        elif event.get("type") == "m.room.member" and await self._member_changed(room_id, event):
            self.executor.wake()

    def _encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room and room.encrypted) or room_id in self.client.encrypted_rooms

    async def _verification(self, room_id: str, event: dict[str, Any]) -> None:
        """An administrator verifying the bot from Element: the steps go out through the outbox, in order."""
        async with self.db.transaction() as tx:
            if not await events.mark_handled(tx, event["event_id"], room_id):
                return
            await outbox_writer.write(tx, self.config, [RawEvent(room_id, kind, content)
                                                        for kind, content in self.verifier.handle(room_id, event)])
        self.executor.wake()

    # ---- encrypted events whose key is late ------------------------------------------------------------------

    async def _wait_for_key(self, room_id: str, source: dict[str, Any]) -> None:
        """Keys often arrive a moment after the message: keep the event and ask the device that sent it. It is
        handled when its key comes, and its sender told only if the wait runs out. Real time, not the bot's
        clock: this is about Matrix delivery, whose timestamps are real too."""
        if source.get("sender") == self.client.user_id:
            return
        now = datetime.now(timezone.utc)
        give_up = now + timedelta(seconds=self.config.matrix.key_wait_seconds)
        async with self.db.transaction() as tx:
            if not await undecrypted.add(tx, room_id, source, iso(now), iso(give_up)):
                return
        self._keys_awaited = True
        event = nio.MegolmEvent.from_dict({**source, "room_id": room_id})
        if not isinstance(event, nio.MegolmEvent):
            return
        try:
            await self.key_requests.ask_sender(event)
        except (TimeoutError, MatrixError, nio.LocalProtocolError, OSError) as exc:
            log.warning("could not ask for a missing room key (the wait goes on): %s", exc)

    async def _retry_undecrypted(self) -> None:
        if not self._keys_awaited:
            return
        async with self.db.transaction() as tx:
            waiting = await undecrypted.all_waiting(tx)
        self._keys_awaited = bool(waiting)
        now = iso(datetime.now(timezone.utc))
        for item in waiting:
            event = nio.MegolmEvent.from_dict({**item.source, "room_id": item.room_id})
            decrypted = None
            if isinstance(event, nio.MegolmEvent) and self.client.olm is not None:
                try:
                    decrypted = self.client.decrypt_event(event)
                except nio.EncryptionError:
                    decrypted = None
            if decrypted is not None and not isinstance(decrypted, nio.MegolmEvent):
                log.info("a room key arrived late; handling the event it was waiting for")
                await self._handle(item.room_id, decrypted.source)
            elif item.give_up_at <= now:
                if await self.handler.undecryptable(item.room_id, item.source):
                    self.executor.wake()
                    log.info("gave up waiting for a room key; told the sender")
            else:
                continue
            async with self.db.transaction() as tx:
                await undecrypted.remove(tx, item.event_id)

    async def _poll_timeout_ms(self) -> int:
        """Wake up for the moment a wait for a room key runs out, even when nothing else happens."""
        if not self._keys_awaited:
            return LONG_POLL_MS
        async with self.db.transaction() as tx:
            give_up = await undecrypted.earliest_give_up(tx)
        if give_up is None:
            return LONG_POLL_MS
        left = (datetime.fromisoformat(give_up) - datetime.now(timezone.utc)).total_seconds()
        return int(min(LONG_POLL_MS, max(0.0, left) * 1000 + 100))

    async def _member_changed(self, room_id: str, event: dict[str, Any]) -> bool:
        """A direct chat stays one only while it holds the bot and its person alone. When they leave, or someone
        else is invited or joins, it is a direct chat no more: nothing private goes there again, and the bot
        leaves (saying why when others are in it)."""
        user = event.get("state_key")
        membership = (event.get("content") or {}).get("membership")
        if user == self.client.user_id:
            return False
        if membership == "join" and await self.handler.joined(room_id, event):
            return True  # a case member who joined later, brought up to date
        async with self.db.transaction() as tx:
            owner = await users.dm_user(tx, room_id)
            if owner is None or not (membership == "leave" and user == owner
                                     or membership in ("invite", "join") and user != owner):
                return False
            await users.forget_dm_room(tx, room_id)
            intents: list[Intent] = [LeaveRoom(room_id)]
            if membership != "leave":  # others read it now: in the region's language (bot/languages.py)
                intents.insert(0, RoomMessage(room_id, Msg.of("room.no_longer_private")))
            await outbox_writer.write(tx, self.config, intents)
        log.info("a direct chat is no longer private; left it")
        return True

    async def _mark_seen(self, room_id: str, timeline: list[dict[str, Any]]) -> None:
        async with self.db.transaction() as tx:
            for event in timeline:
                if "event_id" in event:
                    await events.mark_handled(tx, event["event_id"], room_id)

    async def _backfill(self, room_id: str, prev_batch: str, timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A gappy sync (many messages while the bot was down): page back until events already handled or too
        old to act on, so no command is silently skipped."""
        cutoff_ms = (self.config.bot.max_command_age_minutes + 24 * 60) * 60_000
        newest = max((e.get("origin_server_ts", 0) for e in timeline), default=0)
        collected: list[dict[str, Any]] = []
        start = prev_batch
        for _ in range(BACKFILL_PAGES):
            response = await self.client.room_messages(room_id, start=start, limit=100,
                                                       message_filter={"types": ["m.room.message"]})
            if not isinstance(response, nio.RoomMessagesResponse) or not response.chunk:
                break
            stop = False
            for event in response.chunk:
                source = event.source
                async with self.db.transaction() as tx:
                    seen = await tx.value("SELECT 1 FROM handled_events WHERE event_id = ?", (source["event_id"],))
                if seen or newest - source.get("origin_server_ts", 0) > cutoff_ms:
                    stop = True
                    break
                collected.append(source)
            if stop or not response.end:
                break
            start = response.end
        collected.reverse()
        if collected:
            log.info("backfilled %d events in a room after a gap", len(collected))
        return collected

    async def _invited(self, room_id: str, info: Any) -> None:
        if room_id in self._joining:
            return
        invite = next((e for e in info.invite_state if getattr(e, "state_key", None) == self.client.user_id
                       and getattr(e, "membership", None) == "invite"), None)
        if invite is None:
            return
        inviter = invite.sender
        self._joining.add(room_id)
        async with self.db.transaction() as tx:
            intents: list[Intent]
            if room_id == self.config.desk_room:  # the consultation room: served, not a direct chat
                intents = [JoinRoom(room_id)]
            elif self.config.is_known(inviter):
                intents = [JoinRoom(room_id, inviter, bool(invite.content.get("is_direct")))]
            else:
                # Need-to-know: the bot does not stay in rooms of people outside the partnership, but it says why.
                log.info("declining an invite from outside the partner directory")
                intents = [JoinRoom(room_id), RoomMessage(room_id, Msg.of("dm.not_partner")), LeaveRoom(room_id)]
            await outbox_writer.write(tx, self.config, intents)
        self.executor.wake()
