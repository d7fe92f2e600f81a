"""A big region at start: time from the bot's process start to its answer to the first command, and its memory.

    python -m bench.startup [--restarts 3] [--cases 2000 ...] [--plain] [--keep DIR]

1. A throwaway Synapse, the bot's account and users (tests/harness.py `make_world`; case rooms and clients
   end-to-end encrypted unless --plain). The bot starts once (first start: login, crypto store, cross-signing),
   answers `!help`, and is stopped.
2. The region (bench/region.py, through the bot's storage API, into the bot's own database): 2,000 cases, 20,000
   actions, 5,000 pending reminders, 500 members. Every case has a real room the bot has joined on the homeserver:
   made cheaply, by the bot's account, with createRoom and nothing but the `private_chat` preset (six events each,
   four at a time; the bot's own rooms carry more state and invitations, which the start never reads). The first
   case's room is made like a case room (encrypted unless --plain) with the coordinator in it. Then the bot's
   sync position is moved past the rooms' creation, as a bot that had been running would have it.
3. Each restart: the coordinator sends `!casus` in the first case's room while the bot is down; the clock starts
   as the bot's process is started (`zvh-bot run`) and stops when the answer arrives in the coordinator's sync.
   Resident memory (VmRSS) and its peak (VmHWM) are read from /proc when the answer has arrived; the desk's
   personal-details worker (core/annotator.py, started with the bot as deployed) is its own process, reported apart.
Targets: under 5 s and under 150 MB. With --keep DIR the homeserver, database and clients are kept in DIR and a
later run with the same DIR starts at step 3 (the region takes about three minutes to make).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import RESULTS, BenchSynapse, Deadline, machine, rss_mb, stamp, write_result
from bench.region import build, stats
from bot.app import ACCESS_TOKEN, SYNC_FILTER, SYNC_TOKEN
from core.config import load_config
from storage.db import Database
from tests.harness import BotProcess, World, keys_of, make_world

TARGET_S = 5.0
TARGET_MB = 150.0
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
RUN_BUDGET = 900.0
STEP_TIMEOUT = 60.0
READY = "started; reading messages"  # bot/app.py's log line when it begins to sync


async def make_rooms(base_url: str, token: str, count: int, first: dict[str, Any], concurrency: int = 4
                     ) -> list[str]:
    """count rooms of the bot's; the first with `first` added to its body."""
    rooms: list[str] = [""] * count
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        nonlocal done
        body: dict[str, Any] = {"preset": "private_chat", "name": f"casus {i + 1}", **(first if i == 0 else {})}
        async with gate:
            for _ in range(5):
                async with session.post(f"{base_url}/_matrix/client/v3/createRoom", json=body,
                                        headers=headers) as response:
                    data = await response.json()
                    if response.status == 200:
                        rooms[i] = data["room_id"]
                        break
                    await asyncio.sleep(data.get("retry_after_ms", 500) / 1000)
            else:
                raise RuntimeError(f"createRoom failed: {data}")
        done += 1
        if done % 250 == 0:
            print(f"  {done} rooms", flush=True)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(one(session, i) for i in range(count)))
    return rooms


async def sync_position(base_url: str, token: str, since: str | None) -> str:
    """The bot's sync position after everything that happened so far (its own filter, as it syncs)."""
    params = {"timeout": "0", "filter": json.dumps(SYNC_FILTER)}
    if since:
        params["since"] = since
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        async with session.get(f"{base_url}/_matrix/client/v3/sync", params=params,
                               headers={"Authorization": f"Bearer {token}"}) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"sync failed: {body}")
            return str(body["next_batch"])


def save_world(world: World, path: Path, extra: dict[str, Any]) -> None:
    path.write_text(json.dumps({"bot_id": world.bot_id, "bot_password": world.bot_password, "ids": world.ids,
                                "tokens": world.tokens, "screening_room": world.screening_room,
                                "config_path": str(world.config_path), "encrypted": world.encrypted, **extra},
                               indent=2))


