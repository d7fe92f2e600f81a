"""Reply latency of the real bot against a null bot (and a peer), plain and end-to-end encrypted, on one throwaway
local Synapse, in one run.

    python -m bench.run [--rounds N] [--warmup W] [--only plain,e2e,peer] [--profile DIR] [--keep-logs DIR]

Measures, from the client's point of view, the time from sending a command until the bot's reply event arrives
in the sender's own sync:
- plain: `!casus` and `!help` in a plain case room (a bot with `encrypt_rooms` off) against `!ping` to the null
  bot (bench/null_bot.py) in a plain room;
- e2e: the same in an end-to-end encrypted case room (a second bot, `encrypt_rooms` on, encrypting clients)
  against `!ping` to a second null bot that encrypts too (same library), in an encrypted room;
- peer: `!remindme` to matrix-reminder-bot (bench/peer.py) in a plain and in an encrypted room, against the same
  null bots.
All commands are interleaved round by round, in a rotating order, so drift of the machine hits all of them alike.
Prints p50 / p95 / mean, the ratios to the null bot, the median of the per-round ratios and the CPU each process
used per round; writes bench/results/latest.json. `--profile DIR`: py-spy profiles of every bot; `--keep-logs DIR`:
every log, Synapse's access log (each request with its CPU and database time) too.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nio

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
    print_stats,
    stamp,
    summary,
    write_result,
)
from bench.peer import find_peer, peer_bot
from tests.harness import REFERRAL_LINES, User, World, make_world

TARGET_P50_RATIO = 1.10
TARGET_P95_RATIO_E2E = 1.20
STEP_TIMEOUT = 30.0  # one reply, invite or join
RUN_BUDGET = 360.0  # the whole run, start-up included; the stop afterwards is bounded separately
NUMBER = re.compile(r"\b[A-Z]{2,6}-\d{4}-\d{4,}\b")
SUITES = ("plain", "e2e", "peer")
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


@dataclass
class Target:
    user: User
    room_id: str
    body: str
    sender: str
    then_reaction: bool = False  # the real bot's ✅, waited for (untimed) so it is idle before the next one
    reply: bool = True  # the answer is a Matrix reply; else (the peer) the sender's first notice after the command


async def timed(target: Target, round_no: int) -> float:
    """Seconds from sending the command until its answer arrives in the sender's sync."""
    user, room_id = target.user, target.room_id
    body = target.body.format(n=round_no)
    seen = len(user.events.get(room_id, []))
    start = time.perf_counter()
    event_id = await user.send(room_id, body)
    if target.reply:
        answer = await user.wait_for(lambda: user.reply_to(room_id, event_id), STEP_TIMEOUT, f"reply to {body}")
    else:
        answer = await user.wait_for(lambda: next(
            (e for e in user.events.get(room_id, [])[seen:] if e.get("sender") == target.sender
             and e.get("type") == "m.room.message" and e["content"].get("msgtype") == "m.notice"), None),
            STEP_TIMEOUT, f"answer to {body}")
    elapsed = time.perf_counter() - start
    if answer["sender"] != target.sender:
        raise AssertionError(f"{body}: answer from {answer['sender']}, expected {target.sender}")
    if target.then_reaction:
        await user.wait_for(lambda: user.reaction_to(room_id, event_id), STEP_TIMEOUT, f"reaction to {body}")
    return elapsed


async def case_room(world: World) -> tuple[str, str]:
    """Through the real bot: a referral filed, triaged into a case, the coordinator in the case room."""
    melder = await world.user("melder")
    coordinator = await world.user("coordinator")
    dm = await direct_chat(melder, world.bot_id, world.encrypted)
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

    room = await coordinator.wait_invite(is_case_room, STEP_TIMEOUT)
    await coordinator.join(room)
    # The bot posts the welcome in the same transaction that ties the room to the case: once it is there,
    # the bot knows the room as this case's.
    await coordinator.wait_notice(room, number, sender=world.bot_id, timeout=STEP_TIMEOUT)
    return number, room


