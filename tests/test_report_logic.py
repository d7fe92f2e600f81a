"""The management figures without a homeserver: the story of 2025 (tests/history.py) counted exactly, the same
after retention deleted a case, small counts hidden and no hidden count recomputable (tried by an attacker that
reads only the published table), the CSV and the sheet read back, the charts drawn with alt text that carries
their figures, periods read, and when the automatic reports go out. The end-to-end proof is in test_report."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime

import openpyxl
import pytest

from commands import report_period
from commands.report import figures_of, make, next_monthly, next_yearly
from commands.report_period import Filter
from commands.suppression import PRIMARY, SECONDARY, Line, protect, ranges, recomputable
from commands.workdays import WorkCalendar
from core.messages import CommandError
from core.render import render
from storage.db import Database
from tests.attacker import cells_of, recomputed
from tests.history import TZ, config, seed, year_2025

NOW = datetime(2026, 1, 15, 10, tzinfo=TZ)
YEAR = report_period.year(2025)


@pytest.fixture
async def empty():
    db = await Database.open(":memory:")
    yield db
    await db.close()  # always: an open connection's thread would keep the test run from ending


@pytest.fixture
async def story(empty):
    await seed(empty, year_2025(), config().pseudonym_key)
    return empty


async def shown_of(db: Database, period=YEAR, chosen: Filter | None = None, **reports):
    async with db.transaction() as tx:
        return await figures_of(tx, config(**reports), NOW, period, chosen)


async def test_the_figures_of_2025_are_counted_exactly(story):
    shown = await shown_of(story)
    values = shown.figures.values
    expected = {
        "referrals": 49,
        "referrals.municipality:Den Haag": 30, "referrals.municipality:Delft": 10,
        "referrals.municipality:Zoetermeer": 9,
        "referrals.theme:overlast": 30, "referrals.theme:huiselijk geweld": 10, "referrals.theme:jeugdcriminaliteit": 9,
        "referrals.theme:radicalisering": 0,
        "referrals.org:politie": 30, "referrals.org:ggz": 10, "referrals.org:om": 0, "referrals.org:other": 9,
        "referrals.urgency:normal": 30, "referrals.urgency:high": 10, "referrals.urgency:urgent": 9,
        "referrals.outcome:advice": 20, "referrals.outcome:referred": 10, "referrals.outcome:rejected": 5,
        "referrals.outcome:escalated": 10, "referrals.outcome:submitted": 4,
        "referrals.month:2025-01": 4, "referrals.month:2025-03": 5, "referrals.month:2025-08": 0,
        "referrals.month:2025-09": 10, "referrals.month:2025-10": 9, "referrals.month:2025-12": 0,
        "referrals.month.2025-05:advice": 3, "referrals.month.2025-05:referred": 1,
        "referrals.month.2025-10:rejected": 5, "referrals.month.2025-10:submitted": 4,
        "referrals.domain:huisvesting": 30, "referrals.domain:huiselijke_relaties": 10,
        "referrals.domain:justitie": 9, "referrals.domain:werk_opleiding": 0,
        "referrals.complete:yes": 42, "referrals.complete:no": 3,
        "referrals.again:yes": 13, "referrals.again:no": 36,
        "lead.triage": 45, "lead.first_table": 10, "lead.plan": 8, "cases.closed": 4,
        "cases.opened": 10, "cases.reason:goals_met": 3, "cases.reason:moved": 1, "cases.active": 6,
        "tables": 13, "tables.type:casusoverleg": 10, "tables.type:focusoverleg": 3, "tables.type:jco": 0,
        "actions": 30, "actions.state:on_time": 10, "actions.state:late": 10, "actions.state:dropped": 4,
        "actions.state:open": 6,
        "zrm.huisvesting": 4, "zrm.huisvesting.change:improved": 4, "zrm.huisvesting.change:same": 0,
        "zrm.financien": 0,
    }
    assert {cell: values[cell] for cell in expected} == expected
    assert sorted(v for k, v in values.items() if k.startswith("cases.caseload:")) == [2, 4]  # A 2, B 4
    leads = shown.figures.lead_times
    assert (leads["triage"].median, leads["triage"].p90) == (2.0, 7.0)
    assert (leads["first_table"].median, leads["first_table"].p90) == (11.5, 15.1)
    assert sorted(leads["closure"].values) == [90, 91, 92, 93]
    assert shown.lead("triage") == (2.0, 7.0) and shown.lead("first_table") == (11.5, 15.1)
    assert shown.lead("plan") is None and shown.lead("closure") is None  # fewer than 10 measurements


async def test_small_counts_are_hidden_and_so_is_what_would_give_them_away(story):
    shown = await shown_of(story)
    assert shown.cell("referrals.municipality:Zoetermeer") == "<10"  # the cell of 9
    assert shown.cell("referrals.domain:huiselijke_relaties") == 10  # a cell of 10, shown
    assert shown.cell("referrals.domain:justitie") == "<10"  # a cell of 9 in no sum: hidden, nothing more
    assert shown.cell("referrals.municipality:Den Haag") == 30
    # 49 - 30 - Delft would give Zoetermeer's 9 away: Delft's 10 is hidden too, as "x"
    assert shown.hidden["referrals.municipality:Delft"] == SECONDARY and shown.cell(
        "referrals.municipality:Delft") == "x"
    assert shown.cell("referrals.outcome:submitted") == "<10"
    assert shown.cell("referrals.theme:radicalisering") == 0  # a zero identifies no one: shown
    assert shown.share("referrals.again:yes", "referrals") == 26.5
    assert shown.share("actions.state:on_time", "actions") == 33.3
    assert shown.zrm("huisvesting") is None  # four cases: no mean


async def test_retention_keeps_the_figures_of_a_deleted_case_in_its_anonymised_record(empty):
    db = empty
    numbers = await seed(db, year_2025(purge=False), config().pseudonym_key)
    before = await shown_of(db)
    purged = numbers[2 + 30]  # Delft #1: escalated, closed 10 December, a re-referral
    from storage import dossier
    async with db.transaction() as tx:
        await dossier.delete(tx, purged, datetime(2026, 1, 12, 3, tzinfo=TZ), config().pseudonym_key, TZ)
        assert await tx.value("SELECT COUNT(*) FROM referrals WHERE id = ?", (purged,)) == 0
        record = dict(await tx.one("SELECT * FROM figure_records"))
    after = await shown_of(db)
    assert after.figures.values == before.figures.values and after.hidden == before.hidden
    assert {n: sorted(t.values) for n, t in after.figures.lead_times.items()} == {
        n: sorted(t.values) for n, t in before.figures.lead_times.items()}
    assert record["filed_on"] == "2025-09-01" and record["closed_on"] == "2025-12-10"
    assert record["close_reason"] == "goals_met" and record["zrm"] == '{"huisvesting":[2,4]}'
    text = " ".join(str(v) for v in record.values())
    assert purged not in text and "D.A." not in text and "1990" not in text and "@" not in text  # nothing personal


async def test_the_nightly_retention_run_deletes_closed_cases_and_the_figures_stay(empty):
    from commands.firing import Firing
    from storage import schedule

    cfg = config()
    cfg.bot.retention_days = 30  # the four cases closed on 10 December are past it on 12 January
    await seed(empty, year_2025(purge=False), cfg.pseudonym_key)
    before = await shown_of(empty)
    run = schedule.Item(1, datetime(2026, 1, 12, 2, tzinfo=TZ), schedule.Kind.RETENTION, None, None)
    async with empty.transaction() as tx:
        await Firing(tx, cfg, WorkCalendar("NL"), run, datetime(2026, 1, 12, 3, tzinfo=TZ)).run()
        assert await tx.value("SELECT COUNT(*) FROM cases") == 6
        assert await tx.value("SELECT COUNT(*) FROM figure_records") == 4
    after = await shown_of(empty)
    assert after.figures.values == before.figures.values and after.hidden == before.hidden


async def test_no_hidden_count_of_the_report_can_be_recomputed_from_its_published_table(story):
    async with story.transaction() as tx:
        made = await make(tx, config(), NOW, [YEAR], None, "nl", None, "!room")
    table = list(csv.reader(io.StringIO(next(f for f in made.files if f.filename.endswith(".csv")).data.decode())))
    cells = cells_of(table[1:])
    assert cells["referrals.municipality:Zoetermeer"] == "<10" and cells["referrals.municipality:Delft"] == "x"
    hidden = [c for c, v in cells.items() if v in ("<10", "x")]
    assert len(hidden) > 40 and any(v == "x" for v in cells.values())
    assert recomputed(cells) == {}


def test_the_attacker_recomputes_what_primary_suppression_alone_leaves_open():
    """The check is real: hiding only the small counts would give them away."""
    cells = {"referrals": "49", "referrals.municipality:Den Haag": "30", "referrals.municipality:Delft": "10",
             "referrals.municipality:Zoetermeer": "<10"}
    assert recomputed(cells) == {"referrals.municipality:Zoetermeer": 9}
    cells["referrals.municipality:Delft"] = "x"
    assert recomputed(cells) == {}


def random_report(rng: random.Random) -> tuple[dict[str, int], list[Line]]:
    """A total shared by a 2-D table (rows x columns, with both margins) and two one-way breakdowns."""
    rows, columns = rng.randint(1, 6), rng.randint(2, 5)
    values: dict[str, int] = {}
    lines = []
    for r in range(rows):
        for c in range(columns):
            values[f"m{r}/o{c}"] = rng.choice([0, 0, 1, 3, 8, 9, 10, 11, 12, 25, 40])
    for r in range(rows):
        values[f"m{r}"] = sum(values[f"m{r}/o{c}"] for c in range(columns))
        lines.append(Line(f"m{r}", tuple(f"m{r}/o{c}" for c in range(columns))))
    for c in range(columns):
        values[f"o{c}"] = sum(values[f"m{r}/o{c}"] for r in range(rows))
        lines.append(Line(f"o{c}", tuple(f"m{r}/o{c}" for r in range(rows))))
    values["N"] = sum(values[f"m{r}"] for r in range(rows))
    lines += [Line("N", tuple(f"m{r}" for r in range(rows))), Line("N", tuple(f"o{c}" for c in range(columns)))]
    for breakdown in ("a", "b"):
        parts = rng.randint(2, 4)
        cuts = sorted(rng.randint(0, values["N"]) for _ in range(parts - 1))
        for i, (low, high) in enumerate(zip([0, *cuts], [*cuts, values["N"]], strict=True)):
            values[f"{breakdown}{i}"] = high - low
        lines.append(Line("N", tuple(f"{breakdown}{i}" for i in range(parts))))
    return values, lines


def attack(values: dict[str, int], hidden: dict[str, str], lines: list[Line]) -> dict[str, int]:
    """The attacker of tests/attacker.py on a table given as cells and relations."""
    from tests import attacker

    shown = {cell: ("<10" if hidden[cell] == PRIMARY else "x") if cell in hidden else str(v)
             for cell, v in values.items()}
    original = attacker.relations
    attacker.relations = lambda cells: [(line.total, list(line.members)) for line in lines]
    try:
        return attacker.recomputed(shown)
    finally:
        attacker.relations = original


@pytest.mark.parametrize("seed_", range(40))
def test_secondary_suppression_leaves_no_hidden_cell_recomputable_in_random_tables(seed_):
    values, lines = random_report(random.Random(seed_))
    hidden = protect(values, lines, 10)
    assert {c for c, v in values.items() if 0 < v < 10} <= set(hidden)  # every small count hidden
    assert all(values[c] >= 10 for c, why in hidden.items() if why == SECONDARY)
    assert attack(values, hidden, lines) == {}
    assert recomputable(values, hidden, lines, 10) == []


def test_one_relation_is_bounded_exactly():
    values = {"T": 21, "a": 1, "b": 10, "c": 10}
    lines = [Line("T", ("a", "b", "c"))]
    assert recomputable(values, {"a": PRIMARY, "b": SECONDARY}, lines, 10) == ["a", "b"]  # 21-10 = a+b, b >= 10
    hidden = protect(values, lines, 10)
    assert hidden == {"a": PRIMARY, "b": SECONDARY, "c": SECONDARY, "T": SECONDARY}
    assert ranges(values, hidden, lines, 10)["a"] == (1, 9)


def same(value: object) -> object:
    """A value as both files hold it: a number (the sheet keeps 2.0 as 2), or text."""
    try:
        return float(str(value))
    except ValueError:
        return str(value)


async def test_the_table_reads_back_from_csv_and_sheet_alike(story):
    async with story.transaction() as tx:
        made = await make(tx, config(), NOW, [YEAR, YEAR.year_earlier()], None, "en", None, "!room")
    by_name = {f.filename.rsplit("-", 1)[-1] if f.filename.endswith(".png") else f.filename.rsplit(".", 1)[1]: f
               for f in made.files}
    table = list(csv.reader(io.StringIO(by_name["csv"].data.decode())))
    assert table[0] == ["code", "figure", "category code", "category", "2025", "2024"]
    rows = {(r[0], r[2]): r for r in table[1:]}
    assert rows[("referrals", "")][4:] == ["49", "<10"]  # 2024 holds one referral
    assert rows[("referrals.municipality", "Zoetermeer")][3:] == ["Zoetermeer", "<10", "0"]
    assert rows[("referrals.org", "politie")][3] == "Politie Haaglanden"
    assert rows[("referrals.outcome", "advice")][3:5] == ["advice", "20"]
    assert rows[("lead.first_table.median", "")][4] == "11.5"
    assert rows[("actions.on_time.share", "")][4] == "33.3"
    assert rows[("referrals.month", "2025-09")][4:] == ["x", "0"]
    sheet = openpyxl.load_workbook(io.BytesIO(by_name["xlsx"].data))
    figures = sheet["Figures"]
    read = [[("" if c is None else c) for c in row] for row in figures.iter_rows(values_only=True)]
    assert read[0] == table[0]
    assert [[same(c) for c in row] for row in read[1:]] == [[same(c) for c in row] for row in table[1:]]
    assert any(isinstance(row[4], int) for row in read[1:])
    notes = [row[0] for row in sheet["Notes"].iter_rows(values_only=True)]
    assert len(notes) == 5 and notes[2].startswith("<10: a count from 1 to below 10")


async def test_the_charts_are_drawn_and_their_alt_text_carries_the_figures(story):
    async with story.transaction() as tx:
        made = await make(tx, config(), NOW, [YEAR], None, "nl", None, "!room")
    images = [f for f in made.files if f.mimetype == "image/png"]
    assert len(images) == 4 and all(f.data.startswith(b"\x89PNG\r\n\x1a\n") for f in images)
    assert all(f.size and f.size[0] > 400 for f in images)
    alt = {f.filename.split("-31-")[1]: render(f.alt, "nl")[0] for f in images if f.alt}
    assert "huisvesting 30" in alt["leefgebieden.png"] and "justitie <10" in alt["leefgebieden.png"]
    assert "september 2025: x" in alt["meldingen-per-maand.png"]
    assert "mediaan 11,5, 90e percentiel 15,1 (10 metingen)" in alt["doorlooptijden.png"]
    assert "huisvesting: niet getoond (<10 casussen)" in alt["zrm-verandering.png"]
    assert render(made.summary, "nl")[0].count("49") == 1


async def test_an_empty_period_shows_only_small_counts(story):
    shown = await shown_of(story, report_period.month(2025, 11))
    assert shown.figures.values["referrals"] == 0
    assert all(shown.cell(c) == 0 for c, v in shown.figures.values.items() if v == 0)
    assert all(shown.cell(c) == "<10" for c, v in shown.figures.values.items() if 0 < v < 10)
    async with story.transaction() as tx:
        made = await make(tx, config(), NOW, [report_period.month(2025, 11)], None, "nl", None, "!room")
    assert len(made.files) == 6 and "november 2025" in render(made.summary, "nl")[0]


async def test_a_filter_and_the_threshold(story):
    delft = await shown_of(story, chosen=Filter("municipality", "Delft"))
    assert delft.figures.values["referrals"] == 10 and delft.figures.breakdown("referrals.municipality") is None
    assert delft.figures.values["cases.opened"] == 10 and delft.figures.values["tables"] == 13
    low = await shown_of(story, threshold=5)
    assert low.cell("referrals.municipality:Zoetermeer") == 9 and low.cell("referrals.outcome:submitted") == "<5"


@pytest.mark.parametrize("text, expected", [
    ("2026", ("2026-01-01", "2026-03-10", "year")),  # still running: up to today
    ("2025", ("2025-01-01", "2025-12-31", "year")),
    ("2025-Q3", ("2025-07-01", "2025-09-30", "quarter")),
    ("Q3", ("2025-07-01", "2025-09-30", "quarter")),  # the latest third quarter that has begun
    ("Q1 2026", ("2026-01-01", "2026-03-10", "quarter")),
    ("november", ("2025-11-01", "2025-11-30", "month")),
    ("maart", ("2026-03-01", "2026-03-10", "month")),
    ("nov 2024", ("2024-11-01", "2024-11-30", "month")),
    ("2025-02", ("2025-02-01", "2025-02-28", "month")),
    ("afgelopen 12 maanden", ("2025-03-01", "2026-02-28", "months")),
    ("last 3 months", ("2025-12-01", "2026-02-28", "months")),
    ("vorig jaar", ("2025-01-01", "2025-12-31", "year")),
    ("vorige maand", ("2026-02-01", "2026-02-28", "month")),
    ("", ("2025-03-01", "2026-02-28", "months")),
])
def test_periods_are_read_as_people_say_them(text, expected):
    period, chosen = report_period.parse(text, date(2026, 3, 10), config())
    assert (period.start.isoformat(), period.end.isoformat(), period.kind) == expected and chosen is None


@pytest.mark.parametrize("text, period, chosen", [
    ("2025 Den Haag", "2025-01-01", Filter("municipality", "Den Haag")),
    ("den haag november 2025", "2025-11-01", Filter("municipality", "Den Haag")),
    ("Huiselijk Geweld 2025-Q3", "2025-07-01", Filter("theme", "huiselijk geweld")),
    ("delft", "2025-03-01", Filter("municipality", "Delft")),
])
def test_a_municipality_or_theme_before_or_after_the_period(text, period, chosen):
    found, which = report_period.parse(text, date(2026, 3, 10), config())
    assert found.start.isoformat() == period and which == chosen


@pytest.mark.parametrize("text, key", [("2027", "report.not_begun"), ("2026-Q4", "report.not_begun"),
                                       ("morgen", "report.bad_argument"), ("2025 Rotterdam", "report.bad_argument"),
                                       ("afgelopen 0 maanden", "report.bad_argument")])
def test_a_period_that_cannot_be_reported_is_refused_with_the_usage(text, key):
    with pytest.raises(CommandError) as refused:
        report_period.parse(text, date(2026, 3, 10), config())
    assert refused.value.msg.key == key and refused.value.usage


def test_the_monthly_report_on_the_first_working_day_and_the_yearly_one_in_january():
    cal, cfg = WorkCalendar("NL"), config()
    assert next_monthly(datetime(2026, 12, 15, 9, tzinfo=TZ), cal, cfg) == datetime(2027, 1, 4, 8, tzinfo=TZ)
    assert next_monthly(datetime(2027, 1, 4, 8, tzinfo=TZ), cal, cfg) == datetime(2027, 2, 1, 8, tzinfo=TZ)
    assert next_monthly(datetime(2027, 1, 4, 7, 59, tzinfo=TZ), cal, cfg) == datetime(2027, 1, 4, 8, tzinfo=TZ)
    assert next_monthly(datetime(2026, 2, 20, tzinfo=TZ), cal, cfg) == datetime(2026, 3, 2, 8, tzinfo=TZ)  # Sun 1
    assert next_yearly(datetime(2026, 3, 1, tzinfo=TZ), cal, cfg) == datetime(2027, 1, 4, 8, tzinfo=TZ)
    assert next_yearly(datetime(2027, 1, 4, 8, tzinfo=TZ), cal, cfg) == datetime(2028, 1, 3, 8, tzinfo=TZ)
