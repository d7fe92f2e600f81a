"""A history with known figures, written through the storage API on a controlled clock (every stamp is the moment
the step happened), for the report's tests: `seed` writes referrals, cases, tables, plans, actions, ZRM scores,
closures and purges as a spec says; `year_2025` is the story the tests check figure by figure.

The story of 2025 (region Den Haag, Delft, Zoetermeer), with its edge cases:
- Den Haag: 30 referrals, one every Monday from 6 January to 28 July (overlast, normal, by the police; housing and
  finances); 20 advice, 10 referred on; triaged two days later. Three had a field asked after filing. Referrals
  13-24 are about the people of referrals 1-12 again (re-referred within 12 months).
- Delft: 10 referrals (a cell of exactly 10), 1-10 September (huiselijk geweld, high, by GGZ), escalated after
  seven days: ten cases. Delft #1 is about a person referred in Delft on 1 December 2024 (advice): a re-referral.
- Zoetermeer: 9 referrals (a cell of 9), 1-9 October (jeugdcriminaliteit, urgent, by a referrer outside the partner
  directory): 5 rejected after three days, 4 not triaged yet. Zoetermeer #1 is about a person last referred in
  June 2023 (not within 12 months); #2 has the initials and birth year of Den Haag #1 (another municipality, so
  another person).
- August, November and December have no referrals (empty months).
- The ten cases: procesregisseur A directs 1-6, B 7-10. Case i holds its first table (casusoverleg) 6 + i days
  after opening; cases 1-3 a focusoverleg 30 days after; case 4 a table that was cancelled. Cases 1-8 adopt their
  plan 21 days after opening. Each case has three actions: due 15 October, done 14 October (on time); due 20
  October, done 25 October (late); due 5 November, still open, or dropped when the case closes. Cases 1-4 close on
  10 December (three goals met, one moved) with ZRM huisvesting 2 at the start and 4 at closure; case 1 is then
  deleted by retention (its anonymised record must keep every figure as it was).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core import clock
from core.config import Config
from storage import actions, cases, dossier, meetings, referrals, zrm
from storage import plan as plans
from storage.db import Database, iso

TZ = ZoneInfo("Europe/Amsterdam")
PREFIX = "HGL"
LEAD_A, LEAD_B = "@regisseur-a:zvh.example", "@regisseur-b:zvh.example"
REFERRERS = {"politie": "@agent:politie.example", "ggz": "@hulp:ggz.example", None: "@melder:school.example"}


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """The process clock reads `moment` (storage stamps follow it)."""
    process = clock.process_clock()
    before = process.offset
    process.offset = moment - datetime.now(timezone.utc)
    try:
        yield
    finally:
        process.offset = before


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@dataclass
class ActionSpec:
    due: date
    closed: datetime | None = None
    status: str = actions.DONE  # when closed


@dataclass
class CaseSpec:
    lead: str
    tables: list[tuple[datetime, str]] = field(default_factory=list)
    cancelled: list[datetime] = field(default_factory=list)
    plan_adopted: datetime | None = None
    actions: list[ActionSpec] = field(default_factory=list)
    zrm: list[tuple[str, int, str, datetime]] = field(default_factory=list)
    closed: datetime | None = None
    reason: str = "goals_met"
    purge: datetime | None = None  # deleted by retention at this moment


@dataclass
class ReferralSpec:
    filed: datetime
    municipality: str
    theme: str
    urgency: str
    org: str | None
    domains: list[str]
    persons: list[tuple[str, int]]
    outcome: str | None = None  # None: not triaged yet
    triaged: datetime | None = None
    asked_after_filing: int = 0
    case: CaseSpec | None = None


def fields(spec: ReferralSpec) -> dict:
    return {"betrokkene": [{"initials": initials, "birth_year": year, "role": "subject"}
                           for initials, year in spec.persons],
            "gemeente": spec.municipality, "thema": spec.theme, "leefgebieden": spec.domains,
            "reden": "Meerdere instanties betrokken", "doel": "Eén plan", "partners": [],
            "geinformeerd": {"informed": True}, "urgentie": spec.urgency}


async def seed(db: Database, specs: list[ReferralSpec], key: bytes) -> list[str]:
    """Write the history step by step, each at its own moment; returns the referral numbers."""
    numbers = []
    for spec in specs:
        async with db.transaction() as tx:
            with clock_at(spec.filed):
                number = await referrals.next_number(tx, PREFIX, spec.filed.year)
                await referrals.insert(tx, number, REFERRERS[spec.org], spec.org, fields(spec))
                for _ in range(spec.asked_after_filing):
                    await referrals.ask_field(tx, number)
            if spec.outcome and spec.triaged:
                with clock_at(spec.triaged):
                    await referrals.set_outcome(tx, number, spec.outcome, LEAD_A)
                    if spec.case:
                        await cases.create(tx, number, spec.theme, spec.municipality, spec.case.lead)
            if spec.case:
                await _case(tx, number, spec.case)
        numbers.append(number)
    for number, spec in zip(numbers, specs, strict=True):
        if spec.case and spec.case.purge:
            async with db.transaction() as tx:
                await dossier.delete(tx, number, spec.case.purge, key, TZ)
    return numbers


async def _case(tx, number: str, case: CaseSpec) -> None:
    for starts, kind in case.tables:
        with clock_at(starts - timedelta(days=3)):
            await meetings.create(tx, number, starts, 60, None, case.lead, kind)
    for starts in case.cancelled:
        with clock_at(starts - timedelta(days=3)):
            made = await meetings.create(tx, number, starts, 60, None, case.lead, "casusoverleg")
            await meetings.cancel(tx, made, "niet nodig")
    if case.plan_adopted:
        with clock_at(case.plan_adopted):
            await plans.adopt(tx, number, 1, "Plan van aanpak", b"%PDF-1.7 plan", case.lead)
    made = []
    for spec in case.actions:
        with clock_at(at(spec.due - timedelta(days=20))):
            made.append((spec, await actions.create(tx, number, "Rapport sturen", case.lead, None, spec.due,
                                                    case.lead)))
    for spec, action in made:
        if spec.closed:
            with clock_at(spec.closed):
                await actions.close(tx, action, spec.status, case.lead, None)
    for domain, score, moment, when in case.zrm:
        await zrm.record(tx, number, domain, score, moment, None, case.lead, when)
    if case.closed:
        with clock_at(case.closed):
            for spec, action in made:
                if not spec.closed:
                    await actions.close(tx, action, actions.DROPPED, case.lead, "case closed")
            await cases.close(tx, number, iso(case.closed), case.reason)


def mondays(start: date, count: int) -> list[date]:
    return [start + timedelta(weeks=i) for i in range(count)]


def year_2025(purge: bool = True) -> list[ReferralSpec]:
    """The story told in the module's docstring."""
    specs: list[ReferralSpec] = [
        ReferralSpec(at(date(2023, 6, 1)), "Zoetermeer", "jeugdcriminaliteit", "urgent", None, ["justitie"],
                     [("Z.A.", 2008)], "advice", at(date(2023, 6, 2))),
        ReferralSpec(at(date(2024, 12, 2)), "Delft", "huiselijk geweld", "high", "ggz", ["huiselijke_relaties"],
                     [("D.A.", 1990)], "advice", at(date(2024, 12, 4))),
    ]
    for i, day in enumerate(mondays(date(2025, 1, 6), 30)):
        person = ("H.P.", 1960 + (i if i < 12 else i - 12 if i < 24 else i))
        specs.append(ReferralSpec(at(day), "Den Haag", "overlast", "normal", "politie", ["huisvesting", "financien"],
                                  [person], "advice" if i < 20 else "referred", at(day + timedelta(days=2)),
                                  asked_after_filing=1 if i in (3, 4, 5) else 0))
    for i in range(10):
        day = date(2025, 9, 1 + i)
        opened = at(day + timedelta(days=7))
        lead = LEAD_A if i < 6 else LEAD_B
        closes = i < 4
        case = CaseSpec(
            lead, tables=[(at(opened.date() + timedelta(days=7 + i), 14), "casusoverleg")]
            + ([(at(opened.date() + timedelta(days=30), 14), "focusoverleg")] if i < 3 else []),
            cancelled=[at(opened.date() + timedelta(days=20), 14)] if i == 3 else [],
            plan_adopted=at(opened.date() + timedelta(days=21), 16) if i < 8 else None,
            actions=[ActionSpec(date(2025, 10, 15), at(date(2025, 10, 14), 15)),
                     ActionSpec(date(2025, 10, 20), at(date(2025, 10, 25), 15)),
                     ActionSpec(date(2025, 11, 5))],
            zrm=[("huisvesting", 2, zrm.START, opened + timedelta(days=1)),
                 ("huisvesting", 4, zrm.CLOSURE, at(date(2025, 12, 9)))] if closes else [],
            closed=at(date(2025, 12, 10), 11) if closes else None, reason="moved" if i == 3 else "goals_met",
            purge=at(date(2026, 1, 12), 3) if purge and i == 0 else None)
        specs.append(ReferralSpec(at(day), "Delft", "huiselijk geweld", "high", "ggz", ["huiselijke_relaties"],
                                  [("D.A.", 1990) if i == 0 else ("D.B.", 1970 + i)], "escalated", opened, case=case))
    for i in range(9):
        day = date(2025, 10, 1 + i)
        person = ("Z.A.", 2008) if i == 0 else ("H.P.", 1960) if i == 1 else ("Z.B.", 2000 + i)
        specs.append(ReferralSpec(at(day), "Zoetermeer", "jeugdcriminaliteit", "urgent", None,
                                  ["justitie", "middelengebruik"], [person], "rejected" if i < 5 else None,
                                  at(day + timedelta(days=3)) if i < 5 else None))
    return specs


def config(**reports) -> Config:
    """The region of the story: three municipalities, the police, GGZ, OM and a housing corporation."""
    return Config.model_validate({
        "matrix": {"homeserver": "http://127.0.0.1:1", "user_id": "@bot:zvh.example", "password": "x",
                   "pickle_key": "a-test-secret-0123456789"},
        "bot": {"screening_room": "!screening:zvh.example", "municipalities": ["Den Haag", "Delft", "Zoetermeer"],
                "coordinators": ["@coord:zvh.example"], "managers": ["@boss:zvh.example"]},
        "reports": reports,
        "partners": [{"key": "politie", "name": "Politie Haaglanden", "contacts": []},
                     {"key": "ggz", "name": "GGZ Delfland", "contacts": []},
                     {"key": "om", "name": "Openbaar Ministerie", "contacts": []},
                     {"key": "woning", "name": "Woonstichting Delft", "contacts": []}],
    })
