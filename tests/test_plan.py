"""The one shared plan, end to end: goals and interventions, agreement per organisation for the current version,
adoption by the procesregisseur: archived unchangeable with its SHA-256, posted and pinned."""
import hashlib
import sqlite3

import pytest

from tests.harness import download, open_case, state_of


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_plan_agreed_adopted_archived_and_pinned(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    assert "nog geen" in (await politie.command(room, "!plan")).body
    goal = await politie.command(room, "!plan doel huisvesting Stabiele woonplek binnen 3 maanden")
    assert goal.ok and "#1 huisvesting: Stabiele woonplek" in goal.body
    bad = await politie.command(room, "!plan doel maanreizen Iets")
    assert bad.reaction == "❌" and "geen leefgebied" in bad.body
    step = await ggz.command(room, "!plan interventie zorg ggz Ambulante begeleiding 2x per week doel #1")
    assert step.ok and "(doel #1)" in step.body
    assert (await coordinator.command(room, "!plan evaluatie 1 maart 2027")).ok

    assert (await politie.command(room, "!plan akkoord")).ok
    early = await coordinator.command(room, "!plan vaststellen")
    assert early.reaction == "❌" and "ggz" in early.body and "zvh" in early.body
    refused = await politie.command(room, "!plan vaststellen")
    assert refused.reaction == "❌" and "procesregisseur" in refused.body
    assert (await ggz.command(room, "!plan akkoord")).ok
    assert (await coordinator.command(room, "!plan akkoord")).ok
    adopted = await coordinator.command(room, "!plan vaststellen")
    assert adopted.ok and "versie 3" in adopted.body  # goal, intervention, review date: three versions
    digest = adopted.body.split("SHA-256 ")[1].split(")")[0].strip()

    files = await coordinator.wait_for(lambda: [e for e in coordinator.events.get(room, [])
                                                if e["content"].get("msgtype") == "m.file"], what="plan document")
    content = await download(coordinator, files[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest
    assert b"Stabiele woonplek" in content and b"Ambulante begeleiding" in content
    await coordinator.wait_for(lambda: files[0]["event_id"] in state_of(world, world.tokens["coordinator"], room).get(
        ("m.room.pinned_events", ""), {}).get("pinned", []), what="pinned")
    archive = await politie.command(room, "!archief")
    assert digest in archive.body and "versie 3" in archive.body

    with sqlite3.connect(world.workdir / "zvh.db") as db:  # the archive refuses to be changed
        for statement in ("UPDATE archive SET content = x'00'", "DELETE FROM archive"):
            with pytest.raises(sqlite3.IntegrityError):
                db.execute(statement)
    changed = await politie.command(room, "!plan doel tijdsbesteding Dagbesteding vinden")
    assert changed.ok and "versie 4" in changed.body and "vastgesteld: versie 3" in changed.body
