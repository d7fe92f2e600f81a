"""A pass-through proxy in front of Synapse that answers some requests with 429 first (rate limiting on demand), or
with another error (a partner's server that cannot be reached)."""
from __future__ import annotations

import re
import time

import aiohttp
from aiohttp import web

from devserver.local_synapse import free_port

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


class RateLimitingProxy:
    def __init__(self, upstream: str, pattern: str, count: int, retry_after_ms: int, status: int = 429,
                 body: str | None = None) -> None:
        """body: only requests whose body matches this too (one invitation among several)."""
        self.upstream = upstream.rstrip("/")
        self.pattern = re.compile(pattern)
        self.body = re.compile(body) if body else None
        self.status = status
        self.remaining = count
        self.retry_after_ms = retry_after_ms
        self.limited: list[float] = []  # when each 429 was given
        self.passed: list[float] = []  # when each matching request was let through
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> RateLimitingProxy:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)  # a long poll does not hold it up
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
        if self._session:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        matching = bool(self.pattern.search(request.path)) and (
            self.body is None or bool(self.body.search(body.decode("utf-8", "replace"))))
        if matching and self.remaining > 0:
            self.remaining -= 1
            self.limited.append(time.monotonic())
            if self.status != 429:
                return web.json_response({"errcode": "M_UNKNOWN", "error": "Failed to reach the remote server"},
                                         status=self.status)
            return web.json_response({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests",
                                      "retry_after_ms": self.retry_after_ms}, status=429)
        if matching:
            self.passed.append(time.monotonic())
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        async with self._session.request(request.method, self.upstream + request.path_qs, headers=headers,
                                         data=body) as response:
            payload = await response.read()
            return web.Response(status=response.status, body=payload,
                                headers={"Content-Type": response.headers.get("Content-Type", "application/json")})
