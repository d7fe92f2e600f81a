"""Storage time of `!mijn` for a person in 100 cases, and of the case card in a case with 200 actions, in a big
region (bench/region.py: 2,000 cases, 20,000 actions, 5,000 pending reminders, 500 members). No homeserver.

    python -m bench.storage_time [--repeat 300] [--cases 2000 ...]

Three levels, each timed `--repeat` times after a warm-up, in the bot's own database (SQLite, WAL, one connection
through aiosqlite, as the bot runs it):
- storage: the storage calls the command makes, in one transaction (committed), nothing else;
- command: the command itself (commands/actions.py `mine`, commands/cases.py `card`) in a transaction: storage and
  the command's own work (describing actions, sorting), not rendering;
- handler: the bot's whole handling of the Matrix event, in process (bot/handler.py): marking it handled, finding
  room and role, the command, rendering the answer and writing it to the outbox, the commit.
Targets: `!mijn` storage under 20 ms, the case card's under 10 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import RESULTS, machine, print_stats, stamp, summary, write_result
from bench.region import bench_config, build, stats
from bot.handler import Handler
from commands import actions as action_commands
from commands import cases as case_commands
from commands.base import Context, RoomKind
from commands.chase import describe
from commands.workdays import WorkCalendar
from core.clock import Clock
from storage import actions, audit, cases, meetings, users
from storage import plan as plans
from storage.db import Database

TARGETS_MS = {"!mijn storage": 20.0, "!casus storage": 10.0}


async def timed(repeat: int, warmup: int, step: Callable[[], Awaitable[Any]]) -> list[float]:
    samples = []
    for i in range(warmup + repeat):
        started = time.perf_counter()
        await step()
        if i >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


async def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    path = workdir / "region.db"
    config = bench_config(path)
    db = await Database.open(path)
    try:
        print(f"generating the region ({args.cases} cases, {args.actions} actions, {args.reminders} reminders, "
              f"{args.members} members) ...", flush=True)
        region = await build(db, config, n_cases=args.cases, n_actions=args.actions, n_reminders=args.reminders,
                             n_members=args.members, seed=args.seed)
        counted = await stats(db)
        person, case_id = region.focus_person, region.focus_case
        async with db.transaction() as tx:
            in_cases = await tx.value("SELECT COUNT(*) FROM case_members WHERE user_id = ?", (person,))
            case_actions = await tx.value("SELECT COUNT(*) FROM actions WHERE case_id = ?", (case_id,))
            case = await cases.require(tx, case_id)
            dm_room = f"!dm-{uuid.uuid4().hex[:8]}:bench.local"
            await users.add_dm_room(tx, person, dm_room)
        print(f"generated in {region.seconds:.1f} s; {person} is in {in_cases} cases, {case_id} has "
              f"{case_actions} actions", flush=True)
        clock = Clock()
        tz = config.tz
        cal = WorkCalendar(config.reminders.holidays_country)

        async def mine_storage() -> None:
            now = clock.now().astimezone(tz)
            async with db.transaction() as tx:
                await actions.open_for_user(tx, person)
                await meetings.upcoming_for_user(tx, person, now)
                await plans.upcoming_reviews(tx, person, now.date().isoformat())
                await audit.append(tx, person, "actions.overview", purpose="own work", count=0)

        async def card_storage() -> None:
            async with db.transaction() as tx:
                await audit.append(tx, person, "case.card_shown", case_id=case_id, purpose="case")
                await case_commands.card_params(tx, config, case, clock.now().astimezone(tz))

        def context(tx: Any, room_id: str, kind: RoomKind) -> Context:
            return Context(tx=tx, config=config, sender=person, room_id=room_id, room_kind=kind, lang="nl",
                           event_id=f"$bench{uuid.uuid4().hex}", now=clock.now().astimezone(tz),
                           case=case if kind is RoomKind.CASE else None)

        async def mine_command() -> None:
            async with db.transaction() as tx:
                await action_commands.mine(context(tx, dm_room, RoomKind.DM))

        async def card_command() -> None:
            async with db.transaction() as tx:
                await case_commands.card(context(tx, case.room_id or "", RoomKind.CASE))

        handler = Handler(db, config, config.matrix.user_id, clock)

        def event(body: str) -> dict[str, Any]:
            return {"event_id": f"$bench{uuid.uuid4().hex}", "sender": person, "type": "m.room.message",
                    "origin_server_ts": int(time.time() * 1000), "content": {"msgtype": "m.text", "body": body}}

        async def mine_handler() -> None:
            assert await handler.message(dm_room, event("!mijn"), encrypted=True)

        async def card_handler() -> None:
            assert await handler.message(case.room_id or "", event("!casus"), encrypted=True)

        steps = {
            "!mijn storage": mine_storage, "!mijn command": mine_command, "!mijn handler": mine_handler,
            "!casus storage": card_storage, "!casus command": card_command, "!casus handler": card_handler,
        }
        samples: dict[str, list[float]] = {name: [] for name in steps}
        # Interleaved in blocks, so drift of the machine hits all of them alike.
        block = max(1, args.repeat // 10)
        for _ in range(args.repeat // block):
            for name, step in steps.items():
                samples[name] += await timed(block, 3, step)
        async with db.transaction() as tx:
            items = len(await actions.open_for_user(tx, person))
            described = [describe(a, clock.now().date(), cal, config) for a in await actions.open_for_user(tx, person)]
        return {"samples": samples, "region": counted, "focus": {
            "person": person, "person_in_cases": in_cases, "person_open_actions": items, "case": case_id,
            "case_actions": case_actions, "described": len(described)}, "generated_s": round(region.seconds, 1)}
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.storage_time", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=300, help="timed runs of each (default 300)")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--reminders", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS / "storage_time.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zvh-storage-") as tmp:
        measured = asyncio.run(measure(args, Path(tmp)))
    result_stats = {name: summary(values) for name, values in measured["samples"].items()}
    met = {name: result_stats[name]["p95"] < limit for name, limit in TARGETS_MS.items()}
    result = {"when": stamp(), "machine": machine(), "repeat": args.repeat, "region": measured["region"],
              "focus": measured["focus"], "generated_s": measured["generated_s"],
              "run_seconds": round(time.monotonic() - started, 1), "unit": "ms", "stats": result_stats,
              "targets_ms": TARGETS_MS, "met (p95 under target)": met,
              "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    print_stats(result_stats)
    print()
    for name, limit in TARGETS_MS.items():
        print(f"target {name} < {limit:.0f} ms (p95 {result_stats[name]['p95']:.2f} ms): "
              f"{'met' if met[name] else 'NOT met'}")
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
