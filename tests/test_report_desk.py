"""The expertise desk's figures without a homeserver: consultation questions per month by organisation and by
theme, the time to a first answer, light arrangements by what became of them beside the full cases; counted
exactly, the same after retention deleted the questions and the arrangements, under the same suppression (no
hidden count recomputable from the published table), and in the summary, CSV and sheet. The end-to-end proof is
in test_report.

The desk's story of 2025 (the region of tests/history.py):
- 31 December 2024, a question (overlast, police) first answered on 2 January 2025, 48 hours later: not asked in
  2025, but its answer counts in 2025's time to first answer.
- March 2025: twelve questions from the police (overlast), answered after 1, 2, ... 12 hours; three from GGZ
  (huiselijk geweld) answered after 24 and 48 hours, one never answered.
- June 2025: one question from outside the partner directory, without a theme, answered after 3 hours.
- Light arrangements: A begun 3 February, ended at its term on 3 March; B begun 7 April, escalated to a full case
  on 22 April (still open); C begun 1 December, running past the year's end.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from commands import report_period
from commands.firing import Firing
from commands.report import figures_of, make
from commands.report_period import Filter
from commands.workdays import WorkCalendar
from core.render import render
from storage import arrangements, cases, dossier, questions, referrals, schedule
from storage.db import Database, iso
from tests.attacker import cells_of, recomputed
from tests.history import LEAD_A, TZ, ReferralSpec, at, clock_at, config, fields

NOW = datetime(2026, 1, 15, 10, tzinfo=TZ)
YEAR = report_period.year(2025)
ASKER = "@wijkagent:politie.example"


async def ask(tx, asked: datetime, org: str | None, theme: str | None, hours: float | None) -> str:
    """A question asked at `asked`, first answered `hours` later (None: never)."""
    with clock_at(asked):
        number = await questions.next_number(tx, asked.year)
        await questions.insert(tx, number, ASKER, org, theme, "Delft", "Wie kan ik betrekken?")
    if hours is not None:
        with clock_at(asked + timedelta(hours=hours)):
            await questions.add_message(tx, number, questions.ANSWER, "@coord:zvh.example", "Het wijkteam.")
    return number


async def arrangement(tx, begun: date, ended: date | None = None, escalated: date | None = None) -> str:
    """A referral aligned into a light arrangement on `begun`; ended at its term, or escalated, on those days."""
    spec = ReferralSpec(at(begun - timedelta(days=2)), "Den Haag", "overlast", "normal", "politie", ["huisvesting"],
                        [("A.R.", 1980)])
    with clock_at(spec.filed):
        number = await referrals.next_number(tx, "HGL", begun.year)
        await referrals.insert(tx, number, ASKER, "politie", fields(spec))
    with clock_at(at(begun)):
        await referrals.set_outcome(tx, number, "aligned", LEAD_A)
        await cases.create(tx, number, "overlast", "Den Haag", LEAD_A)
        await arrangements.begin(tx, number, begun + timedelta(weeks=4))
    if ended:
        await cases.close(tx, number, iso(at(ended, 9)), "term_ended")
    if escalated:
        await arrangements.escalate(tx, number, iso(at(escalated, 11)))
    return number


async def desk_story(db: Database) -> list[str]:
    """The story in the module's docstring; returns the questions' and the arrangements' numbers."""
    made = []
    async with db.transaction() as tx:
        made.append(await ask(tx, at(date(2024, 12, 31)), "politie", "overlast", 48))
        for i in range(12):
            made.append(await ask(tx, at(date(2025, 3, 3 + i)), "politie", "overlast", i + 1))
        for i, hours in enumerate((24, 48, None)):
            made.append(await ask(tx, at(date(2025, 3, 17 + i)), "ggz", "huiselijk geweld", hours))
        made.append(await ask(tx, at(date(2025, 6, 2)), None, None, 3))
        made.append(await arrangement(tx, date(2025, 2, 3), ended=date(2025, 3, 3)))
        made.append(await arrangement(tx, date(2025, 4, 7), escalated=date(2025, 4, 22)))
        made.append(await arrangement(tx, date(2025, 12, 1)))
    return made