async def direct_chat(user: User, bot_id: str, encrypted: bool) -> str:
    """A direct chat with the bot (encrypted where the bot encrypts: it shows referral details only there), once
    the bot has joined and said welcome."""
    created = await user.client.room_create(is_direct=True, invite=[bot_id], preset=nio.RoomPreset.trusted_private_chat,
                                            initial_state=[ENCRYPTION] if encrypted else [])
    if not isinstance(created, nio.RoomCreateResponse):
        raise AssertionError(f"createRoom failed: {created}")
    await user.wait_notice(created.room_id, "", sender=bot_id, timeout=STEP_TIMEOUT)
    return created.room_id


async def room_with(user: User, other: str, encrypted: bool) -> str:
    """A room of the user's with another bot invited, once that bot has joined."""
    created = await user.client.room_create(name="bench", invite=[other], preset=nio.RoomPreset.private_chat,
                                            initial_state=[ENCRYPTION] if encrypted else [])
    if not isinstance(created, nio.RoomCreateResponse):
        raise AssertionError(f"createRoom failed: {created}")
    room = created.room_id
    await user.wait_for(lambda: any(
        e.get("type") == "m.room.member" and e.get("state_key") == other
        and e["content"].get("membership") == "join" for e in user.events.get(room, [])), STEP_TIMEOUT,
        f"{other} to join")
    if encrypted:
        await user.wait_for(lambda: room in user.client.rooms, STEP_TIMEOUT, "the room in sync")
    return room


