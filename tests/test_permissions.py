
"""Every command against every role and every kind of room: allowed, or refused with a clear message.

The expected table is written out here, independently of the declarations, so a changed declaration must be
a conscious change of this table too (and a new command cannot go unlisted)."""
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest

from commands.base import REGISTRY, Context, RoomKind, lookup
from commands.router import dispatch
from core.config import Config
from core.messages import CommandError
from core.render import render
from storage import arrangements, cases
from storage.db import Database

CASE_ID = "HGL-2026-0001"
ARRANGEMENT_ID = "HGL-2026-0002"  # a light arrangement, with the same people as the case
PEOPLE = {
    "outsider": "@someone:elsewhere.example",
    "referrer": "@melder:gemeente.example",
    "coordinator": "@coord:zvh.example",
    "procesregisseur": "@pr:zvh.example",
    "casusregisseur": "@cr:politie.example",
    "partner": "@ggz:ggz.example",
    "manager": "@boss:zvh.example",
    "privacy_officer": "@fg:zvh.example",
    "admin": "@admin:zvh.example",
}
EVERYONE = set(PEOPLE)
COORDINATORS = {"coordinator", "procesregisseur"}
REFERRERS = {"referrer", "coordinator", "procesregisseur", "casusregisseur", "partner"}
MEMBERS = {"referrer", "procesregisseur", "casusregisseur", "partner"}
DM, SCREENING, CASE, CONSULTATION, OTHER = (RoomKind.DM, RoomKind.SCREENING, RoomKind.CASE, RoomKind.CONSULTATION,
                                           RoomKind.OTHER)
ARRANGEMENT = RoomKind.ARRANGEMENT
MANAGEMENT = RoomKind.MANAGEMENT
MANAGERS = {"manager", "coordinator", "procesregisseur"}  # coordinators see the figures too
ALL_KINDS = {kind: EVERYONE for kind in RoomKind}

# command key -> (a sample of its arguments, {room kind: who may run it there}); elsewhere: refused.
EXPECTED = {
    "help": ("", ALL_KINDS),
    "taal": ("nl", ALL_KINDS),
    "mijn": ("", ALL_KINDS),
    "melding": ("", {DM: REFERRERS}),
    "stop": ("", {DM: EVERYONE}),
    "meldingen": ("", {DM: REFERRERS, SCREENING: COORDINATORS}),
    "toon": (CASE_ID, {DM: REFERRERS, SCREENING: COORDINATORS}),
    "triage": (f"{CASE_ID} afwijzen Geen grond", {SCREENING: COORDINATORS}),
    "casus": ("", {CASE: MEMBERS}),
    "partner": ("", {CASE: MEMBERS, ARRANGEMENT: MEMBERS}),
    "regie": (f"casus {PEOPLE['casusregisseur']}", {CASE: {"procesregisseur"}}),
    "afsluiten": ("Doelen bereikt", {CASE: {"procesregisseur"}}),
    "actie": (f"{PEOPLE['partner']} Intake plannen voor 15 dec", {CASE: MEMBERS, ARRANGEMENT: MEMBERS}),
    "acties": ("", {CASE: MEMBERS, ARRANGEMENT: MEMBERS}),
    "klaar": ("1", {CASE: MEMBERS, ARRANGEMENT: MEMBERS}),
    "overleg": ("", {CASE: MEMBERS, SCREENING: COORDINATORS}),
    "notulen": ("1", {CASE: MEMBERS}),
    "weegteam": ("", {SCREENING: COORDINATORS}),
    "verklaring": ("", {DM: EVERYONE}),
    "heropenen": ("Nieuwe zorgen", {CASE: {"procesregisseur"}, SCREENING: COORDINATORS}),
    "aanwezig": ("1 ja", {CASE: MEMBERS}),
    "besluit": ("Politie bezoekt het gezin", {CASE: MEMBERS}),
    "plan": ("", {CASE: MEMBERS}),
    "archief": ("", {CASE: MEMBERS}),
    "zrm": ("", {CASE: MEMBERS}),
    "herinner": ("morgen 10:00 Bellen", {CASE: MEMBERS, ARRANGEMENT: MEMBERS, DM: EVERYONE}),
    "herinneringen": ("", {CASE: MEMBERS, ARRANGEMENT: MEMBERS, DM: EVERYONE}),
    "herinnering": ("1 weg", {CASE: MEMBERS, ARRANGEMENT: MEMBERS, DM: EVERYONE}),
    "later": ("1u", {CASE: MEMBERS, ARRANGEMENT: MEMBERS, DM: EVERYONE}),
    "audit": ("controle", {DM: {"privacy_officer"}}),
    "inzage": (CASE_ID, {DM: {"privacy_officer"}}),
    "kaart": ("ggz", {DM: EVERYONE, SCREENING: EVERYONE, CASE: MEMBERS, ARRANGEMENT: MEMBERS}),
    "afspraak": ("ggz Intake plannen voor 15 dec", {ARRANGEMENT: MEMBERS}),
    "afstemmen": ("", {ARRANGEMENT: MEMBERS}),
    "opschalen": ("", {ARRANGEMENT: MEMBERS}),
    "vraag": ("Wie kan ik betrekken bij een gezin met schulden?", {DM: REFERRERS}),
    "vragen": ("", {DM: REFERRERS, SCREENING: COORDINATORS, CONSULTATION: COORDINATORS}),
    "antwoord": ("V-2026-0001 Betrek het wijkteam", {SCREENING: COORDINATORS, CONSULTATION: COORDINATORS}),
    "kennis": ("schulden", {DM: COORDINATORS, SCREENING: COORDINATORS, CONSULTATION: COORDINATORS}),
    "rapport": ("2025", {SCREENING: COORDINATORS, MANAGEMENT: MANAGERS, DM: MANAGERS}),
}
REFUSALS = {"error.not_allowed", "error.wrong_room"}


