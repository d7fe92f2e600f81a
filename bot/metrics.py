"""Observability: Prometheus metrics and health/readiness endpoints (aiohttp, loopback by default).

Labels carry command names and outcomes only: never a room, a user or anything typed.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
COMMANDS = Counter("zvh_commands", "Commands handled, by command and outcome (ok, refused, error, too_old)",
                   ["command", "outcome"], registry=REGISTRY)
LATENCY = Histogram("zvh_command_seconds", "From receiving a command to its transaction committed", ["command"],
                    registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
ERRORS = Counter("zvh_errors", "Errors, by where they happened", ["where"], registry=REGISTRY)
FIRED = Counter("zvh_scheduled_fired", "Scheduled items fired, by kind", ["kind"], registry=REGISTRY)
OUTBOX_DEPTH = Gauge("zvh_outbox_depth", "Matrix side-effects waiting to be performed", registry=REGISTRY)
SCHEDULED = Gauge("zvh_scheduled_pending", "Items waiting in the schedule", registry=REGISTRY)
SYNC_LAG = Gauge("zvh_sync_lag_seconds", "Seconds since the last successful sync", registry=REGISTRY)
UP = Gauge("zvh_ready", "1 once the bot has started and synced", registry=REGISTRY)

HEALTHY_SYNC_S = 120.0  # a long poll lasts 30 s; no successful sync for this long means something is wrong


class Health:
    """What the endpoints report; updated by the bot."""

    def __init__(self) -> None:
        self.started = False
        self.last_sync = time.monotonic()
        self.unreachable = False  # the homeserver did not answer the last attempt

    def lost(self) -> None:
        self.unreachable = True

    def synced(self) -> None:
        self.unreachable = False
        self.last_sync = time.monotonic()
        if not self.started:
            self.started = True
            UP.set(1)

    def sync_age(self) -> float:
        return time.monotonic() - self.last_sync


class MetricsServer:
    def __init__(self, health: Health, refresh: Callable[[], Awaitable[None]], host: str, port: int) -> None:
        self.health = health
        self.refresh = refresh  # reads the gauges that live in storage (outbox depth, schedule) at scrape time
        self.host, self.port = host, port
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()
        log.info("metrics and health on http://%s:%d/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            await self.refresh()
        except Exception:  # a scrape must never take the bot down
            log.exception("metrics refresh failed")
        SYNC_LAG.set(self.health.sync_age())
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, request: web.Request) -> web.Response:
        healthy = self.health.sync_age() < HEALTHY_SYNC_S and not self.health.unreachable
        return web.json_response({"healthy": healthy, "sync_age_s": round(self.health.sync_age(), 1),
                                  "homeserver_answers": not self.health.unreachable},
                                 status=200 if healthy else 503)

    async def _ready(self, request: web.Request) -> web.Response:
        return web.json_response({"ready": self.health.started}, status=200 if self.health.started else 503)
