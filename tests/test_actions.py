"""Action items end to end: create, list, done, reassign, postpone, drop; who may; the history kept."""
import re
import sqlite3

import pytest

from core.messages import Msg
from core.render import catalogue, render
from core.vocabulary import CLOSE_REASONS
from tests.harness import Answer, close_case, open_case


def history(world) -> list[tuple]:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT number, actor, change, detail FROM action_history ORDER BY id").fetchall()


def due_date(world, number: int) -> str | None:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT due_date FROM actions WHERE number = ?", (number,)).fetchone()[0]


def word(key: str, lang: str = "nl") -> str:
    """A word the bot fills in (a status, a role), as the catalogue has it: the test does not pin its wording."""
    return catalogue(lang)[key]


def rendered(key: str, lang: str, /, **params) -> str:
    """A message's HTML in one language, as the catalogue words it: tells which language the bot used."""
    return render(Msg.of(key, **params), lang)[1]


def card_shows(card: Answer, field: str, value: str) -> bool:
    """The case card shows `value` on the line of `field`, its label read from the catalogue (wording may change)."""
    label = re.search(r"<li>([^<{]*)(?:\{%[^%]*%\})?\{\{ *" + re.escape(field), catalogue("nl")["case.card"]).group(1)
    return card.says("case.card") and f"{label}{value}" in card.body