def config(tmp_path: Path | None = None) -> Config:
    """tmp_path: where the sociale kaart is (an admin's edit writes it); a fresh directory unless given."""
    folder = tmp_path or Path(tempfile.mkdtemp(prefix="zvh-kaart-"))
    return Config.model_validate({
        "kaart": {"file": str(folder / "kaart.toml")},
        "matrix": {"homeserver": "http://127.0.0.1:1", "user_id": "@bot:zvh.example", "password": "x",
                   "pickle_key": "a-test-secret-0123456789"},
        "bot": {"screening_room": "!screening:zvh.example", "municipalities": ["Delft"],
                "coordinators": [PEOPLE["coordinator"], PEOPLE["procesregisseur"]],
                "referrers": ["gemeente.example"], "managers": [PEOPLE["manager"]],
                "privacy_officers": [PEOPLE["privacy_officer"]], "admins": [PEOPLE["admin"]]},
        "partners": [{"key": "politie", "name": "Politie", "contacts": [PEOPLE["casusregisseur"]]},
                     {"key": "ggz", "name": "GGZ", "contacts": [PEOPLE["partner"]]}],
    })


class Rollback(Exception):
    pass


@pytest.fixture
async def db():
    database = await Database.open(":memory:")
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) VALUES (?, ?, ?, ?, ?)",
                         (CASE_ID, PEOPLE["referrer"], '{"thema": "overlast"}', "escalated", "2026-11-01"))
        await cases.create(tx, CASE_ID, "overlast", "Delft", PEOPLE["procesregisseur"])
        await cases.set_room(tx, CASE_ID, "!case:zvh.example")
        await cases.set_lead(tx, CASE_ID, "case", PEOPLE["casusregisseur"])
        await cases.add_partner(tx, CASE_ID, "politie")
        await cases.add_partner(tx, CASE_ID, "ggz")
        await cases.add_member(tx, CASE_ID, PEOPLE["procesregisseur"], cases.PROCESREGISSEUR)
        await cases.add_member(tx, CASE_ID, PEOPLE["referrer"], cases.REFERRER)
        await cases.add_member(tx, CASE_ID, PEOPLE["casusregisseur"], cases.PARTNER, "politie")
        await cases.add_member(tx, CASE_ID, PEOPLE["partner"], cases.PARTNER, "ggz")
        await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) VALUES (?, ?, ?, ?, ?)",
                         (ARRANGEMENT_ID, PEOPLE["referrer"], '{"thema": "overlast"}', "aligned", "2026-11-01"))
        await cases.create(tx, ARRANGEMENT_ID, "overlast", "Delft", PEOPLE["procesregisseur"])
        await arrangements.begin(tx, ARRANGEMENT_ID, date(2026, 12, 21))
        await cases.set_room(tx, ARRANGEMENT_ID, "!arrangement:zvh.example")
        await cases.add_partner(tx, ARRANGEMENT_ID, "ggz")
        for member in await cases.members(tx, CASE_ID):
            await cases.add_member(tx, ARRANGEMENT_ID, member.user_id, member.role, member.org_key)
    yield database
    await database.close()