INFO = ("focus_room", "focus_case", "rooms_s", "region_s", "region")  # what a kept region tells a run (no secrets)


def load_world(syn: BenchSynapse, workdir: Path, path: Path) -> tuple[World, dict[str, Any]]:
    saved = json.loads(path.read_text())
    config_path = Path(saved["config_path"])
    world = World(syn, workdir, saved["bot_id"], saved["bot_password"], saved["ids"], saved["tokens"],
                  saved["screening_room"], BotProcess(config_path, workdir / "bot.log"), config_path,
                  encrypted=saved["encrypted"])
    return world, {key: saved[key] for key in INFO}


async def make_region(args: argparse.Namespace, syn: BenchSynapse, workdir: Path, deadline: Deadline
                      ) -> tuple[World, dict[str, Any]]:
    # As deployed: the desk's personal-details worker starts with the bot (the tests' bots start it lazily)
    world = make_world(syn, workdir, encrypted=not args.plain, sections={"desk": {"preload": True}})
    coordinator = world.ids["coordinator"]
    print("first start of the bot ...", flush=True)
    world.bot.start()
    try:
        # An encrypting client sends its room key to the devices it knows: only once the bot's is published.
        for _ in range(int(STEP_TIMEOUT * 10)):
            if READY in world.bot.log():
                break
            await asyncio.sleep(0.1)
        answer = await (await world.user("coordinator")).command(world.screening_room, "!help", timeout=STEP_TIMEOUT)
        if not answer.ok:
            raise RuntimeError(f"!help failed: {answer.body[:200]}")
    finally:
        world.bot.stop()
    config = load_config(world.config_path)
    db = await Database.open(config.bot.database)
    try:
        async with db.transaction() as tx:
            token = await tx.get_meta(ACCESS_TOKEN)
            since = await tx.get_meta(SYNC_TOKEN)
        assert token, "the bot stored no access token"
        print(f"making {args.cases} rooms of the bot's ...", flush=True)
        started = time.perf_counter()
        first = {"invite": [coordinator], "initial_state": [] if args.plain else [ENCRYPTION]}
        rooms = await make_rooms(syn.base_url, token, args.cases, first)
        rooms_s = time.perf_counter() - started
        deadline.check("making rooms")
        print(f"  {rooms_s:.0f} s; the region in the bot's database ...", flush=True)
        region = await build(db, config, n_cases=args.cases, n_actions=args.actions, n_reminders=args.reminders,
                             n_members=args.members, rooms=rooms, members_of_first=(coordinator,), seed=args.seed)
        counted = await stats(db)
        print(f"  {region.seconds:.0f} s: {counted}", flush=True)
        user = await world.user("coordinator")
        await user.wait_invite(lambda r, s: r == rooms[0], STEP_TIMEOUT)
        await user.join(rooms[0])
        position = await sync_position(syn.base_url, token, since)
        async with db.transaction() as tx:
            await tx.set_meta(SYNC_TOKEN, position)
    finally:
        await db.close()
    return world, {"focus_room": rooms[0], "focus_case": region.focus_case, "rooms_s": round(rooms_s, 1),
                   "region_s": round(region.seconds, 1), "region": counted}


