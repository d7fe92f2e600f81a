"""Performs the outbox in order, each item exactly once, and records what it produced."""
from __future__ import annotations

import asyncio
import base64
import logging
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp

from bot import metrics, outbox_writer, rooms
from bot.faults import crash_point
from bot.matrix import Matrix, MatrixError, NotYet
from core.config import Config
from core.intents import AddToSpace, DirectMessage, Intent, InviteToCase, LeaveRoom, RawEvent, RoomMessage
from core.messages import Msg
from storage import audit, cases, dossier, events, outbox, users
from storage.db import Database, Tx, iso
from storage.outbox import Head, OutboxItem

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0  # a homeserver back after an outage is used within a minute
CONCURRENT = 8  # lanes worked at once
REMOTE_JOIN_TRIES = 5  # a join refused by the inviting server is tried again for some seconds (see _do_join)
# What one command said about a room it made (the answer, the direct messages) goes once the room exists, so the
# homeserver builds the room undisturbed (bench/open_case.py); bounded, so a slow createRoom holds nothing for long.
HOLD_FOR_ROOM_S = 1.0
REACT_PATIENCE_S = 2.0  # a ✅ waits for the answers of the moment at most this long
REACT_SLOTS = 2  # ✅ on their way at once
AUDIT_ANCHORS = "nl.zvh.audit_anchors"  # in the bot's account data, outside the database
KEEP_ANCHORS = 400  # a year of nightly anchors and then some


def choose(due: list[Head], busy: list[Head], building: list[Head], slots: int, patient: frozenset[int] = frozenset()
           ) -> list[Head]:
    """Which due lane heads start now, in this order: room structure (a case room and its invitations), then
    messages, then reactions. A ✅ waits while any message is due or on its way: in a burst every answer goes
    before any ✅ (bench/load.py), and the order within a room is kept by the lanes anyway; one that has waited
    REACT_PATIENCE_S (`patient`) goes as a message, so a long run of reminders never starves it. What a command
    wrote together with a room being built (`building`, or starting now: the same transaction) waits for it."""
    def rank(head: Head) -> int:
        return _rank(head, patient)

    together = {(h.created_at, h.id) for h in [*building, *(h for h in due if rank(h) == 0)]}
    ready = [h for h in due if not any(h.created_at == stamp and h.id > first for stamp, first in together)
             or rank(h) == 0]
    if any(rank(h) < 2 for h in ready + busy):
        ready = [h for h in ready if rank(h) < 2]
    chosen = sorted(ready, key=lambda h: (rank(h), h.id))[:max(0, slots - len(busy))]
    # A few ✅ at a time: those on their way when the next commands come in compete with their answers.
    reacting = sum(rank(h) == 2 for h in busy)
    return [h for h in chosen if rank(h) < 2 or (reacting := reacting + 1) <= REACT_SLOTS]


def _rank(head: Head, patient: frozenset[int] = frozenset()) -> int:
    if head.kind in outbox_writer.ROOM_STRUCTURE:
        return 0
    return 2 if head.kind == "react" and head.id not in patient else 1


