"""Under load: many users sending commands at once, each in their own case room, against the null bot in as many
rooms, on one throwaway Synapse, in one run.

    python -m bench.load [--users 50] [--rounds 10] [--rates 2,4,8,12,16,20,25,30,40] [--step 8] [--least 48]

Setup: `--users` accounts, each a partner member of a case of their own. The cases are stored through the bot's
storage API as `!triage ... opschalen` stores them, with the room creation in the outbox; the bot (plain case
rooms, `encrypt_rooms` off) makes the rooms at its start, and each user joins theirs. Each user also makes a plain
room with the null bot (bench/null_bot.py, answering one sync batch's commands at once; `--sequential-null` for
one after the other). Users are light clients (bench/light.py): each long-polls its own /sync.

1. Bursts: every user sends `!casus` (the bot) or `!ping` (the null bot) at the same moment; the time of each is
   from its send to its answer in that user's sync. Bot and null bot alternate, round by round (the first side
   alternates too); after a bot round the ✅ reactions are awaited (untimed), so each round starts idle.
2. Rates: commands at a steady rate (commands per second, spread over the users in turn) for `--step` seconds
   (at least `--least` commands), rate after rate, bot and null bot alternating at each rate. The p95 at each
   rate, against the p95 at the lowest: the rate at which it doubles is reported for both.
Target: p95 ratio (bursts) at most 1.25.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import (
    RESULTS,
    BenchSynapse,
    CpuMeter,
    Deadline,
    Process,
    Profiler,
    in_tmp,
    machine,
    null_bot,
    percentile,
    print_stats,
    requests,
    stamp,
    summary,
    write_result,
)
from bench.light import LightUser, session
from bench.region import bump_referral_counter, open_case, referral_fields
from bot import outbox_writer
from commands.cases import card_params
from core.config import load_config
from core.intents import CreateCaseRoom
from core.messages import Msg
from storage.db import Database
from tests.harness import World, make_world

TARGET_P95_RATIO = 1.25
STEP_TIMEOUT = 60.0
RUN_BUDGET = 900.0


async def seed_cases(world: World, users: list[str]) -> None:
    """A case per user, stored as escalation stores it, its room to be made by the bot when it starts."""
    config = load_config(world.config_path)
    db = await Database.open(config.bot.database)
    rng = random.Random(16)
    now = datetime.now(timezone.utc)
    try:
        for i, user in enumerate(users):
            number = f"{config.bot.referral_prefix}-{now.year}-{i + 1:04d}"
            async with db.transaction() as tx:
                case = await open_case(tx, number, referral_fields(rng), world.ids["coordinator"],
                                       world.ids["melder"], {"politie": [user]})
                card = Msg("case.card", await card_params(tx, config, case, now.astimezone(config.tz)))
                await outbox_writer.write(tx, config, [CreateCaseRoom(number, Msg.of(
                    "case.welcome", case=case, card=card, prefix=config.bot.command_prefix))])
        async with db.transaction() as tx:
            await bump_referral_counter(tx, config, now.year, len(users))
    finally:
        await db.close()


class Side:
    """One bot, the users and the room each uses with it."""

    def __init__(self, name: str, body: str, sender: str, rooms: list[str], reaction: bool) -> None:
        self.name, self.body, self.sender, self.rooms, self.reaction = name, body, sender, rooms, reaction


async def answer(user: LightUser, room: str, side: Side, reaction: bool = False) -> float:
    event_id, started = await user.send(room, side.body)
    seen = await user.wait_for(lambda: user.replies.get(event_id), STEP_TIMEOUT, f"answer to {side.body}")
    if seen.event.get("sender") != side.sender:
        raise AssertionError(f"answer from {seen.event.get('sender')}, expected {side.sender}")
    if reaction:
        await user.wait_for(lambda: user.reactions.get(event_id), STEP_TIMEOUT, "reaction")
    return seen.at - started


async def burst(users: list[LightUser], side: Side) -> list[float]:
    pairs = zip(users, side.rooms, strict=True)
    return list(await asyncio.gather(*(answer(u, room, side, side.reaction) for u, room in pairs)))


async def at_rate(users: list[LightUser], side: Side, rate: float, seconds: float, least: int) -> dict[str, Any]:
    """Open loop: a command every 1/rate s, whatever the answers do, for `seconds` (and at least `least`
    commands, so a low rate has a p95 worth the name); then wait for all of them."""
    count = max(least, round(rate * seconds))
    began = time.perf_counter()
    tasks = []
    for k in range(count):
        delay = began + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        user = users[k % len(users)]
        tasks.append(asyncio.create_task(answer(user, side.rooms[k % len(users)], side)))
    done = await asyncio.gather(*tasks, return_exceptions=True)
    samples = [d for d in done if isinstance(d, float)]
    lost = len(done) - len(samples)
    elapsed = time.perf_counter() - began
    return {"rate": rate, "sent": count, "answered": len(samples), "lost": lost,
            "achieved_per_s": round(len(samples) / elapsed, 2),
            "p50": round(percentile(samples, 0.5) * 1000, 1) if samples else None,
            "p95": round(percentile(samples, 0.95) * 1000, 1) if samples else None}


class Run:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.syn = BenchSynapse(workdir / "synapse", access_log=args.access_log)
        self.null_id = ""
        self.world: World | None = None
        self.null: Process | None = None
        self.users: list[LightUser] = []

    async def setup(self, http: Any) -> tuple[Side, Side]:
        args, syn = self.args, self.syn
        world = self.world = make_world(syn, self.workdir)
        null_password = uuid.uuid4().hex
        null_id, _ = syn.register(f"nullbot-{uuid.uuid4().hex[:6]}", null_password)
        self.null_id = null_id
        self.null = null_bot(syn, null_id, null_password, self.workdir / "null.log",
                             concurrent=not args.sequential_null)
        self.null.start()
        print(f"registering {args.users} users ...", flush=True)
        accounts = [syn.register(f"load{i:03d}-{uuid.uuid4().hex[:4]}", "pw") for i in range(args.users)]
        await seed_cases(world, [user_id for user_id, _ in accounts])
        self.users = [LightUser(http, syn.base_url, user_id, token) for user_id, token in accounts]
        await asyncio.gather(*(u.start() for u in self.users))
        print("the bot makes the case rooms ...", flush=True)
        world.bot.start()

        async def case_room(user: LightUser) -> str:
            room = await user.wait_for(lambda: next(iter(user.invites), None), STEP_TIMEOUT * 2, "the case room")
            await user.join(room)
            await user.wait_for(lambda: user.said(room, world.bot_id), STEP_TIMEOUT, "the welcome")
            return room

        async def null_room(user: LightUser) -> str:
            room = await user.create_room({"preset": "private_chat", "invite": [null_id], "name": "null bench"})
            await user.wait_for(lambda: user.joined(room, null_id), STEP_TIMEOUT, "the null bot to join")
            return room

        case_rooms = list(await asyncio.gather(*(case_room(u) for u in self.users)))
        print("the null bot's rooms ...", flush=True)
        null_rooms = list(await asyncio.gather(*(null_room(u) for u in self.users)))
        return (Side("bot", "!casus", world.bot_id, case_rooms, True),
                Side("null", "!ping", null_id, null_rooms, False))

    async def close(self) -> None:
        for user in self.users:
            await user.close()
        if self.null:
            self.null.stop()
        if self.world:
            await self.world.close()
        self.syn.stop()


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = Deadline(RUN_BUDGET)
    run = Run(args, workdir)
    try:
        print("starting Synapse ...", flush=True)
        run.syn.start()
        async with session() as http:
            bot, null = await run.setup(http)
            sides = (bot, null)
            print("warming up ...", flush=True)
            for side in sides:
                await burst(run.users, side)
            samples: dict[str, list[float]] = {"bot !casus": [], "null !ping": []}
            assert run.world and run.world.bot.proc and run.null and run.null.proc and run.syn._proc
            synapse_pid = run.syn._proc.pid
            meters = {"bot": CpuMeter({"bot": run.world.bot.proc.pid, "synapse": synapse_pid, "clients": os.getpid()}),
                      "null": CpuMeter({"null bot": run.null.proc.pid, "synapse": synapse_pid,
                                        "clients": os.getpid()})}
            profilers = [Profiler(run.world.bot.proc.pid, args.profile / "bot.txt"),
                         Profiler(run.null.proc.pid, args.profile / "null.txt")] if args.profile else []
            windows: dict[str, list[tuple[float, float]]] = {"bot": [], "null": []}
            print(f"bursts: {args.rounds} rounds of {args.users} at once, each side ...", flush=True)
            for round_no in range(args.rounds):
                deadline.check(f"burst round {round_no}")
                for side in (sides if round_no % 2 == 0 else sides[::-1]):
                    meters[side.name].start()
                    began = time.time()
                    samples[f"{side.name} {side.body}"] += await burst(run.users, side)
                    windows[side.name].append((began, time.time()))
                    meters[side.name].stop()
                    await asyncio.sleep(args.pause)
            for profiler in profilers:
                profiler.stop()
            commands = args.rounds * args.users
            cpu = {side: {name: round(used / commands * 1000, 2) for name, used in meter.used.items()}
                   for side, meter in meters.items()}
            print(f"CPU ms per command in the bursts: {cpu}", flush=True)
            served = {}
            if run.syn.access_log:
                await asyncio.sleep(1.0)  # the log is written as requests finish
                who = {run.world.bot_id: "bot", run.null_id: "null bot"}
                for name, spans in windows.items():
                    total: dict[str, dict[str, float]] = {}
                    for since, until in spans:
                        for key, entry in requests(run.syn.access_log, since, until, who).items():
                            into = total.setdefault(key, {"count": 0, "cpu_s": 0.0, "db_s": 0.0})
                            for field, value in entry.items():
                                into[field] += value
                    served[name] = {key: {"per_command": round(e["count"] / commands, 2),
                                          "cpu_ms_per_command": round(e["cpu_s"] / commands * 1000, 2),
                                          "db_ms_per_command": round(e["db_s"] / commands * 1000, 2)}
                                    for key, e in sorted(total.items(), key=lambda kv: -kv[1]["cpu_s"])}
                    print(f"Synapse's requests in the {name} bursts, per command:", flush=True)
                    for key, e in served[name].items():
                        print(f"  {key:<60} {e}", flush=True)
            steps: list[dict[str, Any]] = []
            for i, rate in enumerate(args.rates):
                for side in (sides if i % 2 == 0 else sides[::-1]):
                    deadline.check(f"rate {rate}")
                    step = {"side": side.name, **await at_rate(run.users, side, rate, args.step, args.least)}
                    steps.append(step)
                    print(f"  {step}", flush=True)
                    await asyncio.sleep(args.pause)
        return {"samples": samples, "steps": steps, "cpu_ms_per_command": cpu, "synapse_requests": served}
    except BaseException:
        if run.world:
            print(f"--- bot log (tail) ---\n{run.world.bot.log()[-4000:]}", file=sys.stderr)
        if run.null:
            print(f"--- null bot log (tail) ---\n{run.null.tail()}", file=sys.stderr)
        raise
    finally:
        await run.close()


def doubling(steps: list[dict[str, Any]], side: str) -> dict[str, Any]:
    """The lowest rate whose p95 is at least twice the p95 at the lowest rate (or at which answers were lost)."""
    mine = [s for s in steps if s["side"] == side and s["p95"] is not None]
    if not mine:
        return {}
    base = mine[0]["p95"]
    for step in mine[1:]:
        if step["p95"] >= 2 * base or step["lost"]:
            return {"base_p95_ms": base, "doubles_at_per_s": step["rate"], "achieved_per_s": step["achieved_per_s"],
                    "p95_there_ms": step["p95"]}
    return {"base_p95_ms": base, "doubles_at_per_s": None, "note": f"not up to {mine[-1]['rate']}/s"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="burst rounds per side (default 10)")
    parser.add_argument("--rates", default="2,4,8,12,16,20,25,30,40",
                        type=lambda s: [float(x) for x in s.split(",") if x], help="commands per second")
    parser.add_argument("--step", type=float, default=8.0, help="seconds at each rate (default 8)")
    parser.add_argument("--least", type=int, default=48, help="commands at each rate at least (default 48)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between rounds and steps")
    parser.add_argument("--sequential-null", action="store_true",
                        help="the null bot answers one command after the other (default: one batch at once)")
    parser.add_argument("--access-log", action="store_true",
                        help="Synapse logs every request: their count and cost per command, per side")
    parser.add_argument("--profile", type=Path, help="py-spy profiles of both bots during the bursts, into this dir")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    measured = in_tmp("zvh-load-", lambda tmp: bench(args, tmp), RUN_BUDGET + 10)
    stats = {name: summary(values) for name, values in measured["samples"].items()}
    ratios = {q: stats["bot !casus"][q] / stats["null !ping"][q] for q in ("p50", "p95")}
    result = {"when": stamp(), "machine": machine(), "users": args.users, "rounds": args.rounds,
              "null_bot": "sequential" if args.sequential_null else "one batch at once",
              "run_seconds": round(time.monotonic() - started, 1), "unit": "ms", "stats": stats,
              "ratios": ratios, "target": {"p95 ratio at most": TARGET_P95_RATIO,
                                           "met": ratios["p95"] <= TARGET_P95_RATIO},
              "cpu_ms_per_command (bursts)": measured["cpu_ms_per_command"],
              "synapse_requests (bursts)": measured["synapse_requests"], "rates": measured["steps"],
              "p95_doubles": {side: doubling(measured["steps"], side) for side in ("bot", "null")}}
    print_stats(stats)
    print(f"\nratio p50 {ratios['p50']:.2f}, p95 {ratios['p95']:.2f} "
          f"(target p95 <= {TARGET_P95_RATIO}: {'met' if result['target']['met'] else 'NOT met'})")
    for side, found in result["p95_doubles"].items():
        print(f"{side}: p95 doubles at {found.get('doubles_at_per_s')} commands/s ({found})")
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