def phases(log: str, started_wall: float) -> dict[str, float]:
    """Seconds from the process start to lines of the bot's log (its timestamps have milliseconds)."""
    marks = {"ready": READY}
    found = {}
    for line in log.splitlines():
        for name, text in marks.items():
            if text in line and name not in found:
                stamp_text = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", line)
                if stamp_text:
                    at = datetime.strptime(stamp_text.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    found[name] = round(at - started_wall, 3)
    return found


def children(pid: int) -> list[int]:
    """The bot's child processes (the personal-details worker, core/annotator.py, still loading 2 s in)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


async def restart(world: World, focus_room: str, n: int) -> dict[str, Any]:
    user = await world.user("coordinator")
    log_before = len(world.bot.log())
    event_id = await user.send(focus_room, "!casus")
    await asyncio.sleep(0.5)  # the command is stored on the homeserver before the bot is up
    started_wall = time.time()
    started = time.perf_counter()
    world.bot.start()
    try:
        reply = await user.wait_for(lambda: user.reply_to(focus_room, event_id), STEP_TIMEOUT, "the answer")
        elapsed = time.perf_counter() - started
        assert world.bot.proc is not None
        rss, peak = rss_mb(world.bot.proc.pid)
        await asyncio.sleep(2.0)
        rss_later, peak_later = rss_mb(world.bot.proc.pid)
        workers = [rss_mb(pid)[0] for pid in children(world.bot.proc.pid)]
    finally:
        world.bot.stop()
    if "case.card" not in keys_of(reply):
        raise AssertionError(f"unexpected answer: {reply['content'].get('body', '')[:200]}")
    return {"restart": n, "to_answer_s": round(elapsed, 3), "rss_mb": round(rss, 1), "peak_rss_mb": round(peak, 1),
            "rss_2s_later_mb": round(rss_later, 1), "peak_2s_later_mb": round(peak_later, 1),
            "worker_rss_2s_later_mb": round(sum(workers), 1),
            **phases(world.bot.log()[log_before:], started_wall)}


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = Deadline(RUN_BUDGET)
    saved_path = workdir / "region.json"
    port = json.loads(saved_path.read_text())["port"] if saved_path.exists() else None
    syn = BenchSynapse(workdir / "synapse", port=port)
    world: World | None = None
    try:
        print("starting Synapse ...", flush=True)
        syn.start()
        if saved_path.exists():
            world, info = load_world(syn, workdir, saved_path)
            print(f"reusing the region in {workdir}", flush=True)
        else:
            world, info = await make_region(args, syn, workdir, deadline)
            save_world(world, saved_path, {**info, "port": syn.port})
        runs = []
        for n in range(args.restarts):
            deadline.check(f"restart {n}")
            runs.append(await restart(world, info["focus_room"], n))
            print(f"restart {n}: {runs[-1]}", flush=True)
        return {"runs": runs, **{k: v for k, v in info.items() if k != "focus_room"}}
    except BaseException:
        if world:
            print(f"--- bot log (tail) ---\n{world.bot.log()[-3000:]}", file=sys.stderr)
        raise
    finally:
        if world:
            await world.close()
        syn.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--reminders", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--plain", action="store_true", help="plain rooms and clients (default: encrypted)")
    parser.add_argument("--keep", type=Path, help="keep the region in this directory (and reuse it if there)")
    parser.add_argument("--out", type=Path, default=RESULTS / "startup.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        measured = asyncio.run(bench(args, args.keep.resolve()))
    else:
        with tempfile.TemporaryDirectory(prefix="zvh-startup-") as tmp:
            measured = asyncio.run(bench(args, Path(tmp)))
    runs = measured["runs"]
    worst_s = max(r["to_answer_s"] for r in runs)
    worst_mb = max(r["peak_2s_later_mb"] for r in runs)
    result = {"when": stamp(), "machine": machine(), "encrypted": not args.plain, **measured,
              "run_seconds": round(time.monotonic() - started, 1),
              "targets": {"to_answer_s under": TARGET_S, "rss_mb under": TARGET_MB,
                          "met": worst_s < TARGET_S and worst_mb < TARGET_MB}}
    print()
    for r in runs:
        print(f"restart {r['restart']}: answer after {r['to_answer_s']:.2f} s (ready {r.get('ready', '?')} s); "
              f"RSS {r['rss_mb']:.0f} MB, peak {r['peak_2s_later_mb']:.0f} MB; "
              f"personal-details worker {r['worker_rss_2s_later_mb']:.0f} MB (its own process, still loading)")
    print(f"target < {TARGET_S:.0f} s and < {TARGET_MB:.0f} MB: {'met' if result['targets']['met'] else 'NOT met'}")
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
