"""A second, independent Matrix client for the tests: matrix-js-sdk with its Rust crypto (what Element runs), in
Node, driven through tests/jsclient/client.mjs over JSON lines. `JsUser` mirrors the nio `User` of the harness:
send, reply, react, join, a direct chat with the bot, `command` (the bot's reply and reaction), `wait_for`."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness import World

JS_DIR = Path(__file__).resolve().parent / "jsclient"
WAIT = 30.0
# Decryption failures that more waiting will not cure: the sender's device is not cross-signed (or unknown) while
# only signed devices are trusted, or the key was withheld from us.
PERMANENT_FAILURES = {"UNSIGNED_SENDER_DEVICE", "UNKNOWN_SENDER_DEVICE", "MEGOLM_KEY_WITHHELD",
                      "MEGOLM_KEY_WITHHELD_FOR_UNVERIFIED_DEVICE", "SENDER_IDENTITY_PREVIOUSLY_VERIFIED"}


def node_available() -> bool:
    return shutil.which("node") is not None and (JS_DIR / "node_modules" / "matrix-js-sdk").is_dir()


class JsError(Exception):
    pass


@dataclass
class JsAnswer:
    """The bot's answer to a command: its reply event and its reaction event (as the js client saw them)."""

    reply: dict[str, Any]
    reaction: dict[str, Any] | None

    @property
    def content(self) -> dict[str, Any]:
        return self.reply["content"]

    @property
    def body(self) -> str:
        return self.content.get("body", "").replace("*", "").replace("`", "")

    @property
    def html(self) -> str:
        return self.content.get("formatted_body", "")

    @property
    def key(self) -> str | None:
        return self.reaction["content"]["m.relates_to"]["key"] if self.reaction else None

    @property
    def ok(self) -> bool:
        return self.key == "✅"


