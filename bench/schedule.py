"""The schedule under load: 10,000 pending reminders across 500 cases.

    python -m bench.schedule [--items 10000] [--cases 500] [--burst 1000] [--spread 0]

1. Rebuild: open the database and start the scheduler (what the bot does after a restart), timed.
2. Lateness: `--burst` of the reminders fall due in the same minute (all at one instant with --spread 0, or spread
   evenly over --spread seconds); the rest lie days ahead. Lateness of a reminder = the moment the transaction that
   fired it committed (its message is then in the outbox, safe across a crash) minus its due time.

The scheduler and storage are the bot's own (bot.scheduler, commands.firing, storage); no homeserver is involved:
delivery of the queued messages is the outbox's work, measured by bench/run.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.region import bench_config
from bot.scheduler import Scheduler
from core.clock import Clock
from core.config import Config
from storage.db import Database, iso
from storage.schedule import Kind

TARGET_REBUILD_S = 1.0
TARGET_P99_LATE_S = 1.0


def config(db_path: Path) -> Config:
    return bench_config(db_path)  # the region's (bench/region.py): a pickle key and partners, no homeserver


async def seed(db: Database, items: int, cases: int, burst: int, due_burst: datetime, spread: float) -> None:
    later = due_burst + timedelta(days=2)
    async with db.transaction() as tx:
        for i in range(items):
            case_id = f"HGL-2026-{i % cases:04d}"
            if i < burst:
                due = due_burst + timedelta(seconds=spread * i / max(burst - 1, 1))
            else:
                due = later + timedelta(minutes=i)
            rowid = await tx.execute(
                "INSERT INTO reminders(scope, number, case_id, room_id, owner, text, recurrence, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, 'active', ?)",
                (case_id, i // cases + 1, case_id, f"!room{i % cases}:bench.local", "@owner:bench.local",
                 "Rapport opvragen", iso(due_burst)))
            await tx.execute("INSERT INTO schedule(due_at, kind, case_id, ref, created_at) VALUES (?, ?, ?, ?, ?)",
                             (iso(due), Kind.REMINDER.value, case_id, rowid, iso(due_burst)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


async def run(items: int, cases: int, burst: int, spread: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        lead = 4.0  # seconds from the end of the rebuild to the burst
        db = await Database.open(path)
        due_burst = datetime.now(timezone.utc) + timedelta(seconds=60)
        await seed(db, items, cases, burst, due_burst, spread)
        await db.close()

        started = time.perf_counter()
        db = await Database.open(path)
        clock = Clock()
        scheduler = Scheduler(db, config(path), clock, lambda: None)
        await scheduler.start()
        rebuild = time.perf_counter() - started
        async with db.transaction() as tx:
            pending = await tx.value("SELECT COUNT(*) FROM schedule WHERE state = 'pending'")
        # Bring the burst to `lead` seconds from now by shifting the bot's clock, as the tests do.
        clock.offset = due_burst - datetime.now(timezone.utc) - timedelta(seconds=lead)
        await scheduler.refresh()

        deadline = time.monotonic() + lead + spread + 30
        while time.monotonic() < deadline:
            async with db.transaction() as tx:
                done = await tx.value("SELECT COUNT(*) FROM schedule WHERE kind = ? AND state = 'fired'",
                                      (Kind.REMINDER.value,))
            if done >= burst:
                break
            await asyncio.sleep(0.2)
        async with scheduler._lock:  # let the last firing finish before closing
            scheduler.shutdown()
        async with db.transaction() as tx:
            rows = await tx.all("SELECT s.due_at, o.created_at FROM schedule s JOIN outbox o "
                                "ON json_extract(o.payload, '$.tag') = 'reminder:' || s.ref "
                                "WHERE s.kind = ? AND s.state = 'fired'", (Kind.REMINDER.value,))
            queued = await tx.value("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        await db.close()

    offset = clock.offset.total_seconds()
    # Lateness on the bot's clock: the outbox row's wall time shifted by the same offset, minus the due time.
    late = [(datetime.fromisoformat(created) - datetime.fromisoformat(due)).total_seconds() + offset
            for due, created in rows]
    return {
        "items": items, "cases": cases, "burst": burst, "spread_s": spread, "pending_at_start": pending,
        "rebuild_s": round(rebuild, 4), "fired": len(rows), "queued_messages": queued,
        "late_p50_s": round(percentile(late, 50), 4) if late else None,
        "late_p99_s": round(percentile(late, 99), 4) if late else None,
        "late_max_s": round(max(late), 4) if late else None,
        "late_mean_s": round(statistics.fmean(late), 4) if late else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--burst", type=int, default=1_000)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which the burst falls due")
    args = parser.parse_args()
    result = asyncio.run(run(args.items, args.cases, args.burst, args.spread))
    print(json.dumps(result, indent=2))
    ok = result["rebuild_s"] < TARGET_REBUILD_S and (result["late_p99_s"] or 0) < TARGET_P99_LATE_S
    print(f"rebuild {result['rebuild_s']:.3f} s (target < {TARGET_REBUILD_S}); lateness p50 "
          f"{result['late_p50_s']} s, p99 {result['late_p99_s']} s (target < {TARGET_P99_LATE_S}): "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
