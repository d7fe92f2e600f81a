"""The "null bot": the least a Matrix bot can do, as the baseline for the real bot's reply latency.

Same client library and the same sync style as the real bot (matrix-nio AsyncClient, its own long-poll loop
with a 30 s timeout and the same sync filter), but no database, no outbox and no rendering: it joins every
invite and answers each `!ping` at once with an m.notice that replies to the command event.

With `--store DIR` it is an encrypting client (matrix-nio's end-to-end encryption, keys kept in DIR): it decrypts
the commands and encrypts its answers in encrypted rooms, as the real bot does, and exchanges keys after every
sync. With `--concurrent` the answers to the commands of one sync batch are sent at once rather than one after
the other (the real bot's outbox works eight rooms at once).

    python -m bench.null_bot --homeserver URL --user @id:server --password PW [--store DIR] [--concurrent]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import uuid
from typing import Any

import nio

from bot.app import LONG_POLL_MS, SYNC_FILTER
from bot.matrix import exchange_keys

log = logging.getLogger("null_bot")


class NullBot:
    def __init__(self, homeserver: str, user_id: str, password: str, store: str | None = None,
                 concurrent: bool = False) -> None:
        self.password = password
        self.concurrent = concurrent
        self.client = nio.AsyncClient(
            homeserver, user_id, device_id=f"NULL{uuid.uuid4().hex[:6].upper()}", store_path=store or "",
            config=nio.AsyncClientConfig(encryption_enabled=store is not None, store_sync_tokens=False,
                                         max_timeouts=None, max_timeout_retry_wait_time=30, request_timeout=60),
        )
        self.answered = 0

    async def run(self) -> None:
        response = await self.client.login(self.password, device_name="null bot")
        if not isinstance(response, nio.LoginResponse):
            raise RuntimeError(f"login failed: {response.message}")
        token = None
        while True:
            response = await self.client.sync(timeout=LONG_POLL_MS if token else 0, sync_filter=SYNC_FILTER,
                                              since=token)
            if isinstance(response, nio.SyncError):
                log.warning("sync failed: %s", response.message)
                await asyncio.sleep(0.5)
                continue
            await exchange_keys(self.client)  # nothing to do without encryption
            await self._process(response, initial=token is None)
            token = response.next_batch

    async def _process(self, response: nio.SyncResponse, initial: bool) -> None:
        for room_id in response.rooms.invite:
            joined = await self.client.join(room_id)
            if not isinstance(joined, nio.JoinResponse):
                log.warning("join %s failed: %s", room_id, joined)
        if initial:
            return  # history from before the start is not answered
        answers = [self._answer(room_id, event.source) for room_id, info in response.rooms.join.items()
                   for event in info.timeline.events if self._is_ping(event)]
        if self.concurrent:
            await asyncio.gather(*answers)
        else:
            for answer in answers:
                await answer

    def _is_ping(self, event: Any) -> bool:
        # A decrypted event's source is the decrypted payload (type m.room.message), as the real bot reads it.
        source = event.source
        content = source.get("content") or {}
        return (source.get("type") == "m.room.message" and source.get("sender") != self.client.user_id
                and content.get("msgtype") == "m.text" and str(content.get("body", "")).strip() == "!ping")

    async def _answer(self, room_id: str, source: dict[str, Any]) -> None:
        sent = await self.client.room_send(room_id, "m.room.message", {
            "msgtype": "m.notice", "body": "pong",
            "m.relates_to": {"m.in_reply_to": {"event_id": source["event_id"]}},
        }, ignore_unverified_devices=True)
        if isinstance(sent, nio.RoomSendResponse):
            self.answered += 1
        else:
            log.warning("send failed: %s", sent)

    async def close(self) -> None:
        await self.client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="null_bot", description=__doc__.splitlines()[0])
    parser.add_argument("--homeserver", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--store", help="encrypt: matrix-nio's crypto store in this directory")
    parser.add_argument("--concurrent", action="store_true", help="answer one sync batch's commands at once")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("nio").setLevel(logging.WARNING)
    bot = NullBot(args.homeserver, args.user, args.password, args.store, args.concurrent)

    async def serve() -> None:
        task = asyncio.create_task(bot.run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            await bot.close()
            log.info("stopped after %d answers", bot.answered)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
