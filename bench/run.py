"""Reply latency of the real bot against a null bot, on a throwaway local Synapse.

    python -m bench.run [--rounds N] [--warmup W]

Measures, from the client's point of view, the time from sending a command until the bot's reply event arrives
in the sender's own sync: `!casus` and `!help` in a case room (real bot) and `!ping` in a plain room (null bot,
bench/null_bot.py). The three are interleaved round by round, in a rotating order, so drift of the machine hits
all of them alike. Prints p50 / p95 / mean and the ratios to the null bot; writes bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nio

from devserver.local_synapse import LocalSynapse
from tests.harness import REFERRAL_LINES, REPO, User, World, make_world

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_P50_RATIO = 1.10
STEP_TIMEOUT = 30.0  # one reply, invite or join
RUN_BUDGET = 170.0  # the whole run, start-up included; the stop afterwards is bounded separately
NUMBER = re.compile(r"\b[A-Z]{2,6}-\d{4}-\d{4,}\b")


class BenchSynapse(LocalSynapse):
    """LocalSynapse with `default_room_version` optionally pinned (None: Synapse's own default, 12 on 1.163),
    to compare room versions (`--room-version 11`)."""

    def __init__(self, workdir: Path, room_version: str | None) -> None:
        super().__init__(workdir)
        self.room_version = room_version

    def write_config(self) -> None:
        super().write_config()
        if not self.room_version:
            return
        header, _, body = self.config_path.read_text().partition("\n")
        config = json.loads(body)
        config["default_room_version"] = self.room_version
        self.config_path.write_text(header + "\n" + json.dumps(config, indent=2) + "\n")


class NullBotProcess:
    """bench/null_bot.py as its own process, as the real bot runs as its own."""

    def __init__(self, syn: LocalSynapse, user_id: str, password: str, log_path: Path) -> None:
        self.args = [sys.executable, "-m", "bench.null_bot", "--homeserver", syn.base_url, "--user", user_id,
                     "--password", password]
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


async def timed(user: User, room_id: str, body: str, sender: str, then_reaction: bool) -> float:
    """Seconds from sending `body` until the reply to it arrives in `user`'s sync. With then_reaction, also waits
    (untimed) for the bot's ✅/❌, so the bot is idle again before the next measurement."""
    start = time.perf_counter()
    event_id = await user.send(room_id, body)
    reply = await user.wait_for(lambda: user.reply_to(room_id, event_id), STEP_TIMEOUT, f"reply to {body}")
    elapsed = time.perf_counter() - start
    if reply["sender"] != sender:
        raise AssertionError(f"{body}: reply from {reply['sender']}, expected {sender}")
    if then_reaction:
        await user.wait_for(lambda: user.reaction_to(room_id, event_id), STEP_TIMEOUT, f"reaction to {body}")
    return elapsed


async def setup(world: World, null_id: str) -> dict[str, str]:
    """Through the real bot: a referral filed, triaged into a case, the coordinator in the case room. Plus a
    plain room of the coordinator's with the null bot in it."""
    melder = await world.user("melder")
    coordinator = await world.user("coordinator")
    dm = await melder.dm(world.bot_id)
    answer = await melder.answer_to(dm, await melder.send(dm, "!melding\n" + REFERRAL_LINES), reaction=False)
    if "Samenvatting" not in answer.body:
        raise AssertionError(f"!melding did not show a summary: {answer.body[:300]}")
    answer = await melder.answer_to(dm, await melder.send(dm, "ja"), reaction=False)
    found = NUMBER.search(answer.body)
    if not found:
        raise AssertionError(f"no referral number in the answer to `ja`: {answer.body[:300]}")
    number = found.group(0)

    answer = await coordinator.command(world.screening_room, f"!triage {number} opschalen politie")
    if not answer.ok:
        raise AssertionError(f"triage failed: {answer.body[:300]}")

    def is_case_room(room_id: str, state: list[Any]) -> bool:
        return any(isinstance(e, nio.InviteNameEvent) and number in (e.name or "") for e in state)

    case_room = await coordinator.wait_invite(is_case_room, STEP_TIMEOUT)
    await coordinator.join(case_room)
    # The bot posts the welcome in the same transaction that ties the room to the case: once it is there,
    # the bot knows the room as this case's.
    await coordinator.wait_notice(case_room, number, sender=world.bot_id, timeout=STEP_TIMEOUT)

    created = await coordinator.client.room_create(name="null bot bench", invite=[null_id],
                                                   preset=nio.RoomPreset.private_chat)
    if not isinstance(created, nio.RoomCreateResponse):
        raise AssertionError(f"createRoom failed: {created}")
    null_room = created.room_id
    await coordinator.wait_for(
        lambda: any(e.get("type") == "m.room.member" and e.get("state_key") == null_id
                    and e["content"].get("membership") == "join" for e in coordinator.events.get(null_room, [])),
        STEP_TIMEOUT, "the null bot to join")
    return {"case_room": case_room, "null_room": null_room, "number": number}


def percentile(samples: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95), "mean": statistics.fmean(ms),
            "min": min(ms), "max": max(ms)}


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_BUDGET
    syn = BenchSynapse(workdir / "synapse", args.room_version or None)
    world: World | None = None
    null_bot: NullBotProcess | None = None
    try:
        print("starting Synapse ...", flush=True)
        syn.start()
        world = make_world(syn, workdir)
        null_password = uuid.uuid4().hex
        null_id, _ = syn.register(f"nullbot-{uuid.uuid4().hex[:6]}", null_password)
        world.bot.start()
        null_bot = NullBotProcess(syn, null_id, null_password, workdir / "null_bot.log")
        null_bot.start()

        print("setting up: referral, triage, case room, null-bot room ...", flush=True)
        rooms = await setup(world, null_id)
        coordinator = world.users["coordinator"]
        targets = {
            "!casus": (rooms["case_room"], world.bot_id, True),
            "!help": (rooms["case_room"], world.bot_id, True),
            "!ping": (rooms["null_room"], null_id, False),
        }
        samples: dict[str, list[float]] = {name: [] for name in targets}
        order = list(targets)
        total = args.warmup + args.rounds
        print(f"measuring: {args.warmup} warm-up + {args.rounds} rounds ...", flush=True)
        for round_no in range(total):
            if time.monotonic() > deadline:
                raise TimeoutError(f"out of time after {round_no} of {total} rounds")
            # Rotate which command goes first, so none always follows the same one.
            shift = round_no % len(order)
            for name in order[shift:] + order[:shift]:
                room_id, sender, then_reaction = targets[name]
                elapsed = await timed(coordinator, room_id, name, sender, then_reaction)
                if round_no >= args.warmup:
                    samples[name].append(elapsed)
                await asyncio.sleep(args.pause)
        return {"samples": samples, "case": rooms["number"]}
    except BaseException:
        for name, path in (("bot", workdir / "bot.log"), ("null bot", workdir / "null_bot.log")):
            if path.exists():
                print(f"--- {name} log (tail) ---\n" + "\n".join(path.read_text().splitlines()[-30:]),
                      file=sys.stderr)
        raise
    finally:
        if null_bot:
            null_bot.stop()
        if world:
            await world.close()  # stops the bot process and the users' sync loops
        syn.stop()