class Run:
    """The homeserver, the bots and their rooms; everything stopped at the end."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.syn = BenchSynapse(workdir / "synapse", args.room_version or None, access_log=bool(args.keep_logs))
        self.worlds: dict[str, World] = {}
        self.processes: list[Process] = []

    def register(self, name: str) -> tuple[str, str]:
        password = uuid.uuid4().hex
        user_id, _ = self.syn.register(f"{name}-{uuid.uuid4().hex[:6]}", password)
        return user_id, password

    def start(self, process: Process) -> Process:
        self.processes.append(process)
        process.start()
        return process

    def pids(self) -> dict[str, int]:
        """The processes that answer, and the homeserver, by name."""
        found = {f"{kind} bot": w.bot.proc.pid for kind, w in self.worlds.items() if w.bot.proc}
        found.update({p.log_path.stem: p.proc.pid for p in self.processes if p.proc})
        if self.syn._proc:
            found["synapse"] = self.syn._proc.pid
        return found

    async def setup(self, suites: tuple[str, ...]) -> dict[str, Target]:
        syn, workdir = self.syn, self.workdir
        targets: dict[str, Target] = {}
        null_ids: dict[str, str] = {}
        for kind in ("plain", "e2e"):
            if kind in suites or "peer" in suites:
                user_id, password = self.register(f"null{kind}")
                store = workdir / f"null-{kind}-store" if kind == "e2e" else None
                if store:
                    store.mkdir()
                self.start(null_bot(syn, user_id, password, workdir / f"null-{kind}.log", store))
                null_ids[kind] = user_id
        peer_id = None
        if "peer" in suites:
            peer_id, password = self.register("peer")
            self.start(peer_bot(syn, peer_id, password, workdir / "peer"))
        for kind in ("plain", "e2e"):
            if kind not in null_ids:
                continue
            world_dir = workdir / kind
            world_dir.mkdir()
            world = self.worlds[kind] = make_world(syn, world_dir, encrypted=kind == "e2e")
            if kind in suites:
                world.bot.start()
            coordinator = await world.user("coordinator")
            if kind in suites:
                print(f"setting up {kind}: referral, triage, case room ...", flush=True)
                _, room = await case_room(world)
                for command in ("!casus", "!help"):
                    targets[f"{kind} {command}"] = Target(coordinator, room, command, world.bot_id, True)
            print(f"setting up {kind}: the null bot's room ...", flush=True)
            targets[f"{kind} !ping"] = Target(coordinator, await room_with(coordinator, null_ids[kind],
                                                                           kind == "e2e"), "!ping", null_ids[kind])
            if peer_id:
                print(f"setting up {kind}: the peer's room ...", flush=True)
                room = await room_with(coordinator, peer_id, kind == "e2e")
                targets[f"peer {kind} !remindme"] = Target(coordinator, room, "!remindme in 3 days; bench {n}",
                                                           peer_id, reply=False)
        return targets

    async def close(self) -> None:
        for process in self.processes:
            process.stop()
        for world in self.worlds.values():
            await world.close()  # stops the bot process and the users' sync loops
        self.syn.stop()

    def logs(self) -> str:
        parts = [f"--- {kind} bot log (tail) ---\n{w.bot.log()[-3000:]}" for kind, w in self.worlds.items()
                 if hasattr(w.bot, "log")]
        parts += [f"--- {p.log_path.name} (tail) ---\n{p.tail()}" for p in self.processes]
        return "\n".join(parts)


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = Deadline(RUN_BUDGET)
    suites = tuple(args.only)
    run = Run(args, workdir)
    try:
        print("starting Synapse ...", flush=True)
        run.syn.start()
        targets = await run.setup(suites)
        samples: dict[str, list[float]] = {name: [] for name in targets}
        order = list(targets)
        total = args.warmup + args.rounds
        print(f"measuring {len(order)} commands: {args.warmup} warm-up + {args.rounds} rounds ...", flush=True)
        meter = CpuMeter(run.pids())
        profilers: list[Profiler] = []
        for round_no in range(total):
            deadline.check(f"round {round_no} of {total}")
            if round_no == args.warmup:
                meter.start()
                if args.profile:
                    profilers = [Profiler(pid, args.profile / f"{name.replace(' ', '-')}.txt")
                                 for name, pid in run.pids().items() if name != "synapse"]
            # Rotate which command goes first, so none always follows the same one.
            shift = round_no % len(order)
            for name in order[shift:] + order[:shift]:
                elapsed = await timed(targets[name], round_no)
                if round_no >= args.warmup:
                    samples[name].append(elapsed)
                await asyncio.sleep(args.pause)
        meter.stop()
        for profiler in profilers:
            profiler.stop()
        return {"samples": samples, "cpu_ms_per_round": {name: round(used / args.rounds * 1000, 2)
                                                         for name, used in meter.used.items()}}
    except BaseException:
        print(run.logs(), file=sys.stderr)
        raise
    finally:
        await run.close()
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for log in workdir.rglob("*.log"):
                (args.keep_logs / "-".join(log.relative_to(workdir).parts)).write_bytes(log.read_bytes())


def ratios(stats: dict[str, dict[str, float]]) -> dict[str, float]:
    found = {}
    for name, s in stats.items():
        if name.endswith("!ping"):
            continue
        kind = "e2e" if " e2e " in f" {name} " else "plain"
        base = stats.get(f"{kind} !ping")
        if base:
            for q in ("p50", "p95"):
                found[f"{q} {name} / {kind} !ping"] = s[q] / base[q]
    return found


def paired(samples: dict[str, list[float]]) -> dict[str, float]:
    """The median over rounds of each command's time over its null bot's in the same round: the commands of a
    round run within a second of each other, so this holds up better than the ratio of medians when other work
    on the machine comes and goes."""
    found = {}
    for name, values in samples.items():
        kind = "e2e" if " e2e " in f" {name} " else "plain"
        base = samples.get(f"{kind} !ping")
        if base and not name.endswith("!ping"):
            found[f"{name} / {kind} !ping"] = statistics.median(v / b for v, b in zip(values, base, strict=True))
    return found


def report(args: argparse.Namespace, measured: dict[str, Any], seconds: float) -> dict[str, Any]:
    stats = {name: summary(values) for name, values in measured["samples"].items()}
    found = ratios(stats)
    targets: dict[str, Any] = {}
    for kind in ("plain", "e2e"):
        mine = {k: v for k, v in found.items() if k.startswith(("p50 " + kind, "p95 " + kind))}
        if not mine:
            continue
        p50 = max(v for k, v in mine.items() if k.startswith("p50"))
        p95 = max(v for k, v in mine.items() if k.startswith("p95"))
        met = p50 <= TARGET_P50_RATIO and (kind == "plain" or p95 <= TARGET_P95_RATIO_E2E)
        targets[kind] = {"p50 ratio at most": TARGET_P50_RATIO, "worst p50 ratio": round(p50, 3),
                         "worst p95 ratio": round(p95, 3), "met": met}
        if kind == "e2e":
            targets[kind]["p95 ratio at most"] = TARGET_P95_RATIO_E2E
    return {
        "when": stamp(), "machine": machine(),
        "room_version": args.room_version or "synapse default", "suites": list(args.only),
        "rounds": args.rounds, "warmup": args.warmup, "pause_s": args.pause, "run_seconds": round(seconds, 1),
        "unit": "ms", "stats": stats, "ratios": found, "paired_median_ratios": paired(measured["samples"]),
        "cpu_ms_per_round": measured["cpu_ms_per_round"],
        "targets": targets,
        "samples_ms": {name: [round(v * 1000, 2) for v in values] for name, values in measured["samples"].items()},
    }


def print_table(result: dict[str, Any]) -> None:
    print_stats(result["stats"])
    print()
    for name, value in result["ratios"].items():
        print(f"{name:<44}{value:>6.2f}")
    print(f"\nCPU ms per round (each bot answers its commands once a round): {result['cpu_ms_per_round']}")
    print("\nmedian of the per-round ratios (paired):")
    for name, value in result["paired_median_ratios"].items():
        print(f"{name:<44}{value:>6.2f}")
    print()
    for kind, target in result["targets"].items():
        limits = f"p50 ratio <= {TARGET_P50_RATIO:.2f}" + (
            f", p95 <= {TARGET_P95_RATIO_E2E:.2f}" if kind == "e2e" else "")
        print(f"target {kind} ({limits}): {'met' if target['met'] else 'NOT met'}")
    print(f"({result['rounds']} rounds after {result['warmup']} warm-up, {result['run_seconds']} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description="reply latency: real bot vs null bot (and peer)")
    parser.add_argument("--rounds", type=int, default=60, help="measured rounds (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="rounds run first and not counted (default 5)")
    parser.add_argument("--pause", type=float, default=0.05,
                        help="seconds between two measurements (default 0.05)")
    parser.add_argument("--only", default=",".join(SUITES),
                        type=lambda s: [x for x in s.split(",") if x],
                        help="which of plain, e2e, peer (default all)")
    parser.add_argument("--room-version", default="",
                        help="pin Synapse's default room version (default: Synapse's own)")
    parser.add_argument("--profile", type=Path, help="py-spy profiles of every bot during the rounds, into this dir")
    parser.add_argument("--keep-logs", type=Path,
                        help="copy every log (bots, homeserver, its access log) into this dir")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1 and --warmup at least 0")
    if not set(args.only) <= set(SUITES) or not args.only:
        parser.error(f"--only takes some of {', '.join(SUITES)}")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if "peer" in args.only and find_peer() is None:
        print("matrix-reminder-bot is not installed (./zvh bench installs it into .peer-venv): no peer",
              file=sys.stderr)
        args.only = [s for s in args.only if s != "peer"]

    started = time.monotonic()
    measured = in_tmp("zvh-bench-", lambda tmp: bench(args, tmp), RUN_BUDGET + 10)
    result = report(args, measured, time.monotonic() - started)
    print_table(result)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
