"""Self-reliance (ZRM) and the plan's evaluation, end to end (issue 13): scores per life domain recorded at the
start and after adoption, shown side by side and carried into the final report; bad scores and domains refused;
the evaluation date reminded to exactly the two directors on the right working day, once, and on their `!mijn`."""
import asyncio
import re
import sqlite3

import pytest

from core.render import catalogue
from tests.harness import archival_pdf, download, local, notifications, open_case, plain


def moment(key: str) -> str:
    return catalogue("nl")[f"word.zrm_moment.{key}"]


def line_of(body: str, domain: str) -> str:
    return next(line for line in plain(body).split("\n") if line.startswith(f"• {domain}:"))


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_zrm_at_the_start_and_after_adoption_side_by_side_and_in_the_final_report(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    start = await politie.command(room, "!zrm wonen 2")
    assert start.ok and start.says("zrm.recorded") and start.says("zrm.show"), start.keys
    assert moment("start") in start.body.split("\n")[0]
    assert (await politie.command(room, "!zrm Geestelijke Gezondheid 3")).ok

    too_high = await politie.command(room, "!zrm wonen 7")
    assert too_high.failed and too_high.says("zrm.bad_score") and "<leefgebied> <1-5>" in too_high.body
    typo = await politie.command(room, "!zrm huisvestign 2")
    assert typo.failed and typo.says("plan.bad_domain") and "Bedoelt u huisvesting?" in typo.body
    no_score = await politie.command(room, "!zrm wonen")
    assert no_score.failed and no_score.says("error.missing_argument") and "<1-5>" in no_score.body

    assert (await politie.command(room, "!plan doel wonen Stabiele woonplek")).ok
    assert (await coordinator.command(room, "!plan evaluatie 1 maart 2027")).ok
    for user in (politie, coordinator):
        assert (await user.command(room, "!plan akkoord")).ok
    assert (await coordinator.command(room, "!plan vaststellen")).ok
    review = await politie.command(room, "!zrm huisvesting 3")  # after adoption: the evaluation's
    assert review.ok and moment("evaluation") in review.body.split("\n")[0] and "ma 1 maart 2027" in review.body
    assert (await politie.command(room, "!taal en")).ok
    closing = await politie.command(room, "!ssm housing 4 closure")
    assert closing.ok and closing.says("zrm.recorded")

    shown = await coordinator.command(room, "!zrm")
    assert shown.ok and shown.says("zrm.show")
    assert re.fullmatch(r"• huisvesting: 2 → 3 → 4", line_of(shown.body, "huisvesting"))  # start, evaluation, end
    assert re.fullmatch(r"• geestelijke gezondheid: 3 → – → –", line_of(shown.body, "geestelijke gezondheid"))
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        audited = [row[0] for row in db.execute("SELECT action FROM audit_log WHERE case_id = ?", (number,))]
        stored = db.execute("SELECT scored_by FROM zrm_scores WHERE case_id = ?", (number,)).fetchall()
    assert audited.count("zrm.scored") == 4 and {row[0] for row in stored} == {world.ids["politie"]}

    asked = await coordinator.command(room, "!afsluiten doelen bereikt")
    assert asked.says("case.close_confirm") and not asked.says("case.close_zrm_missing")  # closure scores given
    closed = await coordinator.command(room, "ja")
    assert closed.ok and closed.says("case.closed")
    report = await coordinator.wait_for(lambda: [e for e in coordinator.events.get(room, [])
                                                 if e["content"].get("msgtype") == "m.file"
                                                 and e["content"]["body"].startswith("eindverslag")],
                                        what="final report")
    content = archival_pdf(await download(coordinator, report[0]["content"])).source  # the HTML it was made from
    assert "<td>huisvesting</td><td>2</td><td>4</td>" in content  # the start and the end
    assert "<td>geestelijke gezondheid</td><td>3</td><td>3</td>" in content


@pytest.mark.parametrize("world", [{"reminders": {"evaluation_working_days_before": 5}}], indirect=True)
@pytest.mark.clock("2026-11-30T10:00:00")  # a Monday
async def test_the_evaluation_is_reminded_to_both_directors_on_the_right_working_day_once(world):
    number, room = await open_case(world, "politie", "ggz", members=("politie", "ggz"))
    coordinator, politie, ggz = [await world.user(n) for n in ("coordinator", "politie", "ggz")]
    assert (await coordinator.command(room, f"!regie casus {world.ids['politie']}")).ok
    assert (await coordinator.command(room, "!plan evaluatie 10 december 2026")).ok  # would remind on 3 Dec
    assert (await politie.command(room, "!plan evaluatie 14 december 2026")).ok  # replaces it: 7 Dec, 09:00

    pdm = await politie.dm(world.bot_id)
    assert (await politie.command(room, "!mijn")).ok
    mine = plain((await politie.wait_said(pdm, "mine.list", world.bot_id))["content"]["body"])
    assert re.search(rf"{number}\b.*ma 14 december 2026", mine)  # one line: the case and its evaluation
    gdm = await ggz.dm(world.bot_id)
    assert (await ggz.command(room, "!mijn")).ok
    assert number not in plain((await ggz.wait_said(gdm, "mine.list", world.bot_id))["content"]["body"])

    world.travel(local("2026-12-04T09:00:05"))  # the old date's moment has passed: nothing
    await asyncio.sleep(2.0)
    assert not politie.said(room, "plan.evaluation_due", world.bot_id)
    world.travel(local("2026-12-07T08:59:58"))  # five working days before the 14th
    due = await politie.wait_said(room, "plan.evaluation_due", world.bot_id, "14 december 2026")
    assert due["content"]["msgtype"] == "m.text"
    assert set(due["content"]["m.mentions"]["user_ids"]) == {world.ids["coordinator"], world.ids["politie"]}
    for name in ("coordinator", "politie", "ggz"):  # the homeserver rings exactly the two directors
        found = notifications(world, name).get(due["event_id"])
        assert bool(found and found["highlight"]) == (name != "ggz"), name
    world.travel(local("2026-12-14T09:00:05"))
    await asyncio.sleep(2.0)
    assert len(politie.said(room, "plan.evaluation_due", world.bot_id)) == 1  # once


@pytest.mark.clock("2026-11-30T10:00:00")
async def test_a_closed_case_gets_no_evaluation_reminder(world):
    number, room = await open_case(world, "politie", members=("politie",))
    coordinator, politie = await world.user("coordinator"), await world.user("politie")
    assert (await coordinator.command(room, "!plan evaluatie 14 december 2026")).ok
    asked = await coordinator.command(room, "!afsluiten doelen bereikt")
    assert asked.says("case.close_confirm") and asked.says("case.close_zrm_missing")  # no closure scores: a hint
    assert (await coordinator.command(room, "ja")).ok
    world.travel(local("2026-12-07T09:00:05"))
    await asyncio.sleep(3.0)
    assert not politie.said(room, "plan.evaluation_due", world.bot_id)