@pytest.fixture
async def story():
    db = await Database.open(":memory:")
    await desk_story(db)
    yield db
    await db.close()


async def shown_of(db: Database, chosen: Filter | None = None, **reports):
    async with db.transaction() as tx:
        return await figures_of(tx, config(**reports), NOW, YEAR, chosen)


EXPECTED = {
    "questions": 16,
    "questions.org:politie": 12, "questions.org:ggz": 3, "questions.org:other": 1, "questions.org:om": 0,
    "questions.theme:overlast": 12, "questions.theme:huiselijk geweld": 3, "questions.theme:none": 1,
    "questions.theme:radicalisering": 0,
    "questions.month:2025-03": 15, "questions.month:2025-06": 1, "questions.month:2025-01": 0,
    "questions.org.2025-03:politie": 12, "questions.org.2025-03:ggz": 3, "questions.org.2025-06:other": 1,
    "questions.theme.2025-06:none": 1, "questions.theme.2025-03:overlast": 12,
    "lead.answer": 16,  # 14 of the questions of 2025, and the one asked on 31 December 2024
    "arrangements": 3, "arrangements.outcome:ended": 1, "arrangements.outcome:escalated": 1,
    "arrangements.outcome:running": 1,
    "cases.opened": 1, "cases.active": 1, "cases.closed": 0,  # only B is a full case: from 22 April
    "referrals.outcome:aligned": 3,
}
ANSWER_HOURS = [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 24, 48, 48]


async def test_the_desk_figures_of_2025_are_counted_exactly(story):
    shown = await shown_of(story)
    values = shown.figures.values
    assert {cell: values[cell] for cell in EXPECTED} == EXPECTED
    assert sorted(shown.figures.lead_times["answer"].values) == ANSWER_HOURS
    assert shown.figures.lead_times["answer"].median == 7.5
    assert shown.figures.lead_times["answer"].p90 == 36.0  # inclusive: between the 14th (24) and 15th (48)
    assert not any(k.startswith("cases.reason:") and v for k, v in values.items())  # A's end is no case's closure
    # Small counts hidden by the same rules as every figure; the time to first answer over 16 is shown.
    assert shown.cell("questions.org:ggz") == "<10" and shown.cell("arrangements.outcome:ended") == "<10"
    assert shown.cell("questions.org:politie") == 12 and shown.lead("answer") == (7.5, 36.0)


async def test_in_the_middle_of_the_year_the_arrangements_are_as_they_were_then(story):
    async with story.transaction() as tx:
        shown = await figures_of(tx, config(), NOW, report_period.month(2025, 4), None)
    assert shown.figures.values["arrangements"] == 1  # B alone began in April
    assert shown.figures.values["arrangements.outcome:escalated"] == 1
    async with story.transaction() as tx:
        shown = await figures_of(tx, config(), datetime(2025, 4, 15, 10, tzinfo=TZ), report_period.month(2025, 4),
                                 None)
    assert shown.figures.values["arrangements.outcome:running"] == 1  # on 15 April it had not been escalated yet


async def test_a_theme_filter_counts_its_questions_and_drops_the_breakdown_by_theme(story):
    shown = await shown_of(story, Filter("theme", "overlast"))
    assert shown.figures.values["questions"] == 12 and shown.figures.values["arrangements"] == 3
    assert shown.figures.breakdown("questions.theme") is None and shown.figures.breakdown("questions.org")
    assert sorted(shown.figures.lead_times["answer"].values) == [*range(1, 13), 48]