@pytest.mark.clock("2026-12-01T10:00:00")  # a Tuesday
async def test_action_lifecycle_in_a_case_room(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz", "melder"))
    coordinator, politie, ggz, melder = [await world.user(n) for n in ("coordinator", "politie", "ggz", "melder")]
    pid, gid = world.ids["politie"], world.ids["ggz"]

    first = await coordinator.command(room, f"!actie {pid} Woonsituatie <i>uitzoeken</i> voor vrijdag")
    assert first.ok, first.body
    assert "#1" in first.body and "vr 4 december 2026" in first.body and pid in first.body
    assert first.content["m.mentions"] == {"user_ids": [pid]}
    assert "&lt;i&gt;uitzoeken&lt;/i&gt;" in first.html  # what users type is escaped

    second = await coordinator.command(room, "!actie ggz Intake plannen voor 15 dec")
    assert second.ok and "#2" in second.body and "di 15 december 2026" in second.body
    assert second.content["m.mentions"] == {"user_ids": [gid]}  # an organisation: its people in the case
    short = await politie.command(room, f"!actie @{pid[1:].split(':')[0]} Buurt bellen")  # "@name" of a member
    assert short.ok and short.says("action.created") and "#3" in short.body and due_date(world, 3) is None

    # Bad input: a clear message, the usage line (the command's syntax, inside error.failed), nothing created.
    for bad, says in ((f"!actie {world.ids['buiten']} Iets doen", "lead.not_member"),
                      ("!actie om Iets doen", "action.org_not_partner"),
                      ("!actie politie Iets doen voor 31 fbr", "date.unreadable"),
                      ("!actie politie Iets doen voor 2026-11-01", "date.past"),
                      ("!actie 9 klaar", "error.bad_choice"),
                      ("!actie", "error.missing_argument")):
        answer = await coordinator.command(room, bad)
        assert answer.failed and answer.says("error.failed") and answer.says(says), (bad, answer.keys)
        assert "!actie <" in answer.body, answer.body
    listed = await melder.command(room, "!acties")
    assert listed.ok and all(f"#{n}" in listed.body for n in (1, 2, 3)) and "#4" not in listed.body
    assert listed.body.index("#1") < listed.body.index("#2") < listed.body.index("#3")  # by due date, none last

    postponed = await politie.command(room, "!actie 1 uitstellen 11 dec wacht op rapport van de corporatie")
    assert postponed.ok and "vr 11 december 2026" in postponed.body and "wacht op rapport" in postponed.body
    reassigned = await ggz.command(room, "!actie 2 overdragen politie")
    assert reassigned.ok and reassigned.content["m.mentions"] == {"user_ids": [pid]}
    refused = await melder.command(room, "!klaar 1")
    assert refused.failed and refused.says("action.not_allowed")
    done = await politie.command(room, "!klaar #1 Geregeld met de corporatie")
    assert done.ok and done.says("action.done")
    again = await politie.command(room, "!klaar 1")
    assert again.failed and again.says("action.not_open")
    dropped = await coordinator.command(room, "!actie 2 vervalt Niet meer nodig na het overleg")
    assert dropped.ok and "Niet meer nodig" in dropped.body

    mine = await politie.command(room, "!acties mijn")
    assert "#3" in mine.body and "#1" not in mine.body
    everything = await coordinator.command(room, "!actions all")
    line = {n: next(item for item in everything.body.splitlines() if f"#{n} " in item) for n in (1, 2)}
    assert word("word.status.done") in line[1] and word("word.status.dropped") in line[2]
    card = await melder.command(room, "!casus")
    assert card_shows(card, "open_actions", "1")

    changes = [(n, actor, change) for n, actor, change, _ in history(world)]
    assert (1, pid, "postponed") in changes and (2, gid, "reassigned") in changes
    assert (1, pid, "done") in changes and (2, world.ids["coordinator"], "dropped") in changes
    postponement = next(d for n, _, c, d in history(world) if c == "postponed")
    assert '"old":"2026-12-04"' in postponement and "wacht op rapport" in postponement


@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_actions_as_people_type_them(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator = await world.user("coordinator")
    pid = world.ids["politie"]

    # A deadline with nothing to do before it is questioned, never taken for the action's text.
    for bad, value in (("!actie politie voor vrijdag", "vrijdag"), ("!actie politie morgen", "morgen")):
        answer = await coordinator.command(room, bad)
        assert answer.failed and answer.says("action.due_without_text"), (bad, answer.keys)
        assert "!actie <" in answer.body and value in answer.body, answer.body  # the usage line and an example
    assert (await coordinator.command(room, "!acties")).says("action.list") and due_date_count(world) == 0

    report = await coordinator.command(room, "!actie politie Rapport voor vrijdag")
    assert report.ok and "vr 4 december 2026" in report.body and due_date(world, 1) == "2026-12-04"
    assert "Politie Haaglanden" in report.body and pid in report.body  # the organisation by name, and its people
    text = await coordinator.command(room, "!actie politie Rapport voor de zitting")
    assert text.ok and "Rapport voor de zitting" in text.body and due_date(world, 2) is None
    stressed = await coordinator.command(room, "!actie politie Verslag vóór 3 dec")
    assert stressed.ok and due_date(world, 3) == "2026-12-03"

    # A weekend or holiday deadline moves to the working day before, and the answer says so.
    weekend = await coordinator.command(room, "!actie politie Huisbezoek voor zaterdag")
    assert weekend.ok and due_date(world, 4) == "2026-12-04"
    moved = re.search(r"\}\}(.*?)\)", catalogue("nl")["snippet.moved"]).group(1).strip()  # "is no working day"
    assert "vr 4 december 2026" in weekend.body and f"za 5 december 2026 {moved}" in weekend.body
    holiday = await coordinator.command(room, "!actie 1 uitstellen 25 dec wacht op de corporatie")
    assert holiday.ok and due_date(world, 1) == "2026-12-24"
    assert "do 24 december 2026" in holiday.body and "vr 25 december 2026" in holiday.body
    plain_day = await coordinator.command(room, "!actie 3 uitstellen 10 dec")
    assert plain_day.ok and moved not in plain_day.body and due_date(world, 3) == "2026-12-10"


def due_date_count(world) -> int:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT COUNT(*) FROM actions").fetchone()[0]


@pytest.mark.clock("2026-12-01T10:00:00")
async def test_a_case_room_speaks_the_regions_language_whoever_asks(world):
    """One user's `!taal en` changes what they get personally (their direct chat), never what a case room reads."""
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    pid = world.ids["politie"]
    cdm = await coordinator.dm(world.bot_id)
    switched = await politie.command(room, "!language en")  # in the room: answered in the room's language
    assert switched.ok and switched.html == rendered("language.set", "nl", lang="en", shared=True)
    assert (await coordinator.command(cdm, "!taal en")).html == rendered("language.set", "en", lang="en",
                                                                         shared=False)

    created = await politie.command(room, f"!action {pid} Call the landlord by tomorrow")
    assert created.ok and created.says("action.created") and "wo 2 december 2026" in created.body  # Dutch date
    refused = await politie.command(room, f"!lead case {pid}")
    assert refused.failed and refused.says("error.not_allowed") and "!regie casus|proces" in refused.body  # Dutch usage
    named = await coordinator.command(room, f"!regie casus {pid}")
    assert named.ok and named.html == rendered("lead.set", "nl", kind="case", user=pid)
    assert card_shows(await coordinator.command(room, "!casus"), "case.casusregisseur", pid)

    mine = await coordinator.command(room, "!mijn")  # personal: the overview goes to the DM, in English
    assert mine.html == rendered("mine.sent_to_dm", "nl")
    overview = await coordinator.wait_said(cdm, "mine.list", world.bot_id)
    assert overview["content"]["formatted_body"] == rendered("mine.list", "en", items=[], meetings=[], evaluations=[])
    closed = await close_case(coordinator, room, "doelen bereikt")  # the coordinator reads English elsewhere
    assert closed.ok and closed.says("case.closed")
    assert CLOSE_REASONS["goals_met"]["nl"] in closed.body and CLOSE_REASONS["goals_met"]["en"] not in closed.body
