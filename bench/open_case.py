"""Opening a case: from `!triage <nr> opschalen` with four partners to the case room existing with all its state and
invitations, against one createRoom call with the same state and invitations made by a plain client; one run.

    python -m bench.open_case [--rounds 10] [--warmup 1]

Setup: a throwaway Synapse; the bot with encrypted case rooms (`encrypt_rooms`, as deployed) and a plain screening
room; four partners with a contact each on this homeserver (politie, ggz, om, woning); the referrals to escalate
stored (submitted, waiting for triage) through the bot's storage API before it starts; the referrer has a direct
chat with the bot, as one who filed through it does. Everyone is a light client (bench/light.py).

- bot: the coordinator sends `!triage <nr> opschalen politie ggz om woning` in the screening room; the clock stops
  when the last of the six invited (coordinator, referrer, four contacts) has the case room's invitation in their
  sync. createRoom carries all the room's state and these invitations, so the room is complete then.
- createRoom: a plain client sends the body the bot would send for such a case (bot/rooms.py `case_room`: the same
  state, power levels, encryption, space parent and six invitations) in one call; the clock stops the same way.
The two alternate round by round. After a bot round the run waits for the bot's ✅ and a moment more, so the
room's follow-ups (welcome, space) are done before the next measurement. Target: at most 1.2 times.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
import tomllib
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import RESULTS, BenchSynapse, Deadline, in_tmp, machine, print_stats, stamp, summary, write_result
from bench.light import LightUser, session
from bench.region import bump_referral_counter, referral_fields
from bot import rooms
from core.config import load_config
from devserver.provision import write_config
from storage import referrals
from storage.cases import PARTNER, PROCESREGISSEUR, REFERRER, Case, Member
from storage.db import Database
from tests.harness import World, make_world

TARGET_RATIO = 1.2
STEP_TIMEOUT = 60.0
RUN_BUDGET = 600.0
PARTNERS = {"politie": "politie", "ggz": "ggz", "om": "buiten", "woning": "incidenteel"}  # partner -> its contact


def four_partners(world: World) -> None:
    """The world's config with four partners, each with a contact here (none incidental: no statement first)."""
    raw = tomllib.loads(world.config_path.read_text())
    partners = [{"key": key, "name": key.title(), "tier": "kern" if i < 2 else "casus",
                 "contacts": [world.ids[role]]} for i, (key, role) in enumerate(PARTNERS.items())]
    write_config(world.config_path, matrix=raw["matrix"], bot=raw["bot"], partners=partners)


async def seed_referrals(world: World, count: int) -> list[str]:
    config = load_config(world.config_path)
    db = await Database.open(config.bot.database)
    year = datetime.now(timezone.utc).year
    numbers = [f"{config.bot.referral_prefix}-{year}-{i + 1:04d}" for i in range(count)]
    rng = random.Random(16)
    try:
        async with db.transaction() as tx:
            for number in numbers:
                await referrals.insert(tx, number, world.ids["melder"], None, referral_fields(rng))
            await bump_referral_counter(tx, config, year, count)
    finally:
        await db.close()
    return numbers