async def outcome(db: Database, cfg: Config, person: str, kind: RoomKind, body: str) -> CommandError | None:
    """Run one command and undo whatever it did; the refusal (or None when it was let through)."""
    try:
        async with db.transaction() as tx:
            case = await cases.get(tx, {CASE: CASE_ID, ARRANGEMENT: ARRANGEMENT_ID}[kind]) \
                if kind in (CASE, ARRANGEMENT) else None
            room = {DM: "!dm", SCREENING: cfg.bot.screening_room, CASE: "!case:zvh.example",
                    ARRANGEMENT: "!arrangement:zvh.example", CONSULTATION: "!desk:zvh.example", OTHER: "!x",
                    MANAGEMENT: "!management:zvh.example"}[kind]
            ctx = Context(tx=tx, config=cfg, sender=PEOPLE[person], room_id=room, room_kind=kind, lang="nl",
                          event_id="$e", now=datetime(2026, 11, 23, 10, tzinfo=cfg.tz), case=case)
            try:
                await dispatch(ctx, body)
                refused = None
            except CommandError as exc:
                refused = exc if exc.msg.key in REFUSALS else None
            raise Rollback
    except Rollback:
        return refused


# Forms that need more than their command's role: (command, sample arguments) -> {room kind: who may}.
FORM_ROLES = {
    ("partner", "toevoegen @nieuw:ggz.example"): {CASE: {"procesregisseur"}, ARRANGEMENT: {"procesregisseur"}},
    ("partner", "verwijderen ggz"): {CASE: {"procesregisseur"}, ARRANGEMENT: {"procesregisseur"}},
    ("plan", "vaststellen"): {CASE: {"procesregisseur"}},
    ("plan", "herzien"): {CASE: {"procesregisseur", "casusregisseur"}},
    ("kaart", "wijzig ggz doelgroep volwassenen"): {DM: {"admin"}, SCREENING: {"admin"}},
    ("afstemmen", "verlengen"): {ARRANGEMENT: {"procesregisseur"}},
}


def test_every_command_is_in_the_table():
    assert {c.key for c in REGISTRY} == set(EXPECTED)


def test_every_form_with_a_role_of_its_own_is_in_the_table():
    declared = {(c.key, id(f)) for c in REGISTRY for f in c.forms if f.role is not None}
    listed = {(key, id(lookup(key).choose(sample))) for key, sample in FORM_ROLES}
    assert declared == listed


async def test_every_form_with_a_role_for_every_role_in_every_room(db, tmp_path):
    cfg = config(tmp_path)
    wrong = []
    for (key, sample), allowed in FORM_ROLES.items():
        for kind in RoomKind:
            for person in PEOPLE:
                refused = await outcome(db, cfg, person, kind, f"!{key} {sample}")
                expected = person in allowed.get(kind, set())
                if expected != (refused is None):
                    wrong.append(f"!{key} {sample} by {person} in {kind.value}: {'refused' if refused else 'allowed'}")
    assert not wrong, "\n".join(wrong)


async def test_every_command_for_every_role_in_every_room(db, tmp_path):
    cfg = config(tmp_path)
    wrong = []
    for key, (sample, allowed) in EXPECTED.items():
        for kind in RoomKind:
            for person in PEOPLE:
                refused = await outcome(db, cfg, person, kind, f"!{key} {sample}".strip())
                expected = person in allowed.get(kind, set())
                if expected != (refused is None):
                    got, want = ("refused", "allowed") if refused else ("allowed", "refused")
                    wrong.append(f"!{key} by {person} in {kind.value}: {got}, expected {want}")
                if refused is not None:
                    text, _ = render(refused.msg, "nl")
                    assert ("mag dit commando hier niet" in text or "werkt alleen in" in text), text
    assert not wrong, "\n".join(wrong)
