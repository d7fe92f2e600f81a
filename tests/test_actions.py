"""Action items end to end: create, list, done, reassign, postpone, drop; who may; the history kept."""
import re
import sqlite3

import pytest

from core.render import catalogue
from tests.harness import Answer, open_case


def history(world) -> list[tuple]:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT number, actor, change, detail FROM action_history ORDER BY id").fetchall()


def due_date(world, number: int) -> str | None:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT due_date FROM actions WHERE number = ?", (number,)).fetchone()[0]


def word(key: str, lang: str = "nl") -> str:
    """A word the bot fills in (a status, a role), as the catalogue has it: the test does not pin its wording."""
    return catalogue(lang)[key]


def card_shows(card: Answer, field: str, value: str) -> bool:
    """The case card shows `value` on the line of `field`, its label read from the catalogue (wording may change)."""
    label = re.search(r"<li>([^<{]*)\{\{ *" + re.escape(field), catalogue("nl")["case.card"]).group(1)
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


@pytest.mark.clock("2026-12-01T10:00:00")
async def test_english_user_and_lead_commands(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await politie.command(room, "!language en")).ok
    created = await politie.command(room, f"!action {world.ids['politie']} Call the landlord by tomorrow")
    assert created.ok and created.says("action.created") and "Wed 2 December 2026" in created.body  # English date
    refused = await politie.command(room, f"!lead case {world.ids['politie']}")
    assert refused.failed and refused.says("error.not_allowed")
    assert word("word.role.procesregisseur", "en") in refused.body  # for whom the command is
    named = await coordinator.command(room, f"!regie casus {world.ids['politie']}")
    assert named.ok and named.says("lead.set") and world.ids["politie"] in named.body
    assert card_shows(await coordinator.command(room, "!casus"), "case.casusregisseur", world.ids["politie"])