def space_of(world: World) -> str | None:
    """The region's space, as the bot made it (read beside the running bot: SQLite in WAL mode)."""
    config = load_config(world.config_path)
    with sqlite3.connect(f"file:{config.bot.database}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'space_room_id'").fetchone()
    return row[0] if row else None


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = Deadline(RUN_BUDGET)
    syn = BenchSynapse(workdir / "synapse", access_log=args.access_log is not None)
    world: World | None = None
    users: list[LightUser] = []
    try:
        print("starting Synapse ...", flush=True)
        syn.start()
        world = make_world(syn, workdir, screening_encrypted=False, encrypt_rooms=True)
        four_partners(world)
        total = args.warmup + args.rounds
        numbers = await seed_referrals(world, total)
        creator_id, creator_token = syn.register(f"creator-{uuid.uuid4().hex[:6]}", "pw")
        async with session() as http:
            def light(name: str) -> LightUser:
                return LightUser(http, syn.base_url, world.ids[name], world.tokens[name])

            coordinator, melder = light("coordinator"), light("melder")
            invitees = [coordinator, melder, *(light(role) for role in PARTNERS.values())]
            creator = LightUser(http, syn.base_url, creator_id, creator_token)
            users = [*invitees, creator]
            await asyncio.gather(*(u.start() for u in users))
            world.bot.start()
            # The referrer's direct chat with the bot, as one who filed through it has.
            dm = await melder.create_room({"preset": "trusted_private_chat", "is_direct": True,
                                           "invite": [world.bot_id]})
            await melder.wait_for(lambda: melder.said(dm, world.bot_id), STEP_TIMEOUT, "the bot's welcome")
            version = (await creator.call("GET", "/capabilities"))["capabilities"]["m.room_versions"]["default"]
            config = load_config(world.config_path)
            members = [Member(world.ids["coordinator"], PROCESREGISSEUR, None),
                       Member(world.ids["melder"], REFERRER, None),
                       *(Member(world.ids[role], PARTNER, key) for key, role in PARTNERS.items())]
            command = "!triage {nr} opschalen " + " ".join(PARTNERS)

            async def by_bot(number: str) -> float:
                event_id, started = await coordinator.send(world.screening_room, command.format(nr=number))
                arrived = await asyncio.gather(*(u.wait_for(lambda u=u: u.room_named(number) and u.invites[
                    u.room_named(number)], STEP_TIMEOUT, f"the room of {number}") for u in invitees))
                reaction = await coordinator.wait_for(lambda: coordinator.reactions.get(event_id), STEP_TIMEOUT,
                                                      "the bot's reaction")
                if reaction.event["content"]["m.relates_to"].get("key") != "✅":
                    raise AssertionError(f"!triage failed: {coordinator.replies.get(event_id)}")
                return max(arrived) - started

            async def by_client(n: int) -> float:
                case = Case(f"BENCH-{n}", "open", "overlast", "Delft", None, world.ids["coordinator"], None,
                            "2026-01-01T00:00:00.000+00:00", None)
                body = rooms.case_room(config, creator_id, case, members, space_of(world), uuid.uuid4().hex,
                                       version)
                started = time.perf_counter()
                room = await creator.create_room(body)
                arrived = await asyncio.gather(*(u.wait_for(lambda u=u: u.invites.get(room), STEP_TIMEOUT,
                                                            "the invitation") for u in invitees))
                return max(arrived) - started

            samples: dict[str, list[float]] = {"bot !triage opschalen": [], "client createRoom": []}
            print(f"measuring: {args.warmup} warm-up + {args.rounds} rounds ...", flush=True)
            for i, number in enumerate(numbers):
                deadline.check(f"round {i}")
                order = ("bot", "client") if i % 2 == 0 else ("client", "bot")
                for side in order:
                    if side == "bot":
                        elapsed = await by_bot(number)
                        await asyncio.sleep(args.settle)  # the welcome and the space follow the room
                        name = "bot !triage opschalen"
                    else:
                        elapsed = await by_client(i)
                        await asyncio.sleep(args.pause)
                        name = "client createRoom"
                    if i >= args.warmup:
                        samples[name].append(elapsed)
        return {"samples": samples, "room_version": version}
    except BaseException:
        if world:
            print(f"--- bot log (tail) ---\n{world.bot.log()[-4000:]}", file=sys.stderr)
        raise
    finally:
        for user in users:
            await user.close()
        if world:
            await world.close()
        syn.stop()
        if syn.access_log and syn.access_log.exists():
            args.access_log.write_text(syn.access_log.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.open_case", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1, help="rounds not counted (the first makes the space)")
    parser.add_argument("--settle", type=float, default=1.5, help="seconds after a bot round (default 1.5)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds after a createRoom round")
    parser.add_argument("--access-log", type=Path, help="keep Synapse's access log (every request) in this file")
    parser.add_argument("--out", type=Path, default=RESULTS / "open_case.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    measured = in_tmp("zvh-open-", lambda tmp: bench(args, tmp), RUN_BUDGET + 10)
    stats = {name: summary(values) for name, values in measured["samples"].items()}
    ratios = {q: stats["bot !triage opschalen"][q] / stats["client createRoom"][q] for q in ("p50", "p95")}
    result = {"when": stamp(), "machine": machine(), "rounds": args.rounds, "warmup": args.warmup,
              "room_version": measured["room_version"], "run_seconds": round(time.monotonic() - started, 1),
              "unit": "ms", "stats": stats, "ratios": ratios,
              "target": {"p50 ratio at most": TARGET_RATIO, "met": ratios["p50"] <= TARGET_RATIO},
              "samples_ms": {k: [round(v * 1000, 1) for v in vs] for k, vs in measured["samples"].items()}}
    print_stats(stats)
    print(f"\nratio p50 {ratios['p50']:.2f}, p95 {ratios['p95']:.2f} (target <= {TARGET_RATIO}: "
          f"{'met' if result['target']['met'] else 'NOT met'})")
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
