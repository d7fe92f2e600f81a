"""The one shared plan, end to end: goals and interventions, agreement per organisation for the current version,
adoption by the procesregisseur: archived unchangeable with its SHA-256, posted and pinned."""
import hashlib
import re
import sqlite3

import pytest

from core.render import catalogue
from tests.harness import Answer, download, open_case, state_of


def shows(answer: Answer, key: str, field: str, value: object) -> bool:
    """The answer, from catalogue message `key`, shows `value` as `field`, after the words the catalogue puts before
    it (read from the catalogue: the wording may change)."""
    template = re.sub(r"<[^>]+>", "", catalogue("nl")[key])
    label = re.search(r"([^{}]*)\{\{ *" + re.escape(field), template).group(1)
    return answer.says(key) and f"{label}{value}" in answer.body


def role(key: str) -> str:
    """How the catalogue names a role (for whom a command is), whatever its wording."""
    return catalogue("nl")[f"word.role.{key}"]


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_plan_agreed_adopted_archived_and_pinned(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    empty = await politie.command(room, "!plan")
    assert empty.says("plan.show") and not re.search(r"#\d", empty.body)  # no goals or interventions yet
    goal = await politie.command(room, "!plan doel huisvesting Stabiele woonplek binnen 3 maanden")
    assert goal.ok and goal.says("plan.show") and re.search(r"#1\b.*huisvesting.*Stabiele woonplek", goal.body)
    bad = await politie.command(room, "!plan doel maanreizen Iets")
    assert bad.failed and bad.says("plan.bad_domain"), bad.keys
    step = await ggz.command(room, "!plan interventie zorg ggz Ambulante begeleiding 2x per week doel #1")
    assert step.ok and shows(step, "plan.show", "i.goal", 1)  # for goal #1
    assert (await coordinator.command(room, "!plan evaluatie 1 maart 2027")).ok

    assert (await politie.command(room, "!plan akkoord")).ok
    early = await coordinator.command(room, "!plan vaststellen")
    assert early.failed and early.says("plan.missing_agreement") and "ggz" in early.body and "zvh" in early.body
    refused = await politie.command(room, "!plan vaststellen")
    assert refused.failed and refused.says("error.not_allowed") and role("procesregisseur") in refused.body
    assert (await ggz.command(room, "!plan akkoord")).ok
    assert (await coordinator.command(room, "!plan akkoord")).ok
    adopted = await coordinator.command(room, "!plan vaststellen")
    # Goal, intervention, review date: three versions.
    assert adopted.ok and adopted.says("plan.adopted") and re.search(r"\b3\b", adopted.body)
    digest = re.search(r"\b[0-9a-f]{64}\b", adopted.body).group(0)

    files = await coordinator.wait_for(lambda: [e for e in coordinator.events.get(room, [])
                                                if e["content"].get("msgtype") == "m.file"], what="plan document")
    content = await download(coordinator, files[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest
    assert b"Stabiele woonplek" in content and b"Ambulante begeleiding" in content
    await coordinator.wait_for(lambda: files[0]["event_id"] in state_of(world, world.tokens["coordinator"], room).get(
        ("m.room.pinned_events", ""), {}).get("pinned", []), what="pinned")
    archive = await politie.command(room, "!archief")
    assert archive.says("plan.archive") and digest in archive.body and re.search(r"\b3\b", archive.body)

    with sqlite3.connect(world.workdir / "zvh.db") as db:  # the archive refuses to be changed
        for statement in ("UPDATE archive SET content = x'00'", "DELETE FROM archive"):
            with pytest.raises(sqlite3.IntegrityError):
                db.execute(statement)
    changed = await politie.command(room, "!plan doel tijdsbesteding Dagbesteding vinden")
    assert changed.ok and shows(changed, "plan.show", "plan.version", 4)
    assert shows(changed, "plan.show", "plan.adopted_version", 3)