class Executor:
    def __init__(self, db: Database, matrix: Matrix, config: Config) -> None:
        self.db = db
        self.matrix = matrix
        self.config = config
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()  # set while nothing is due
        self.answered = asyncio.Event()  # set while no answer (nothing but ✅) is due or on its way
        self.performed = 0
        self._room_version: str | None = None
        self._acl_locks: dict[str, asyncio.Lock] = {}

    async def room_version(self) -> str:
        if self._room_version is None:
            self._room_version = await self.matrix.default_room_version()
        return self._room_version

    def wake(self) -> None:
        self.idle.clear()
        self.answered.clear()
        self._wake.set()

    async def run(self) -> None:
        """Each lane's first item as soon as it is due, up to CONCURRENT at once: one slow or rate-limited
        homeserver call holds up its own room (or invitation) only, never the answers to everyone else. Which
        due item goes first is `choose`'s."""
        busy: dict[str, Head] = {}  # lane -> the item being performed there
        started_at: dict[int, float] = {}  # item id -> when (monotonic) it started
        due_since: dict[int, float] = {}  # a ✅'s id -> when (monotonic) it was first seen due
        running: set[asyncio.Task] = set()  # held here: the event loop keeps only weak references to tasks
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            now = iso(datetime.now(timezone.utc))  # retry delays are transport time: real time
            held_until = None
            async with self.db.transaction() as tx:
                heads = [h for h in await outbox.heads(tx) if h.lane not in busy]
                due = [h for h in heads if h.not_before is None or h.not_before <= now]
                building = [h for h in busy.values()
                            if _rank(h) == 0 and loop.time() - started_at[h.id] < HOLD_FOR_ROOM_S]
                started = []
                t = loop.time()
                due_since = {h.id: due_since.get(h.id, t) for h in due if h.kind == "react"}
                patient = frozenset(i for i, since in due_since.items() if t - since >= REACT_PATIENCE_S)
                for head in choose(due, list(busy.values()), building, CONCURRENT, patient):
                    item = await outbox.get(tx, head.id)
                    if item is not None:
                        started.append((head, item))
            for head, item in started:
                busy[item.lane] = head
                started_at[head.id] = loop.time()
                task = asyncio.create_task(self._perform_in_lane(item, busy, started_at))
                running.add(task)
                task.add_done_callback(running.discard)
            if not busy and not due:
                self.idle.set()
            if any(_rank(h) < 2 for h in [*due, *busy.values()]):
                self.answered.clear()
            else:
                self.answered.set()
            if building:  # what waits for a room waits a bounded time: look again when that is up
                held_until = min(started_at[h.id] for h in building) + HOLD_FOR_ROOM_S - loop.time()
            if due_since and len(patient) < len(due_since):  # and a ✅ that waits for answers
                soonest = min(s for i, s in due_since.items() if i not in patient) + REACT_PATIENCE_S - loop.time()
                held_until = soonest if held_until is None else min(held_until, soonest)
            waiting = [h.not_before for h in heads if h.not_before and h.not_before > now]
            await self._sleep_until(min(waiting) if waiting else None, held_until)

    async def _perform_in_lane(self, item: OutboxItem, busy: dict[str, Head], started_at: dict[int, float]
                               ) -> None:
        try:
            await self.perform(item)
        finally:
            busy.pop(item.lane, None)
            started_at.pop(item.id, None)
            self.wake()

    async def _sleep_until(self, retry_at: str | None, within: float | None = None) -> None:
        timeout = None
        if retry_at:
            timeout = max(0.0, (datetime.fromisoformat(retry_at) - datetime.now(timezone.utc)).total_seconds())
        if within is not None:
            timeout = max(0.0, within) if timeout is None else min(timeout, max(0.0, within))
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    async def perform(self, item: OutboxItem) -> None:
        handler = getattr(self, f"_do_{item.kind}", None)
        try:
            if handler is None:
                raise LookupError(f"unknown outbox kind {item.kind!r}")
            result, follow_up = await handler(item)
        except MatrixError as exc:
            await self._failed(item, exc, transient=exc.transient)
            return
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            await self._failed(item, exc, transient=True)
            return
        except Exception:  # a bad item (malformed, or a bug): never the end of the bot
            ref = uuid.uuid4().hex[:8]
            log.exception("outbox %s #%d failed unexpectedly (ref %s)", item.kind, item.id, ref)
            await self._failed(item, RuntimeError(f"unexpected error, ref {ref}"), transient=False)
            return
        async with self.db.transaction() as tx:
            await outbox.mark_done(tx, item.id, result)
            if follow_up:
                await follow_up(tx)
        self.performed += 1

    async def _failed(self, item: OutboxItem, exc: Exception, transient: bool) -> None:
        metrics.ERRORS.labels("outbox").inc()
        async with self.db.transaction() as tx:
            if transient:
                delay = min(MAX_BACKOFF, 0.5 * 2 ** min(item.attempts, 12)) * random.uniform(0.8, 1.2)
                if isinstance(exc, MatrixError) and exc.retry_after_ms:  # the homeserver's own wait comes first
                    delay = max(delay, exc.retry_after_ms / 1000)
                not_before = (datetime.now(timezone.utc) + timedelta(seconds=delay)).isoformat(timespec="milliseconds")
                await outbox.retry_later(tx, item.id, not_before, str(exc))
                log.warning("outbox %s #%d failed, retry in %.1fs: %s", item.kind, item.id, delay, exc)
                if item.attempts == 0:  # the first time only: said once, not on every retry
                    await self._delayed(tx, item, delay)
            else:
                await outbox.mark_failed(tx, item.id, str(exc))
                log.error("outbox %s #%d failed for good: %s", item.kind, item.id, exc)
                await self._report(tx, item, exc)

    async def _delayed(self, tx: Tx, item: OutboxItem, delay: float) -> None:
        """Work held up by a homeserver is said where it matters: a case room the homeserver makes us wait for (to
        the coordinators, in the screening room), an invitation a partner's server does not take yet (to the
        procesregisseur, in the case room). The retries go on."""
        case_id = item.payload.get("case_id") if isinstance(item.payload, dict) else None
        case = await cases.get(tx, case_id) if case_id else None
        if case is None:
            return
        if item.kind == "create_case_room":
            msg = Msg.of("case.room_delayed", nr=case.id, seconds=round(delay)).to(case.procesregisseur)
            await outbox_writer.write(tx, self.config, [RoomMessage(self.config.bot.screening_room, msg)])
        elif item.kind == "case_invite" and case.room_id:
            msg = Msg.of("case.invite_pending", user=item.payload["user_id"]).to(case.procesregisseur)
            await outbox_writer.write(tx, self.config, [RoomMessage(case.room_id, msg)])

    async def _report(self, tx: Tx, item: OutboxItem, exc: Exception) -> None:
        """A message that will never arrive is reported where it was going (its room, or the person's direct
        chat), once: the report itself is not reported if it fails too."""
        p = item.payload if isinstance(item.payload, dict) else {}
        if item.kind not in ("send", "send_file") or p.get("no_report"):
            return
        status = exc.status if isinstance(exc, MatrixError) else None
        msg = Msg.of("error.not_delivered", too_large=status == 413, ref=item.id)
        if p.get("room_id"):
            await outbox_writer.write(tx, self.config, [RoomMessage(p["room_id"], msg, no_report=True)])
        elif p.get("to_user"):
            await outbox_writer.write(tx, self.config, [DirectMessage(p["to_user"], msg, no_report=True)])

    # ---- room creation, exactly once ---------------------------------------------------------------------------

    async def _create_once(self, item: OutboxItem, key: str, body: dict[str, Any]) -> str:
        """createRoom cannot be de-duplicated by the homeserver: mark the attempt first; a retry of a marked
        attempt looks for the room that carries the key before it creates anything."""
        if item.state == "attempted":
            found = await self._find_created(key)
            if found:
                log.info("outbox #%d: found room from interrupted attempt", item.id)
                return found
        async with self.db.transaction() as tx:
            await outbox.mark_attempted(tx, item.id)
        room_id = await self.matrix.create_room(body)
        crash_point("after_create_room")
        return room_id

    async def _find_created(self, key: str) -> str | None:
        for room_id in await self.matrix.joined_rooms():
            create = await self.matrix.get_state(room_id, "m.room.create")
            if create and create.get(rooms.CREATION_KEY) == key:
                return room_id
        return None

    def _local(self, user_id: str) -> bool:
        return user_id.split(":", 1)[-1] == self.matrix.user_id.split(":", 1)[-1]

    # ---- item kinds: each returns (result, follow-up in the done-transaction) ------------------------------------

    async def _do_send(self, item: OutboxItem):
        p = item.payload
        room_id, new_dm = await self._target(item)
        event_id = await self.matrix.send(room_id, p.get("type", "m.room.message"), p["content"], item.key)
        crash_point("after_send")

        async def remember(tx: Tx) -> None:
            await events.tag_sent(tx, event_id, p["tag"])

        return {"room_id": room_id, "event_id": event_id, "new_dm": new_dm}, remember if p.get("tag") else None

    async def _target(self, item: OutboxItem) -> tuple[str, str | None]:
        """Where an item goes: its room; for a person, the room they asked in while it is private to them, else
        their direct chat (made if need be). (room id, the room if it was made now)"""
        p = item.payload
        room_id, user = p.get("room_id"), p.get("to_user")
        if user is None:
            if room_id is None:
                raise LookupError("an outbox item with neither a room nor a person")
            return room_id, None
        if room_id is not None:
            if await self.matrix.members(room_id) == {self.matrix.user_id, user}:
                return room_id, None
            log.warning("a private answer's room has other members now; it goes to a private room instead")
            async with self.db.transaction() as tx:
                if await users.dm_user(tx, room_id) == user:
                    await users.forget_dm_room(tx, room_id)
        return await self._private_room(item, user)

    async def _private_room(self, item: OutboxItem, user: str) -> tuple[str, str | None]:
        """A room whose members are, at this moment, exactly the bot and this person: their newest direct chat if
        it still is one, else a new encrypted one. (room id, the room if it was made now)"""
        while True:
            async with self.db.transaction() as tx:
                room_id = await users.dm_room(tx, user)
            if room_id is None:
                break
            if await self.matrix.members(room_id) == {self.matrix.user_id, user}:
                return room_id, None
            log.warning("a direct chat has other members now; it gets no more private messages")
            async with self.db.transaction() as tx:
                await users.forget_dm_room(tx, room_id)
        room_id = await self._create_once(item, f"{item.key}:dm",
                                          rooms.direct_chat(self.config, user, f"{item.key}:dm"))
        if user not in await self.matrix.members(room_id):
            # The homeserver makes the room before it invites; when the person's server cannot be reached, the
            # room is there without them and the retry finds it: invited now (retried until their server answers).
            await self.matrix.invite(room_id, user)
        async with self.db.transaction() as tx:
            await users.add_dm_room(tx, user, room_id)
        return room_id, room_id

    async def _do_send_file(self, item: OutboxItem):
        """Upload (encrypted for an encrypted room), then send it like any message (same transaction id on a
        retry: never two messages)."""
        p = item.payload
        data = base64.b64decode(p["data"])
        # The room is chosen before the upload: its encryption decides the upload's.
        room_id, _ = await self._target(item)
        encrypt = await self.matrix.is_encrypted(room_id)
        url, keys = await self.matrix.upload(data, p["mimetype"], p["filename"], encrypt)
        content = {"msgtype": "m.file", "body": p["filename"], "filename": p["filename"],
                   "info": {"mimetype": p["mimetype"], "size": len(data)}}
        if p.get("alt") is not None:  # an image: clients show it, and read the body as its alt text
            content.update(msgtype="m.image", body=p["alt"])
            if p.get("width"):
                content["info"].update(w=p["width"], h=p["height"])
        if keys:
            content["file"] = {**keys, "url": url}
        else:
            content["url"] = url
        send = OutboxItem(item.id, item.key, "send", {"room_id": room_id, "content": content}, item.state,
                          item.attempts)
        result, follow_up = await self._do_send(send)
        if p.get("pin"):
            await self._pin(result["room_id"], result["event_id"])
        return result, follow_up

    async def _pin(self, room_id: str, event_id: str) -> None:
        """Add to the room's pinned events; a retry finds it pinned already."""
        pinned = (await self.matrix.get_state(room_id, "m.room.pinned_events") or {}).get("pinned", [])
        if event_id not in pinned:
            await self.matrix.put_state(room_id, "m.room.pinned_events", {"pinned": [*pinned, event_id]})

    async def _do_react(self, item: OutboxItem):
        p = item.payload
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": p["event_id"], "key": p["key"]}}
        try:
            event_id = await self.matrix.send(p["room_id"], "m.reaction", content, item.key)
        except MatrixError as exc:
            if exc.errcode != "M_DUPLICATE_ANNOTATION":
                raise
            event_id = None  # already there (a command redone after a restore from backup): nothing to add
        return {"event_id": event_id}, None

    async def _do_join(self, item: OutboxItem):
        """The bot serves direct chats (exactly the bot and the person who invited it), the screening room, the
        management room and the case rooms it makes. Invited anywhere else by a known user, it says so and leaves:
        outsiders in such a room could otherwise use it."""
        p = item.payload
        inviter = p.get("inviter")
        try:
            await self.matrix.join(p["room_id"])
        except MatrixError as exc:
            # An invitation from another server reaches us before that server has stored it (it stores it once we
            # signed it): a join at once is then refused as "not invited". Asked again a few times before it
            # counts as refused.
            if exc.status == 403 and inviter and not self._local(inviter) and item.attempts < REMOTE_JOIN_TRIES:
                raise NotYet("join", exc.status, exc.errcode, "the inviting server has not stored the invitation yet"
                             ) from exc
            raise
        if p["room_id"] in (self.config.bot.screening_room, self.config.reports.management_room,
                            self.config.reports.room):
            return {"dm": False}, None  # a room it serves by configuration
        is_dm = inviter is not None and await self.matrix.members(p["room_id"]) == {self.matrix.user_id, inviter}

        async def record(tx: Tx) -> None:
            if inviter is None:
                return
            if not is_dm:
                await outbox_writer.write(tx, self.config, [RoomMessage(p["room_id"], Msg.of(
                    "room.not_served", prefix=self.config.bot.command_prefix)), LeaveRoom(p["room_id"])])
            elif await users.add_dm_room(tx, inviter, p["room_id"]):
                await outbox_writer.write(tx, self.config, [RoomMessage(
                    p["room_id"], Msg.of("dm.welcome", prefix=self.config.bot.command_prefix))])

        return {"dm": bool(is_dm)}, record

    async def _do_leave(self, item: OutboxItem):
        await self.matrix.leave(item.payload["room_id"])
        return None, None

    async def _do_ensure_space(self, item: OutboxItem):
        async with self.db.transaction() as tx:
            existing = await tx.get_meta("space_room_id")
        if existing:
            return {"room_id": existing}, None
        body = rooms.space(self.config, self.matrix.user_id, item.key, await self.room_version())
        room_id = await self._create_once(item, item.key, body)

        async def record(tx: Tx) -> None:
            await tx.set_meta("space_room_id", room_id)

        return {"room_id": room_id}, record

    async def _do_create_case_room(self, item: OutboxItem):
        case_id = item.payload["case_id"]
        async with self.db.transaction() as tx:
            case = await cases.get(tx, case_id)
            members = await cases.members(tx, case_id)
            space_id = await tx.get_meta("space_room_id")
        if case is None:  # deleted after its retention term before its room was ever made
            return {"room_id": None}, None
        if case.room_id:
            return {"room_id": case.room_id}, None
        # Members on this homeserver are invited with the room; those on partners' servers each by an invitation
        # of their own, retried on its own: one unreachable server never holds up the room or another invitation.
        here = [m.user_id for m in members if self._local(m.user_id)]
        body = rooms.case_room(self.config, self.matrix.user_id, case, members, space_id, item.key,
                               await self.room_version(), invite=here)
        room_id = await self._create_once(item, item.key, body)

        async def record(tx: Tx) -> None:
            await cases.set_room(tx, case_id, room_id)
            follow: list[Intent] = [RawEvent(room_id, "m.room.message", item.payload["welcome"])]
            follow += [InviteToCase(case_id, m.user_id) for m in members
                       if not self._local(m.user_id) and m.user_id != self.matrix.user_id]
            if space_id:
                follow.append(AddToSpace(case_id, space_id, room_id))
            await outbox_writer.write(tx, self.config, follow)

        return {"room_id": room_id}, record

    async def _do_space_add(self, item: OutboxItem):
        """The space lists every case room, so only coordinators (who see every case anyway) are in it: a partner
        learns of no case but their own. No case number in the child entry."""
        p = item.payload
        await self.matrix.put_state(p["space_id"], "m.space.child", {"via": [self.config.matrix.server_name]},
                                    state_key=p["room_id"])
        async with self.db.transaction() as tx:
            members = await cases.members(tx, p["case_id"])
        for member in members:
            if self.config.is_coordinator(member.user_id):
                await self.matrix.invite(p["space_id"], member.user_id)
        return None, None

    async def _do_case_invite(self, item: OutboxItem):
        """A partner added later: into the room (a coordinator into the region's space too). Before the room
        exists, creating it invites every member anyway."""
        p = item.payload
        async with self.db.transaction() as tx:
            case = await cases.get(tx, p["case_id"])
            space_id = await tx.get_meta("space_room_id")
        if not (case and case.room_id):
            return None, None
        await self._follow_acl(case.id)  # the invitee's server may take part before they can join
        await self.matrix.invite(case.room_id, p["user_id"])
        if space_id and self.config.is_coordinator(p["user_id"]):
            await self.matrix.invite(space_id, p["user_id"])
        if not item.attempts:
            return None, None
        room_id, lead = case.room_id, case.procesregisseur

        async def delivered(tx: Tx) -> None:  # it was said to be waiting: now it went through
            msg = Msg.of("case.invite_delivered", user=p["user_id"]).to(lead)
            await outbox_writer.write(tx, self.config, [RoomMessage(room_id, msg)])

        return None, delivered

    async def _do_case_remove(self, item: OutboxItem):
        p = item.payload
        async with self.db.transaction() as tx:
            case = await cases.get(tx, p["case_id"])
            space_id = await tx.get_meta("space_room_id")
        if case and case.room_id:
            await self.matrix.kick(case.room_id, p["user_id"], reason="removed from the case")
            await self._follow_acl(case.id)  # a server with no one left in the case takes no further part
        if space_id and not self.config.is_coordinator(p["user_id"]):  # spaces made before it was coordinators'
            await self.matrix.kick(space_id, p["user_id"], reason="removed from the case")
        return None, None

    async def _do_case_state(self, item: OutboxItem):
        async with self.db.transaction() as tx:
            case = await cases.get(tx, item.payload["case_id"])
        if case and case.room_id:
            await self.matrix.put_state(case.room_id, rooms.CASE_STATE, rooms.case_state(case, self.config))
            # An arrangement escalated to a case: the room is named and described as the case's now.
            name = rooms.room_name(self.config, case)
            if (await self.matrix.get_state(case.room_id, "m.room.name") or {}).get("name") != name:
                await self.matrix.put_state(case.room_id, "m.room.name", {"name": name})
                await self.matrix.put_state(case.room_id, "m.room.topic", {"topic": rooms.room_topic(self.config,
                                                                                                     case)})
            levels = await self.matrix.get_state(case.room_id, "m.room.power_levels") or {}
            wanted = rooms.bot_keeps_the_record(levels)
            # closing makes the room read-only (the bot alone still writes); reopening undoes it
            wanted = rooms.read_only(wanted) if case.status == "closed" else rooms.writable(wanted)
            if wanted != levels:
                await self.matrix.put_state(case.room_id, "m.room.power_levels", wanted)
            await self._follow_acl(case.id)  # also gives rooms made before there were ACLs one
        return None, None

    async def _follow_acl(self, case_id: str) -> None:
        """The room's server ACL allows the servers of the people in the case now (bot/rooms.py server_acl). One
        case's changes one at a time, each reading the members when it runs: the last one written is the newest."""
        async with self._acl_locks.setdefault(case_id, asyncio.Lock()):
            async with self.db.transaction() as tx:
                case = await cases.get(tx, case_id)
                members = [m.user_id for m in await cases.members(tx, case_id)]
            if not (case and case.room_id):
                return
            wanted = rooms.server_acl(self.config.matrix.server_name, members)
            if await self.matrix.get_state(case.room_id, rooms.SERVER_ACL) != wanted:
                await self.matrix.put_state(case.room_id, rooms.SERVER_ACL, wanted)

    async def _do_audit_anchor(self, item: OutboxItem):
        p = item.payload
        anchors = [a for a in (await self.matrix.get_account_data(AUDIT_ANCHORS)).get("anchors", [])
                   if a.get("id") != p["id"]]
        anchors.append({"id": p["id"], "hash": p["hash"], "at": p["at"]})
        await self.matrix.put_account_data(AUDIT_ANCHORS, {"anchors": anchors[-KEEP_ANCHORS:]})
        return None, None

    async def _do_audit_check(self, item: OutboxItem):
        """Every anchor must still be in the chain with the hash it had: an entry gone names a truncation (or
        a deletion), another hash a rewritten chain."""
        p = item.payload
        anchors = (await self.matrix.get_account_data(AUDIT_ANCHORS)).get("anchors", [])

        async def answer(tx: Tx) -> None:
            problem, entry, at = None, None, None
            for anchor in anchors:
                found = await audit.hash_of(tx, anchor["id"])
                if found != anchor["hash"]:
                    problem = "missing" if found is None else "rewritten"
                    entry, at = anchor["id"], anchor["at"]
                    break
            await outbox_writer.write(tx, self.config, [RoomMessage(p["room_id"], Msg.of(
                "privacy.anchors", problem=problem, entry=entry, at=at, count=len(anchors)),
                reply_to=p["reply_to"])])

        return {"anchors": len(anchors)}, answer

    async def _do_purge_room(self, item: OutboxItem):
        """Purged on the ZVH's server (or left); the servers of the partners that were in the room keep their copy,
        which no homeserver can delete on another: the deletion record names them."""
        p = item.payload
        try:
            servers: list[str] | None = await self.matrix.member_servers(p["room_id"])
        except MatrixError:  # the bot is out of the room already (a retry after the purge went through)
            servers = None
        purged = await self.matrix.purge_room(p["room_id"])

        async def record(tx: Tx) -> None:
            await dossier.record_servers(tx, p["case_id"], servers or [])

        return {"purged": purged}, record if p.get("case_id") and servers is not None else None
