"""The one shared plan, end to end: goals and interventions, agreement per organisation for the current version,
adoption by the procesregisseur: archived unchangeable with its SHA-256, posted and pinned."""
import hashlib
import re
import sqlite3

import pytest

from core.render import catalogue
from tests.harness import Answer, archival_pdf, download, notifications, open_case, state_of


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
    assert files[0]["content"]["body"] == f"plan-{number}-v3.pdf" and files[0]["content"]["info"]["mimetype"] == (
        "application/pdf")
    content = await download(coordinator, files[0]["content"])
    assert hashlib.sha256(content).hexdigest() == digest  # what the room holds is what was archived
    pdf = archival_pdf(content)
    assert pdf.pdfa == ("3", "B")  # PDF/A-3b, declared in its XMP metadata
    for part in (number, "Zorg- en Veiligheidshuis", "Versie 3", "Stabiele woonplek binnen 3 maanden",
                 "Ambulante begeleiding 2x per week", "GGZ Delfland", "ma 1 maart 2027", world.ids["politie"]):
        assert part in pdf.text, (part, pdf.text)
    # Goals per life domain, each with its interventions per track and the responsible partner (read from the
    # source, where the document's structure shows).
    assert re.search(r"<h3>Huisvesting</h3>\s*<section class=\"goal\"><h4>Doel 1: Stabiele woonplek.*?<td>zorg</td>"
                     r"<td>Ambulante begeleiding 2x per week.*?<td>GGZ Delfland</td>", pdf.source, re.S), pdf.source
    assert pdf.source.count("<tr><td>") == 1 + 3  # one intervention; three organisations agreed, each with a row
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


