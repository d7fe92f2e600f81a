"""Performs the outbox in order, each item exactly once, and records what it produced."""
from __future__ import annotations

import asyncio
import base64
import logging
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from bot import metrics, outbox_writer, rooms
from bot.faults import crash_point
from bot.matrix import Matrix, MatrixError
from core.config import Config
from core.intents import AddToSpace, Intent, RawEvent, RoomMessage
from core.messages import Msg
from storage import cases, events, outbox, users
from storage.db import Database, Tx, iso
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0  # a homeserver back after an outage is used within a minute



class Executor:
    def __init__(self, db: Database, matrix: Matrix, config: Config) -> None:
        self.db = db
        self.matrix = matrix
        self.config = config
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()  # set while nothing is due
        self.performed = 0
        self._room_version: str | None = None

    async def room_version(self) -> str:
        if self._room_version is None:
            self._room_version = await self.matrix.default_room_version()
        return self._room_version

    def wake(self) -> None:
        self.idle.clear()
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            async with self.db.transaction() as tx:
                # Retry delays are transport time: real time, like the not_before they were stamped with.
                item = await outbox.next_open(tx, iso(datetime.now(timezone.utc)))
                retry_at = None if item else await outbox.earliest_retry(tx)
            if item is None:
                self.idle.set()
                await self._sleep_until(retry_at)
                continue
            await self.perform(item)

    async def _sleep_until(self, retry_at: str | None) -> None:
        timeout = None
        if retry_at:
            timeout = max(0.0, (datetime.fromisoformat(retry_at) - datetime.now(timezone.utc)).total_seconds())
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    async def perform(self, item: OutboxItem) -> None:
        handler = getattr(self, f"_do_{item.kind}")
        try:
            result, follow_up = await handler(item)
        except MatrixError as exc:
            await self._failed(item, exc, transient=exc.transient)
            return
        except (TimeoutError, OSError) as exc:
            await self._failed(item, exc, transient=True)
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
                not_before = (datetime.now(timezone.utc) + timedelta(seconds=delay)).isoformat(timespec="milliseconds")
                await outbox.retry_later(tx, item.id, not_before, str(exc))
                log.warning("outbox %s #%d failed, retry in %.1fs: %s", item.kind, item.id, delay, exc)
            else:
                await outbox.mark_failed(tx, item.id, str(exc))
                log.error("outbox %s #%d failed for good: %s", item.kind, item.id, exc)

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

    # ---- item kinds: each returns (result, follow-up in the done-transaction) ------------------------------------

    async def _do_send(self, item: OutboxItem):
        p = item.payload
        room_id = p.get("room_id")
        new_dm = None
        if room_id is None:
            async with self.db.transaction() as tx:
                room_id = await users.dm_room(tx, p["to_user"])
            if room_id is None:
                room_id = new_dm = await self._create_once(item, f"{item.key}:dm",
                                                           rooms.direct_chat(self.config, p["to_user"],
                                                                             f"{item.key}:dm"))
                async with self.db.transaction() as tx:
                    await users.add_dm_room(tx, p["to_user"], room_id)
        event_id = await self.matrix.send(room_id, p.get("type", "m.room.message"), p["content"], item.key)
        crash_point("after_send")

        async def remember(tx: Tx) -> None:
            await events.tag_sent(tx, event_id, p["tag"])

        return {"room_id": room_id, "event_id": event_id, "new_dm": new_dm}, remember if p.get("tag") else None

    async def _do_send_file(self, item: OutboxItem):
        """Upload (encrypted for an encrypted room), then send it like any message (same transaction id on a
        retry: never two messages)."""
        p = item.payload
        data = base64.b64decode(p["data"])
        room_id = p.get("room_id")
        if room_id is None:
            async with self.db.transaction() as tx:
                room_id = await users.dm_room(tx, p["to_user"])
        encrypt = room_id is not None and await self.matrix.is_encrypted(room_id)
        url, keys = await self.matrix.upload(data, p["mimetype"], p["filename"], encrypt)
        content = {"msgtype": "m.file", "body": p["filename"], "filename": p["filename"],
                   "info": {"mimetype": p["mimetype"], "size": len(data)}}
        if keys:
            content["file"] = {**keys, "url": url}
        else:
            content["url"] = url
        target = {"room_id": p["room_id"]} if p.get("room_id") else {"to_user": p["to_user"]}
        send = OutboxItem(item.id, item.key, "send", {**target, "content": content}, item.state, item.attempts)
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
        p = item.payload
        await self.matrix.join(p["room_id"])
        is_dm = p.get("inviter") is not None and (
            p.get("is_direct") or await self.matrix.joined_member_count(p["room_id"]) <= 2)

        async def record(tx: Tx) -> None:
            if is_dm and await users.add_dm_room(tx, p["inviter"], p["room_id"]):
                lang = await users.language(tx, p["inviter"]) or self.config.bot.language
                await outbox_writer.write(tx, self.config, [RoomMessage(
                    p["room_id"], Msg.of("dm.welcome", prefix=self.config.bot.command_prefix), lang=lang)])

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
        body = rooms.case_room(self.config, self.matrix.user_id, case, members, space_id, item.key,
                               await self.room_version())
        room_id = await self._create_once(item, item.key, body)

        async def record(tx: Tx) -> None:
            await cases.set_room(tx, case_id, room_id)
            follow: list[Intent] = [RawEvent(room_id, "m.room.message", item.payload["welcome"])]
            if space_id:
                follow.append(AddToSpace(case_id, space_id, room_id))
            await outbox_writer.write(tx, self.config, follow)

        return {"room_id": room_id}, record

    async def _do_space_add(self, item: OutboxItem):
        p = item.payload
        await self.matrix.put_state(p["space_id"], "m.space.child",
                                    {"via": [self.config.matrix.server_name], "order": p["case_id"]},
                                    state_key=p["room_id"])
        async with self.db.transaction() as tx:
            members = await cases.members(tx, p["case_id"])
        for member in members:
            await self.matrix.invite(p["space_id"], member.user_id)
        return None, None

    async def _do_case_invite(self, item: OutboxItem):
        """A partner added later: into the room and the region's space. Before the room exists, creating it
        invites every member anyway."""
        p = item.payload
        async with self.db.transaction() as tx:
            case = await cases.get(tx, p["case_id"])
            space_id = await tx.get_meta("space_room_id")
        if case and case.room_id:
            await self.matrix.invite(case.room_id, p["user_id"])
            if space_id:
                await self.matrix.invite(space_id, p["user_id"])
        return None, None

    async def _do_case_remove(self, item: OutboxItem):
        p = item.payload
        async with self.db.transaction() as tx:
            case = await cases.get(tx, p["case_id"])
        if case and case.room_id:
            await self.matrix.kick(case.room_id, p["user_id"], reason="removed from the case")
        return None, None

    async def _do_case_state(self, item: OutboxItem):
        async with self.db.transaction() as tx:
            case = await cases.get(tx, item.payload["case_id"])
        if case and case.room_id:
            await self.matrix.put_state(case.room_id, rooms.CASE_STATE, rooms.case_state(case, self.config))
        return None, None

    async def _do_purge_room(self, item: OutboxItem):
        purged = await self.matrix.purge_room(item.payload["room_id"])
        return {"purged": purged}, None