async def test_retention_keeps_the_desk_figures_in_anonymised_records(story):
    """The nightly run deletes the questions (past the desk's term) and the ended arrangement (past the cases'
    term); then the escalated case is closed and deleted too: every figure stays as it was."""
    before = await shown_of(story)
    cfg = config()
    cfg.desk.retention_days = 30
    cfg.bot.retention_days = 30
    run = schedule.Item(1, NOW, schedule.Kind.RETENTION, None, None)
    async with story.transaction() as tx:
        await Firing(tx, cfg, WorkCalendar("NL"), run, NOW).run()
        assert await tx.value("SELECT COUNT(*) FROM questions") == 0
        assert await tx.value("SELECT COUNT(*) FROM question_messages") == 0
        assert await tx.value("SELECT COUNT(*) FROM question_records") == 17
        assert await tx.value("SELECT COUNT(*) FROM cases") == 2  # B (open) and C (running)
        records = [dict(r) for r in await tx.all("SELECT * FROM question_records")]
        b = await tx.value("SELECT id FROM cases WHERE arrangement_escalated_at IS NOT NULL")
        await cases.close(tx, b, iso(at(date(2025, 12, 20))), "goals_met")
    closed = await shown_of(story)
    async with story.transaction() as tx:
        await dossier.delete(tx, b, NOW, cfg.pseudonym_key, TZ)
        kept = dict(await tx.one("SELECT kind, escalated_on, opened_on FROM figure_records WHERE escalated_on "
                                 "IS NOT NULL"))
    after = await shown_of(story)
    assert {k: v for k, v in after.figures.values.items() if k != "cases.closed" and not k.startswith(
        ("cases.reason", "cases.active", "cases.caseload", "lead.closure"))} == {
        k: v for k, v in before.figures.values.items() if k != "cases.closed" and not k.startswith(
            ("cases.reason", "cases.active", "cases.caseload", "lead.closure"))}
    assert after.figures.values == closed.figures.values and after.hidden == closed.hidden
    assert sorted(after.figures.lead_times["answer"].values) == ANSWER_HOURS
    assert kept == {"kind": "case", "escalated_on": "2025-04-22", "opened_on": "2025-04-07"}
    assert all(set(r) == {"id", "asked_on", "answered_on", "answer_hours", "asker_org", "theme", "municipality"}
               for r in records)  # no number, no asker, no text
    assert not any("@" in str(v) or "V-" in str(v) for r in records for v in r.values())


async def test_no_hidden_desk_count_can_be_recomputed_and_the_table_and_summary_carry_them(story):
    async with story.transaction() as tx:
        made = await make(tx, config(), NOW, [YEAR, YEAR.year_earlier()], None, "nl", None, "!room")
    table = list(csv.reader(io.StringIO(next(f for f in made.files if f.filename.endswith(".csv")).data.decode())))
    cells = cells_of(table[1:])
    assert cells["questions"] == "16" and cells["questions.org:ggz"] == "<10"
    assert cells["questions.org:politie"] in ("12", "x")  # beside a single small count it is hidden too
    assert cells["arrangements"] == "<10" and cells["arrangements.outcome:escalated"] == "<10"
    assert cells["lead.answer.median"] == "7.5" and cells["lead.answer.p90"] == "36.0"
    assert any(c.startswith("questions.theme.2025-03:") for c in cells)
    assert recomputed(cells) == {}
    sheet = openpyxl.load_workbook(io.BytesIO(next(f for f in made.files if f.filename.endswith(".xlsx")).data))
    codes = {row[0].value for row in sheet["Cijfers"].iter_rows(min_row=2)}
    assert {"questions", "questions.org", "questions.theme", "questions.month", "questions.org.2025-03",
            "lead.answer.median", "arrangements", "arrangements.outcome"} <= codes
    labels = {row[0].value: row[3].value for row in sheet["Cijfers"].iter_rows(min_row=2)}
    assert labels["arrangements.outcome"] in ("afgelopen na de termijn", "opgeschaald tot casus", "lopend")
    text = render(made.summary, "nl")[0]
    assert "Consultatievragen" in text and "7,5 / 36" in text and "Lichte afstemmingen" in text
    english = render(made.summary, "en")[0]
    assert "Consultation questions" in english and "escalated to a case" in english
