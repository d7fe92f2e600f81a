"""A big region, generated through the bot's own storage API: cases with their referral, members and partners,
actions (and the schedule that chases them), pending reminders, planned meetings, plans with an evaluation date and
the audit trail the commands would have written.

    python -m bench.region --db PATH [--cases 2000 --actions 20000 --reminders 5000 --members 500]

Used by bench/startup.py (with real rooms on a homeserver) and bench/storage_time.py (no homeserver: room ids made
up). Deterministic for a given --seed. A focus person is a member of `focus_cases` cases (for `!mijn`), and the
first case has `focus_actions` actions (for the case card).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from commands import deadlines
from commands.workdays import WorkCalendar
from core.config import Config
from storage import actions, audit, cases, meetings, referrals, reminders, schedule
from storage import plan as plans
from storage.db import Database, Tx
from storage.schedule import Kind

ROOMS_VERSION, CURRENT_ROOMS = "rooms_version", "2"  # bot/app.py's: the rooms need no bringing up to date
THEMES = ("overlast", "huiselijk geweld", "radicalisering", "ondermijning", "verward gedrag")
MUNICIPALITIES = ("Den Haag", "Delft", "Zoetermeer")
DOMAINS = ("huisvesting", "financien", "middelengebruik", "geestelijke gezondheid", "sociaal netwerk")
TEXTS = ("Huisbezoek afleggen", "Rapport opvragen bij de huisarts", "Schuldhulp aanmelden",
         "Contact met de woningcorporatie", "Zorgmachtiging voorbereiden", "Terugkoppeling aan de wijkagent")


@dataclass
class Region:
    cases: list[str] = field(default_factory=list)
    focus_person: str = ""
    focus_case: str = ""
    people: int = 0
    actions: int = 0
    reminders: int = 0
    meetings: int = 0
    schedule_rows: int = 0
    seconds: float = 0.0


def bench_config(db_path: Path, server: str = "bench.local", partners: int = 4) -> Config:
    """A region's config for a database without a homeserver (bench/storage_time.py)."""
    keys = ("politie", "ggz", "om", "woning", "reclassering", "gemeente")[:partners]
    return Config.model_validate({
        "matrix": {"homeserver": "http://127.0.0.1:1", "user_id": f"@bot:{server}", "password": "x",
                   "pickle_key": "bench-pickle-key-0123456789"},
        "bot": {"database": str(db_path), "screening_room": f"!screening:{server}", "region": "Haaglanden",
                "referral_prefix": "HGL", "municipalities": list(MUNICIPALITIES),
                "coordinators": [f"@coordinator-{i:02d}:{server}" for i in range(10)]},
        "partners": [{"key": k, "name": k.title(), "tier": "kern" if i < 2 else "casus", "contacts": []}
                     for i, k in enumerate(keys)],
    })


