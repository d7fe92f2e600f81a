"""Action items end to end: create, list, done, reassign, postpone, drop; who may; the history kept."""
import sqlite3

import pytest

from tests.harness import open_case


def history(world) -> list[tuple]:
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        return db.execute("SELECT number, actor, change, detail FROM action_history ORDER BY id").fetchall()


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
    assert short.ok and "#3" in short.body and "geen deadline" in short.body

    # Bad input: a clear message, the usage line, nothing created.
    for bad, says in ((f"!actie {world.ids['buiten']} Iets doen", "neemt niet deel"),
                      ("!actie om Iets doen", "geen partner in deze casus"),
                      ("!actie politie Iets doen voor 31 fbr", "niet als datum"),
                      ("!actie politie Iets doen voor 2026-11-01", "in het verleden"),
                      ("!actie 9 klaar", "geldige keuze"),
                      ("!actie", "Gebruik")):
        answer = await coordinator.command(room, bad)
        assert answer.reaction == "❌" and says in answer.body and "Gebruik" in answer.body, (bad, answer.body)
    listed = await melder.command(room, "!acties")
    assert listed.ok and all(f"#{n}" in listed.body for n in (1, 2, 3)) and "#4" not in listed.body
    assert listed.body.index("#1") < listed.body.index("#2") < listed.body.index("#3")  # by due date, none last

    postponed = await politie.command(room, "!actie 1 uitstellen 11 dec wacht op rapport van de corporatie")
    assert postponed.ok and "vr 11 december 2026" in postponed.body and "wacht op rapport" in postponed.body
    reassigned = await ggz.command(room, "!actie 2 overdragen politie")
    assert reassigned.ok and reassigned.content["m.mentions"] == {"user_ids": [pid]}
    refused = await melder.command(room, "!klaar 1")
    assert refused.reaction == "❌" and "eigenaar" in refused.body
    done = await politie.command(room, "!klaar #1 Geregeld met de corporatie")
    assert done.ok and "gedaan" in done.body
    again = await politie.command(room, "!klaar 1")
    assert again.reaction == "❌" and "al afgesloten" in again.body
    dropped = await coordinator.command(room, "!actie 2 vervalt Niet meer nodig na het overleg")
    assert dropped.ok and "Niet meer nodig" in dropped.body

    mine = await politie.command(room, "!acties mijn")
    assert "#3" in mine.body and "#1" not in mine.body
    everything = await coordinator.command(room, "!actions all")
    assert "gedaan" in everything.body and "vervallen" in everything.body
    card = await melder.command(room, "!casus")
    assert "Open acties: 1" in card.body

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
    assert created.ok and "due Wed 2 December 2026" in created.body
    refused = await politie.command(room, f"!lead case {world.ids['politie']}")
    assert refused.reaction == "❌" and "procesregisseur" in refused.body
    named = await coordinator.command(room, f"!regie casus {world.ids['politie']}")
    assert named.ok and world.ids["politie"] in named.body
    assert f"Casusregisseur: {world.ids['politie']}" in (await coordinator.command(room, "!casus")).body