def report(args: argparse.Namespace, measured: dict[str, Any], seconds: float) -> dict[str, Any]:
    stats = {name: summary(values) for name, values in measured["samples"].items()}
    ping = stats["!ping"]
    ratios = {
        "p50 !casus/!ping": stats["!casus"]["p50"] / ping["p50"],
        "p50 !help/!ping": stats["!help"]["p50"] / ping["p50"],
        "p95 !casus/!ping": stats["!casus"]["p95"] / ping["p95"],
        "p95 !help/!ping": stats["!help"]["p95"] / ping["p95"],
    }
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "room_version": args.room_version or "synapse default",
        "rounds": args.rounds, "warmup": args.warmup, "pause_s": args.pause, "run_seconds": round(seconds, 1),
        "unit": "ms",
        "stats": stats,
        "ratios": ratios,
        "target": {"p50 ratio at most": TARGET_P50_RATIO,
                   "met": max(ratios["p50 !casus/!ping"], ratios["p50 !help/!ping"]) <= TARGET_P50_RATIO},
        "samples_ms": {name: [round(v * 1000, 2) for v in values] for name, values in measured["samples"].items()},
    }


def print_table(result: dict[str, Any]) -> None:
    print()
    print(f"{'command':<10}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'min ms':>10}{'max ms':>10}")
    for name, s in result["stats"].items():
        print(f"{name:<10}{s['p50']:>10.1f}{s['p95']:>10.1f}{s['mean']:>10.1f}{s['min']:>10.1f}{s['max']:>10.1f}")
    print()
    for name, value in result["ratios"].items():
        print(f"{name:<20}{value:>6.2f}")
    target = result["target"]
    print(f"\ntarget p50 ratio <= {TARGET_P50_RATIO:.2f}: {'met' if target['met'] else 'NOT met'} "
          f"({result['rounds']} rounds after {result['warmup']} warm-up, {result['run_seconds']} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description="reply latency: real bot vs null bot")
    parser.add_argument("--rounds", type=int, default=60, help="measured rounds (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="rounds run first and not counted (default 5)")
    parser.add_argument("--pause", type=float, default=0.05,
                        help="seconds between two measurements (default 0.05)")
    parser.add_argument("--room-version", default="",
                        help="pin Synapse's default room version (default: Synapse's own)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zvh-bench-") as tmp:
        # Bounded as a whole too: a step that hangs ends the run (the stops in bench's finally still run).
        measured = asyncio.run(asyncio.wait_for(bench(args, Path(tmp)), RUN_BUDGET + 10))
    result = report(args, measured, time.monotonic() - started)
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