async def test_plan_as_people_type_it_domains_in_words_short_forms_and_goals_at_the_end(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    politie, ggz = [await world.user(n) for n in ("politie", "ggz")]
    two_words = await politie.command(room, "!plan doel Geestelijke Gezondheid Rust en een vaste behandelaar")
    assert two_words.ok and re.search(r"#1\b.*geestelijke gezondheid: Rust en een vaste behandelaar", two_words.body)
    for typed, shown in (("ggz", "geestelijke gezondheid"), ("schulden", "financiën"), ("wonen", "huisvesting"),
                         ("werk en opleiding", "werk & opleiding")):
        answer = await politie.command(room, f"!plan doel {typed} Voor {typed}")
        assert answer.ok and f"{shown}: Voor {typed}" in answer.body, answer.body
    typo = await politie.command(room, "!plan doel geestelijke gezondhied Iets")
    assert typo.failed and typo.says("plan.bad_domain") and "geestelijke gezondhied" in typo.body
    assert "Bedoelt u geestelijke gezondheid?" in typo.body and "<leefgebied>" in typo.body  # suggestion, usage
    assert (await ggz.command(room, "!taal en")).ok
    english = await ggz.command(room, "!plan goal mental health Weekly contact")  # English names understood;
    assert english.ok and "geestelijke gezondheid: Weekly contact" in english.body  # the room reads Dutch

    linked = await ggz.command(room, "!plan intervention care ggz Ambulant treatment goal 1")
    assert linked.ok and "Ambulant treatment (doel #1)" in linked.body and not linked.says("plan.read_as_goal")
    bare = await politie.command(room, "!plan interventie zorg ggz ggz behandeling 2")
    assert bare.ok and bare.says("plan.read_as_goal") and "ggz behandeling (doel #2)" in bare.body
    asked = await politie.command(room, "!plan interventie straf politie Taakstraf 40")
    assert asked.failed and asked.says("plan.bare_number") and "[doel #]" in asked.body, asked.body
    missing = await politie.command(room, "!plan interventie straf politie Taakstraf doel 40")
    assert missing.failed and missing.says("plan.no_such_goal") and "[doel #]" in missing.body
    shown = await politie.command(room, "!plan")
    assert shows(shown, "plan.show", "plan.version", 8) and "Taakstraf" not in shown.body  # nothing stored
    usage = await politie.command(room, "!plan interventie")
    assert usage.failed and "<tekst> [doel #]" in usage.body, usage.body


async def test_draft_items_changed_and_removed_withdraw_agreements_and_an_adopted_plan_is_revised(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    no_plan = await politie.command(room, "!casus")
    assert no_plan.says("plan.status.none")
    assert (await politie.command(room, "!plan doel huisvesting Stabiele woonplek")).ok
    assert (await ggz.command(room, "!plan interventie zorg ggz Begeleiding 2x per week doel 1")).ok
    draft = await politie.command(room, "!casus")
    assert draft.says("plan.status.draft") and not draft.says("plan.status.none") and re.search(r"\b2\b", draft.body)
    assert (await politie.command(room, "!plan akkoord")).ok
    assert (await ggz.command(room, "!plan akkoord")).ok

    changed = await coordinator.command(room, "!plan wijzig 2 Begeleiding 3x per week")
    assert changed.ok and changed.says("plan.item_changed") and changed.says("plan.agreements_withdrawn")
    assert "Politie Haaglanden" in changed.body and "GGZ Delfland" in changed.body
    assert changed.content["msgtype"] == "m.text"  # it asks them to agree again: it rings them
    assert set(changed.content["m.mentions"]["user_ids"]) == {world.ids["politie"], world.ids["ggz"]}
    withdrawal = await politie.wait_said(room, "plan.agreements_withdrawn", world.bot_id)
    for name in ("politie", "ggz", "coordinator"):  # the homeserver rings exactly those whose agreement went
        found = notifications(world, name).get(withdrawal["event_id"])
        assert bool(found and found["highlight"]) == (name != "coordinator"), name
    assert shows(changed, "plan.show", "plan.version", 3) and "Begeleiding 3x per week (doel #1)" in changed.body
    assert (await politie.command(room, "!plan doel financiën Budgetbeheer")).ok  # goal #3, version 4
    relinked = await politie.command(room, "!plan wijzig 2 doel 3")  # only the goal it serves
    assert relinked.ok and "Begeleiding 3x per week (doel #3)" in relinked.body
    assert (await politie.command(room, "!plan weg 3")).failed  # goal #3 is served by intervention #2
    assert (await politie.command(room, "!plan wijzig 2 Begeleiding 3x per week doel 1")).ok  # version 6
    assert "✅" not in changed.body  # nobody's agreement counts for version 3

    in_use = await politie.command(room, "!plan weg 1")
    assert in_use.failed and in_use.says("plan.goal_in_use") and "#2" in in_use.body
    unknown = await politie.command(room, "!plan weg 9")
    assert unknown.failed and unknown.says("plan.no_such_item")
    assert (await ggz.command(room, "!taal en")).ok
    removed = await ggz.command(room, "!plan remove 2")
    assert removed.ok and removed.says("plan.item_removed") and not removed.says("plan.agreements_withdrawn")
    assert removed.content["msgtype"] == "m.notice" and "Begeleiding" not in removed.body
    assert re.search(r"\b7\n", removed.body)  # version 7 (in English: shows() reads the Dutch catalogue)
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        audited = [row[0] for row in db.execute("SELECT action FROM audit_log WHERE case_id = ?", (number,))]
    assert audited.count("plan.item_changed") == 3 and audited.count("plan.item_removed") == 1

    for user in (politie, ggz, coordinator):
        assert (await user.command(room, "!plan akkoord")).ok
    adopted = await coordinator.command(room, "!plan vaststellen")
    assert adopted.ok
    digest = re.search(r"\b[0-9a-f]{64}\b", adopted.body).group(0)
    card = await politie.command(room, "!casus")
    assert card.says("plan.status.adopted") and re.search(r"\b7\b", card.body)
    frozen = await politie.command(room, "!plan wijzig 1 Andere woonplek")
    assert frozen.failed and frozen.says("plan.adopted_unchangeable")
    refused = await politie.command(room, "!plan herzien")
    assert refused.failed and refused.says("error.not_allowed")
    assert (await coordinator.command(room, f"!regie casus {world.ids['politie']}")).ok
    revised = await politie.command(room, "!plan herzien")
    assert revised.ok and revised.says("plan.revised") and shows(revised, "plan.show", "plan.version", 8)
    assert "Stabiele woonplek" in revised.body  # copied from the adopted version
    again = await coordinator.command(room, "!plan herzien")
    assert again.failed and again.says("plan.draft_open")
    card = await politie.command(room, "!casus")
    assert card.says("plan.status.revising") and re.search(r"\b8\b", card.body) and re.search(r"\b7\b", card.body)
    assert (await politie.command(room, "!plan wijzig 1 Andere woonplek")).ok
    archive = await politie.command(room, "!archief")  # the adopted version stays as it was archived
    assert archive.body.count("SHA-256") == 1 and digest in archive.body
