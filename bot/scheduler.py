"""Fires what the schedule holds, on time, exactly once.

Storage is the source of truth and the queue (an index on the due time of pending rows). APScheduler holds one
date job for the earliest pending moment, plus a periodic check that catches anything a sleeping laptop or a
clock change made it miss. Rebuilding after a start is one indexed query, however many items are pending; items
that fell due while the bot was down fire at once and say they are late.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics, outbox_writer
from bot.faults import crash_point
from commands.firing import Batch, Firing, ensure_recurring
from commands.workdays import WorkCalendar
from core.clock import Clock
from core.config import Config
from storage import schedule
from storage.db import Database, Tx
from storage.schedule import Kind

log = logging.getLogger(__name__)
BATCH = 200  # items per transaction: a burst commits in steps, so the first of them go out without waiting
SAFETY_CHECK_S = 60


class Scheduler:
    def __init__(self, db: Database, config: Config, clock: Clock, on_fired: Callable[[], None]) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.on_fired = on_fired
        self.calendar = WorkCalendar(config.reminders.holidays_country)
        self.aps = AsyncIOScheduler(timezone=timezone.utc)
        self._lock = asyncio.Lock()
        self.armed_for: datetime | None = None
        self.fired = 0
        self._changes_seen = -1  # the database's schedule_changes when the wake-up was last armed

    async def start(self) -> None:
        async with self.db.transaction() as tx:
            await ensure_recurring(tx, self.clock.now(), self.config)
        self.aps.start()
        self.aps.add_job(self.fire_due, IntervalTrigger(seconds=SAFETY_CHECK_S), id="safety",
                         misfire_grace_time=None, coalesce=True, max_instances=1)
        await self.refresh()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def refresh(self) -> None:
        """Arm the wake-up for the earliest pending item (after a start, a firing, a clock change)."""
        changes = self.db.schedule_changes
        async with self.db.transaction() as tx:
            earliest = await schedule.next_due(tx)
        self._changes_seen = changes
        self._arm(earliest)

    async def added(self) -> None:
        """After a command: armed anew only if something was added to the schedule since (it may come sooner).
        Most commands add nothing, and their answers then do not wait for a transaction of the scheduler's."""
        if self.db.schedule_changes != self._changes_seen:
            await self.refresh()

    def clock_changed(self) -> None:
        asyncio.get_running_loop().create_task(self.refresh())

    def _arm(self, due: datetime | None) -> None:
        self.armed_for = due
        if due is None:
            if self.aps.get_job("wake"):
                self.aps.remove_job("wake")
            return
        # APScheduler runs on the system clock; the bot's clock may be shifted (tests), so translate.
        run_at = max(due - self.clock.offset, datetime.now(timezone.utc))
        self.aps.add_job(self.fire_due, DateTrigger(run_date=run_at), id="wake", replace_existing=True,
                         misfire_grace_time=None, max_instances=10)

    async def fire_due(self) -> int:
        """Fire everything due now, in batches; then arm for the next. Serialised: a second wake-up waits."""
        fired = 0
        async with self._lock:
            while True:
                now = self.clock.now()
                async with self.db.transaction() as tx:
                    items = await schedule.due(tx, now, BATCH)
                    await schedule.mark_fired(tx, [item.id for item in items], now)
                    try:
                        async with tx.savepoint():  # the fast path: the whole batch at once
                            await self._fire(tx, items, now)
                    except Exception:
                        # Something in the batch is broken: fire one by one, so one bad item holds up no other.
                        for item in items:
                            try:
                                async with tx.savepoint():
                                    await self._fire(tx, [item], now)
                            except Exception:
                                metrics.ERRORS.labels("schedule").inc()
                                log.exception("scheduled item %d (%s) failed", item.id, item.kind)
                if items:
                    crash_point("after_fire")
                    fired += len(items)
                    self.on_fired()
                    if any(item.kind == Kind.RETENTION for item in items):
                        await self.db.forget_old_pages()
                if len(items) < BATCH:
                    break
            self.fired += fired
            await self.refresh()
        return fired

    async def _fire(self, tx: Tx, items: list[schedule.Item], now: datetime) -> None:
        batch = await Batch.load(tx, items)
        produced = []
        for item in items:
            produced += await Firing(tx, self.config, self.calendar, item, now, batch).run()
            metrics.FIRED.labels(item.kind).inc()
        await batch.finish(tx)
        await outbox_writer.write(tx, self.config, produced)