class JsUser:
    """One Matrix account on its own device, in its own Node process (matrix-js-sdk + Rust crypto)."""

    def __init__(self, base_url: str, user_id: str, token: str | None, log_path: Path, device_id: str | None = None,
                 password: str | None = None) -> None:
        self.base_url = base_url
        self.user_id = user_id
        self.token = token
        self.device_id = device_id
        self.password = password
        self.log_path = log_path
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None

    @classmethod
    def of(cls, world: World, name: str) -> JsUser:
        """The world's account `name` (its access token, so the device the token was issued for)."""
        return cls(world.syn.base_url, world.ids[name], world.tokens[name], world.workdir / f"js-{name}.log",
                   password="pw")

    # ---- the process and the protocol ------------------------------------------------------------------------

    async def start(self, isolation: str = "all", cross_signing: bool = True) -> JsUser:
        """Log in, start the Rust crypto and the sync loop; cross_signing: set up the user's cross-signing
        identity first, as Element does at the first login."""
        if not node_available():
            raise JsError(f"node or matrix-js-sdk missing: `./zvh test` runs npm ci in {JS_DIR}")
        if self.device_id is None and self.token:
            self.device_id = await asyncio.to_thread(self._whoami)
        log = open(self.log_path, "ab")
        env = {**os.environ, "ZVH_JS_LOG": os.environ.get("ZVH_JS_LOG", "warn")}
        self._proc = await asyncio.create_subprocess_exec(
            "node", str(JS_DIR / "client.mjs"), cwd=JS_DIR, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=log, limit=64 * 1024 * 1024)
        log.close()
        self._reader = asyncio.create_task(self._read())
        if self.token:  # the account's existing device (the one its access token was issued for)
            await self.call("login", baseUrl=self.base_url, userId=self.user_id, accessToken=self.token,
                            deviceId=self.device_id, password=self.password)
        else:  # a new device, by password, as Element logs in
            login = await self.call("login", baseUrl=self.base_url, userId=self.user_id, password=self.password)
            self.token, self.device_id = login["accessToken"], login["deviceId"]
        await self.call("start", timeout=60)
        if cross_signing:
            await self.call("bootstrap_cross_signing")
        await self.set_isolation(isolation)
        return self

    def _whoami(self) -> str:
        request = urllib.request.Request(f"{self.base_url}/_matrix/client/v3/account/whoami",
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["device_id"]

    async def _read(self) -> None:
        assert self._proc and self._proc.stdout
        while line := await self._proc.stdout.readline():
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            future = self._pending.pop(reply.get("id"), None)
            if future and not future.done():
                future.set_result(reply)
        error = JsError(f"{self.user_id}: the js client exited ({self._proc.returncode}); log:\n{self.log()}")
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    async def call(self, op: str, timeout: float = WAIT, **args: Any) -> dict[str, Any]:
        if not self._proc or self._proc.returncode is not None or not self._reader or self._reader.done():
            raise JsError(f"{self.user_id}: the js client is not running; log:\n{self.log()}")
        command_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        self._proc.stdin.write((json.dumps({"id": command_id, "op": op, **args}) + "\n").encode())
        await self._proc.stdin.drain()
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._pending.pop(command_id, None)
            raise JsError(f"{self.user_id}: {op} took longer than {timeout}s") from None
        if not reply.get("ok"):
            raise JsError(f"{self.user_id}: {op} failed: {reply.get('error')}")
        return reply

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    async def close(self) -> None:
        if not self._proc:
            return
        if self._proc.returncode is None:
            try:
                await self.call("stop", timeout=5)
            except JsError:
                pass
            try:
                await asyncio.wait_for(self._proc.wait(), 5)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)

    # ---- acting ----------------------------------------------------------------------------------------------

    async def set_isolation(self, mode: str) -> None:
        """"all" (every device gets keys, every sender is decrypted, with shields) or "only_signed" (Element's
        "exclude insecure devices": only cross-signed devices get keys or are decrypted)."""
        await self.call("set_isolation", mode=mode)

    async def send(self, room_id: str, body: str, formatted_body: str | None = None,
                   mentions: dict[str, Any] | None = None) -> str:
        args: dict[str, Any] = {"roomId": room_id, "body": body}
        if formatted_body is not None:
            args["formattedBody"] = formatted_body
        if mentions is not None:
            args["mentions"] = mentions
        return (await self.call("send", **args))["eventId"]

    async def verify_user(self, user_id: str, room_id: str, confirm: bool = True) -> dict[str, Any]:
        """Element's "Verify" on a user's profile: emoji verification in the DM; confirm (or deny) the emoji."""
        return await self.call("verify_user", timeout=90, userId=user_id, roomId=room_id, confirm=confirm)

    async def reply(self, room_id: str, event_id: str, body: str) -> str:
        return (await self.call("reply", roomId=room_id, eventId=event_id, body=body))["eventId"]

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        return (await self.call("react", roomId=room_id, eventId=event_id, key=key))["eventId"]

    async def join(self, room_id: str) -> None:
        # Longer than client.mjs waits, so that its error (which step was slow) is the one seen.
        await self.call("join", timeout=WAIT * 5, roomId=room_id)

    async def create_dm(self, user_id: str, encrypted: bool = True) -> str:
        return (await self.call("create_dm", userId=user_id, encrypted=encrypted))["roomId"]

    async def dm(self, bot_id: str) -> str:
        """An encrypted direct chat with the bot, as Element opens one; returns once the bot's welcome is read."""
        room = await self.create_dm(bot_id)
        await self.wait_for(lambda: self.from_sender(room, bot_id, "m.room.message"), room=room,
                            what="the bot's welcome", fail_on=self._undecryptable(room, bot_id, 0))
        return room

    async def command(self, room_id: str, body: str, timeout: float = WAIT, reaction: bool = True) -> JsAnswer:
        event_id = await self.send(room_id, body)
        return await self.answer_to(room_id, event_id, timeout, reaction)

    async def answer_to(self, room_id: str, event_id: str, timeout: float = WAIT, reaction: bool = True) -> JsAnswer:
        sent = self.event(room_id, event_id) or self.event((await self.refresh(room_id)) and room_id, event_id)
        since = sent["origin_server_ts"] if sent else int(time.time() * 1000) - 10_000
        fail_on = self._undecryptable(room_id, None, since)
        reply = await self.wait_for(lambda: self.reply_to(room_id, event_id), timeout, f"the reply to {event_id}",
                                    room=room_id, fail_on=fail_on)
        found = None
        if reaction:
            found = await self.wait_for(lambda: self.reaction_to(room_id, event_id), timeout,
                                        f"the reaction to {event_id}", room=room_id, fail_on=fail_on)
        return JsAnswer(reply, found)

    # ---- reading ---------------------------------------------------------------------------------------------

    async def refresh(self, room_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every timeline event the client has seen (in one room or all), decrypted where it could be: type and
        content are the clear ones; `encrypted` says it was m.room.encrypted on the wire; `decryption_failure` the
        reason it could not be decrypted; `shield` (for others' encrypted events) what Element would show."""
        found = (await self.call("events", **({"roomId": room_id} if room_id else {})))["events"]
        self.events.update(found)
        return found

    async def wait_for(self, find: Callable[[], Any], timeout: float = WAIT, what: str = "event",
                       room: str | None = None, fail_on: Callable[[], str | None] | None = None) -> Any:
        """Poll the client's events (of `room`, or all) until find() returns something. fail_on() may name a
        reason to give up at once (an event that will never decrypt)."""
        deadline = time.monotonic() + timeout
        while True:
            await self.refresh(room)
            found = find()
            if found:
                return found
            problem = fail_on() if fail_on else None
            if problem:
                raise AssertionError(f"{self.user_id}: waiting for {what}: {problem}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id}: timed out waiting for {what}")
            await asyncio.sleep(0.2)

    def _undecryptable(self, room_id: str, sender: str | None, since: int) -> Callable[[], str | None]:
        def check() -> str | None:
            for e in self.events.get(room_id, []):
                if (e["decryption_failure"] in PERMANENT_FAILURES and e["origin_server_ts"] >= since
                        and (sender is None or e["sender"] == sender)):
                    return f"{e['sender']}'s {e['event_id']} cannot be decrypted: {e['decryption_failure']}"
            return None
        return check

    def event(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        return next((e for e in self.events.get(room_id, []) if e["event_id"] == event_id), None)

    def from_sender(self, room_id: str, sender: str, type: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events.get(room_id, [])
                if e["sender"] == sender and (type is None or e["type"] == type)]

    def replies_to(self, room_id: str, event_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events.get(room_id, []) if e["type"] == "m.room.message"
                and ((e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id") == event_id]

    def reply_to(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        found = self.replies_to(room_id, event_id)
        return found[0] if found else None

    def reactions_to(self, room_id: str, event_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events.get(room_id, []) if e["type"] == "m.reaction"
                and (e["content"].get("m.relates_to") or {}).get("event_id") == event_id]

    def reaction_to(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        found = self.reactions_to(room_id, event_id)
        return found[0] if found else None

    async def wait_message(self, room_id: str, contains: str, sender: str | None = None,
                           timeout: float = WAIT) -> dict[str, Any]:
        """A message (m.text or m.notice) whose body contains `contains` (the bot's *bold* and `code` ignored)."""
        def find():
            return next((e for e in self.events.get(room_id, []) if e["type"] == "m.room.message"
                         and (sender is None or e["sender"] == sender)
                         and contains in re.sub(r"[*`]", "", e["content"].get("body", ""))), None)
        return await self.wait_for(find, timeout, f"a message containing {contains!r}", room=room_id,
                                   fail_on=self._undecryptable(room_id, sender, 0))

    async def invites(self) -> list[dict[str, Any]]:
        """Rooms we are invited to: roomId, name (from the stripped state), inviter, isDirect, encrypted."""
        return (await self.call("invites"))["invites"]

    async def wait_invite(self, predicate: Callable[[dict[str, Any]], bool] = lambda i: True,
                          timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = next((i for i in await self.invites() if predicate(i)), None)
            if found:
                return found["roomId"]
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id}: timed out waiting for an invite")
            await asyncio.sleep(0.2)

    async def device_info(self, user_id: str, device_id: str | None = None) -> dict[str, Any]:
        """The user's devices (all, or one) with their verification status as the js crypto sees it
        (signedByOwner: cross-signed by its owner), and the user's (known, verified, needsUserApproval)."""
        reply = await self.call("device_info", userId=user_id, **({"deviceId": device_id} if device_id else {}))
        return {"devices": reply["devices"], "user": reply["user"]}
