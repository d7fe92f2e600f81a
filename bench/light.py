"""A light Matrix client for benchmarks with many users in one process: plain rooms only, no parsing into objects.

Each user long-polls its own /sync (the same filter style as the bot's) and notes, for every event, the moment its
sync response was read: replies by the event they answer, invitations by room, messages by sender. matrix-nio
would spend more of the benchmark's own CPU on every response, and fifty of them share two cores with the
homeserver and the bots.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

FILTER = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {"timeline": {"limit": 100}, "state": {"lazy_load_members": True}, "ephemeral": {"types": []},
             "account_data": {"types": []}},
}


@dataclass
class Seen:
    at: float  # time.perf_counter() when the sync response holding it was read
    event: dict[str, Any]


@dataclass
class LightUser:
    session: aiohttp.ClientSession
    base_url: str
    user_id: str
    token: str
    replies: dict[str, Seen] = field(default_factory=dict)  # the event answered -> the answer
    reactions: dict[str, Seen] = field(default_factory=dict)  # the event reacted to -> the reaction
    invites: dict[str, float] = field(default_factory=dict)  # room -> when the invitation arrived
    invite_state: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # room -> its stripped state
    timeline: dict[str, list[Seen]] = field(default_factory=dict)  # room -> events in order
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task | None = None
    _since: str | None = None
    _filter: str = ""

    def _url(self, path: str) -> str:
        return f"{self.base_url}/_matrix/client/v3{path}"

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        for _ in range(10):
            async with self.session.request(method, self._url(path), json=body, params=params,
                                            headers=self._headers) as response:
                data = await response.json(content_type=None)
                if response.status == 429:
                    await asyncio.sleep((data or {}).get("retry_after_ms", 200) / 1000)
                    continue
                if response.status != 200:
                    raise RuntimeError(f"{method} {path}: {response.status} {data}")
                return data
        raise RuntimeError(f"{method} {path}: rate-limited ten times")

    async def start(self) -> None:
        uploaded = await self.call("POST", f"/user/{quote(self.user_id)}/filter", FILTER)
        self._filter = uploaded["filter_id"]
        self._record(await self.call("GET", "/sync", params={"timeout": "0", "filter": self._filter}),
                     time.perf_counter())
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                body = await self.call("GET", "/sync", params={"timeout": "30000", "filter": self._filter,
                                                               "since": self._since or ""})
            except (TimeoutError, aiohttp.ClientError, RuntimeError):
                await asyncio.sleep(0.2)
                continue
            self._record(body, time.perf_counter())

    def _record(self, body: dict[str, Any], at: float) -> None:
        self._since = body["next_batch"]
        rooms = body.get("rooms") or {}
        for room_id, info in (rooms.get("invite") or {}).items():
            self.invites.setdefault(room_id, at)
            self.invite_state.setdefault(room_id, (info.get("invite_state") or {}).get("events", []))
        for room_id, info in (rooms.get("join") or {}).items():
            for event in (info.get("timeline") or {}).get("events", []):
                seen = Seen(at, event)
                self.timeline.setdefault(room_id, []).append(seen)
                content = event.get("content") or {}
                relates = content.get("m.relates_to") or {}
                answered = (relates.get("m.in_reply_to") or {}).get("event_id")
                if answered and event.get("type") == "m.room.message":
                    self.replies.setdefault(answered, seen)
                if event.get("type") == "m.reaction" and relates.get("event_id"):
                    self.reactions.setdefault(relates["event_id"], seen)
        self._changed.set()

    async def wait_for(self, find: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.user_id}: timed out waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass

    async def send(self, room_id: str, body: str) -> tuple[str, float]:
        """(event id, when the send began)."""
        started = time.perf_counter()
        sent = await self.call("PUT", f"/rooms/{quote(room_id)}/send/m.room.message/{uuid.uuid4().hex}",
                               {"msgtype": "m.text", "body": body})
        return sent["event_id"], started

    async def join(self, room_id: str) -> None:
        await self.call("POST", f"/join/{quote(room_id)}", {})

    async def create_room(self, body: dict[str, Any]) -> str:
        return (await self.call("POST", "/createRoom", body))["room_id"]

    def joined(self, room_id: str, user_id: str) -> bool:
        return any(s.event.get("type") == "m.room.member" and s.event.get("state_key") == user_id
                   and (s.event.get("content") or {}).get("membership") == "join"
                   for s in self.timeline.get(room_id, []))

    def room_named(self, text: str) -> str | None:
        """An invitation to a room whose name holds `text`."""
        return next((room for room, state in self.invite_state.items() if any(
            e.get("type") == "m.room.name" and text in str((e.get("content") or {}).get("name", ""))
            for e in state)), None)

    def said(self, room_id: str, sender: str) -> list[Seen]:
        return [s for s in self.timeline.get(room_id, []) if s.event.get("sender") == sender
                and s.event.get("type") == "m.room.message"]

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def session() -> aiohttp.ClientSession:
    """One connection pool for every user: no limit (fifty long polls at once), long polls allowed."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=90), json_serialize=json.dumps)