def people(config: Config, members: int, server: str) -> dict[str, list[str]]:
    """`members` distinct people: coordinators (from the config, else made up), a tenth referrers, the rest
    spread over the partner organisations."""
    coordinators = list(config.bot.coordinators) or [f"@coordinator-{i:02d}:{server}" for i in range(10)]
    referrers = [f"@melder-{i:03d}:{server}" for i in range(max(1, members // 10))]
    rest = max(len(config.partners), members - len(coordinators) - len(referrers))
    orgs = [p.key for p in config.partners]
    pool: dict[str, list[str]] = {"coordinator": coordinators, "referrer": referrers}
    for i in range(rest):
        org = orgs[i % len(orgs)]
        pool.setdefault(org, []).append(f"@{org}-{i // len(orgs):03d}:{server}")
    return pool


async def open_case(tx: Tx, number: str, fields: dict[str, Any], lead: str, referrer: str,
                    contacts: dict[str, list[str]]) -> cases.Case:
    """What `!triage <nr> opschalen` stores (commands/referrals.py `escalate`): the referral escalated, the case
    with its procesregisseur, referrer, partners and their contacts, the audit entry; briefed by the welcome."""
    await referrals.insert(tx, number, referrer, None, fields)
    await referrals.set_outcome(tx, number, "escalated", lead)
    await cases.create(tx, number, fields["thema"], fields["gemeente"], lead)
    await cases.add_member(tx, number, lead, cases.PROCESREGISSEUR)
    await cases.add_member(tx, number, referrer, cases.REFERRER)
    for org, people_of_org in contacts.items():
        await cases.add_partner(tx, number, org)
        for person in people_of_org:
            await cases.add_member(tx, number, person, cases.PARTNER, org)
    await audit.append(tx, lead, "referral.escalated", case_id=number, purpose="triage", partners=list(contacts))
    await cases.mark_briefed(tx, number)
    return await cases.require(tx, number)


def referral_fields(rng: random.Random) -> dict[str, Any]:
    return {"betrokkene": [{"initials": "J.D.", "year": 1985, "role": "betrokkene"}],
            "gemeente": rng.choice(MUNICIPALITIES), "thema": rng.choice(THEMES),
            "leefgebieden": rng.sample(DOMAINS, 2), "reden": "Meerdere instanties betrokken",
            "doel": "Eén plan", "urgentie": "normaal", "geinformeerd": "ja"}


async def bump_referral_counter(tx: Tx, config: Config, year: int, value: int) -> None:
    """The next referral filed follows the generated ones."""
    await tx.execute("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                     "value = MAX(value, excluded.value)", (f"referral:{config.bot.referral_prefix}:{year}", value))


async def build(db: Database, config: Config, *, n_cases: int = 2000, n_actions: int = 20_000,
                n_reminders: int = 5_000, n_members: int = 500, n_meetings: int = 500, rooms: list[str] | None = None,
                focus_person: str | None = None, focus_cases: int = 100, focus_actions: int = 200,
                members_of_first: tuple[str, ...] = (), seed: int = 16, now: datetime | None = None) -> Region:
    """rooms: a room id per case (real rooms the bot has joined); made up when None. members_of_first: people
    (with Matrix accounts) added to the first case, whose room they are in."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    today = now.date()
    server = config.matrix.user_id.split(":", 1)[1]
    pool = people(config, n_members, server)
    orgs = [p.key for p in config.partners]
    focus_org = orgs[0]
    focus = focus_person or pool[focus_org][0]
    cal = WorkCalendar(config.reminders.holidays_country)
    region = Region(focus_person=focus, people=sum(len(v) for v in pool.values()))
    year = now.year
    # Actions per case: the first gets focus_actions, the rest share what is left evenly (some more, some less).
    rest = max(0, n_actions - focus_actions)
    per_case = [focus_actions] + [rest // max(1, n_cases - 1) + (1 if i < rest % max(1, n_cases - 1) else 0)
                                  for i in range(n_cases - 1)]
    reminders_per_case = [n_reminders // n_cases + (1 if i < n_reminders % n_cases else 0) for i in range(n_cases)]
    meeting_cases = set(rng.sample(range(n_cases), min(n_meetings, n_cases)))
    async with db.transaction() as tx:
        await tx.set_meta(ROOMS_VERSION, CURRENT_ROOMS)
    for i in range(n_cases):
        number = f"{config.bot.referral_prefix}-{year}-{i + 1:04d}"
        lead = rng.choice(pool["coordinator"])
        referrer = rng.choice(pool["referrer"])
        partner_orgs = sorted(set(rng.sample(orgs, min(len(orgs), rng.randint(1, 3)))))
        if i < focus_cases and focus_org not in partner_orgs:
            partner_orgs = [focus_org, *partner_orgs]
        others = {org: [p for p in pool[org] if p != focus] for org in partner_orgs}  # focus: in focus_cases only
        contacts = {org: sorted(set(rng.sample(others[org], min(len(others[org]), rng.randint(1, 2)))))
                    for org in partner_orgs}
        if i < focus_cases and focus not in contacts[focus_org]:
            contacts[focus_org].append(focus)
        fields = referral_fields(rng)
        if i == 0 and members_of_first:
            contacts[focus_org] = [*contacts.get(focus_org, []), *members_of_first]
        async with db.transaction() as tx:
            await open_case(tx, number, fields, lead, referrer, contacts)
            await cases.set_room(tx, number, rooms[i] if rooms else f"!case{i:05d}:{server}")
            members = await cases.members(tx, number)
            partner_people = [m.user_id for m in members if m.role == cases.PARTNER]
            for a in range(per_case[i]):
                owner_user, owner_org = None, None
                if i < focus_cases and a < 2:
                    owner_user = focus  # the focus person owns a couple in each of their cases
                elif rng.random() < 0.5 and partner_people:
                    owner_user = rng.choice(partner_people)
                else:
                    owner_org = rng.choice(partner_orgs)
                status = actions.OPEN if a < 2 and i < focus_cases else rng.choices(
                    (actions.OPEN, actions.DONE, actions.DROPPED), (30, 60, 10))[0]
                due = today + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.8 else None
                action = await actions.create(tx, number, rng.choice(TEXTS), owner_user, owner_org, due, lead)
                await audit.append(tx, lead, "action.created", case_id=number, purpose="case", number=action.number)
                if status != actions.OPEN:
                    await actions.close(tx, action, status, lead, None)
                elif due:
                    for moment, kind in deadlines.action_moments(due, now, cal, config.reminders, config.tz):
                        await schedule.add(tx, moment, kind, number, action.number)
                        region.schedule_rows += 1
                region.actions += 1
            for _ in range(reminders_per_case[i]):
                made = await reminders.create(tx, number, number, rooms[i] if rooms else None, lead,
                                              "Terugbellen over de voortgang", None)
                await schedule.add(tx, now + timedelta(minutes=rng.randint(60, 90 * 24 * 60)), Kind.REMINDER,
                                   number, made.id)
                region.reminders += 1
                region.schedule_rows += 1
            if i in meeting_cases:
                start = datetime.combine(today + timedelta(days=rng.randint(1, 30)), datetime.min.time(),
                                         config.tz).replace(hour=10)
                await meetings.create(tx, number, start, 60, "Veiligheidshuis", lead)
                region.meetings += 1
            if rng.random() < 0.5:
                await plans.add_item(tx, number, plans.GOAL, "Stabiele woonsituatie", lead, domain="huisvesting")
                await plans.set_review(tx, number, (today + timedelta(days=rng.randint(10, 120))).isoformat())
        region.cases.append(number)
    async with db.transaction() as tx:
        await bump_referral_counter(tx, config, year, n_cases)
    region.focus_case = region.cases[0]
    region.seconds = time.perf_counter() - started
    return region


async def stats(db: Database) -> dict[str, int]:
    async with db.transaction() as tx:
        return {
            "cases": await tx.value("SELECT COUNT(*) FROM cases"),
            "rooms": await tx.value("SELECT COUNT(*) FROM cases WHERE room_id IS NOT NULL"),
            "actions": await tx.value("SELECT COUNT(*) FROM actions"),
            "open actions": await tx.value("SELECT COUNT(*) FROM actions WHERE status = 'open'"),
            "members (distinct people)": await tx.value("SELECT COUNT(DISTINCT user_id) FROM case_members"),
            "pending reminders": await tx.value(
                "SELECT COUNT(*) FROM schedule WHERE state = 'pending' AND kind = ?", (Kind.REMINDER.value,)),
            "pending schedule rows": await tx.value("SELECT COUNT(*) FROM schedule WHERE state = 'pending'"),
            "planned meetings": await tx.value("SELECT COUNT(*) FROM meetings WHERE status = 'planned'"),
            "audit entries": await tx.value("SELECT COUNT(*) FROM audit_log"),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a new database file")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--reminders", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if args.db.exists():
        parser.error(f"{args.db} exists: the generator makes a new region")

    async def run() -> None:
        db = await Database.open(args.db)
        try:
            region = await build(db, bench_config(args.db), n_cases=args.cases, n_actions=args.actions,
                                 n_reminders=args.reminders, n_members=args.members, seed=args.seed)
            print(json.dumps({**await stats(db), "focus person": region.focus_person,
                              "focus case": region.focus_case, "seconds": round(region.seconds, 1)}, indent=2))
        finally:
            await db.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()
