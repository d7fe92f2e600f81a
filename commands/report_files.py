"""The full table of a report, as CSV and as an .xlsx sheet (openpyxl): one row per figure and category, a column
per period (the automatic reports put the same period a year earlier beside it). Hidden counts read "<10" or
"x"; a code column with stable names (`referrals.municipality`) lets a region compare its table with another's."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from commands.report_desk import ANSWER
from commands.report_tables import LEAD_TIMES
from commands.report_view import Labels, Shown
from core.vocabulary import LIFE_DOMAINS

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Value = int | float | str | None


@dataclass(frozen=True)
class Row:
    code: str
    category: str  # the category's key ("" for a figure without categories)
    figure_label: str
    category_label: str
    values: tuple[Value, ...]


def earlier(cell: str) -> str:
    """The same cell a year before: month keys move back twelve months."""
    return re.sub(r"(\d{4})-(\d{2})", lambda m: f"{int(m.group(1)) - 1}-{m.group(2)}", cell)


def _value(shown: Shown, cell: str) -> Value:
    return shown.cell(cell) if cell in shown.figures.values else None


def rows(periods: list[Shown], labels: Labels) -> list[Row]:
    """Rows in the order they are read: referrals, lead times, cases and light arrangements, tables, actions,
    ZRM, the expertise desk's questions."""
    current = periods[0]
    figures = current.figures
    found: list[Row] = []

    def cells(cell: str) -> tuple[Value, ...]:
        return tuple(_value(s, cell if i == 0 else earlier(cell)) for i, s in enumerate(periods))

    def single(code: str, cell: str | None = None) -> None:
        found.append(Row(code, "", labels.figure(code), "", cells(cell or code)))

    def derived(code: str, compute) -> None:
        found.append(Row(code, "", labels.figure(code), "", tuple(compute(s) for s in periods)))

    def breakdown(code: str) -> None:
        part = figures.breakdown(code)
        if part is None:
            return
        keys = [key for key, _ in part.rows]
        for other in periods[1:]:  # categories met only a year earlier (another procesregisseur, say)
            theirs = other.figures.breakdown(earlier(code))
            known = keys + [earlier(k) for k in keys]  # a month a year earlier is the same row
            keys += [k for k, _ in theirs.rows if k not in known] if theirs else []
        for key in keys:
            found.append(Row(code, key, labels.figure(code), labels.category(code, key), cells(f"{code}:{key}")))

    single("referrals")
    for code in ("referrals.municipality", "referrals.theme", "referrals.org", "referrals.urgency",
                 "referrals.outcome", "referrals.month"):
        breakdown(code)
    for month in figures.months:
        breakdown(f"referrals.month.{month}")
    breakdown("referrals.domain")
    breakdown("referrals.complete")
    derived("referrals.complete.share", complete_share)
    breakdown("referrals.again")
    derived("referrals.again.share", lambda s: s.share("referrals.again:yes", "referrals"))
    def lead(name: str) -> None:
        single(f"lead.{name}", figures.lead_times[name].count)
        derived(f"lead.{name}.median", lambda s: (s.lead(name) or (None, None))[0])
        derived(f"lead.{name}.p90", lambda s: (s.lead(name) or (None, None))[1])

    for name in LEAD_TIMES:
        lead(name)
    single("cases.opened")
    breakdown("cases.reason")
    single("cases.active")
    breakdown("cases.caseload")
    single("arrangements")  # the light arrangements, next to the cases
    breakdown("arrangements.outcome")
    single("tables")
    breakdown("tables.type")
    single("actions")
    breakdown("actions.state")
    derived("actions.on_time.share", lambda s: s.share("actions.state:on_time", "actions"))
    for domain in LIFE_DOMAINS:
        found.append(Row(f"zrm.{domain}", "", labels.figure("zrm.cases"), labels.domain(domain),
                         cells(f"zrm.{domain}")))
        breakdown(f"zrm.{domain}.change")
        for i, what in enumerate(("first", "last")):
            found.append(Row(f"zrm.{domain}.{what}", "", labels.figure(f"zrm.mean_{what}"), labels.domain(domain),
                             tuple((s.zrm(domain) or (None, None))[i] for s in periods)))
    single("questions")  # the expertise desk
    for code in ("questions.month", "questions.org", "questions.theme"):
        breakdown(code)
    for code in ("questions.org", "questions.theme"):
        for month in figures.months:
            breakdown(f"{code}.{month}")
    lead(ANSWER)
    return found


def complete_share(shown: Shown) -> float | None:
    """Complete at triage, as a share of the triaged referrals (shown only when both counts are)."""
    yes, no = "referrals.complete:yes", "referrals.complete:no"
    if not (shown.visible(yes) and shown.visible(no)):
        return None
    triaged = shown.figures.values[yes] + shown.figures.values[no]
    return round(100 * shown.figures.values[yes] / triaged, 1) if triaged else None


def header(periods: list[str], labels: Labels) -> list[str]:
    return [labels.text("report.column.code"), labels.text("report.column.figure"),
            labels.text("report.column.category_code"), labels.text("report.column.category"), *periods]


def to_csv(table: list[Row], period_names: list[str], labels: Labels) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(period_names, labels))
    for row in table:
        writer.writerow([row.code, row.figure_label, row.category, row.category_label,
                         *("" if v is None else v for v in row.values)])
    return out.getvalue().encode("utf-8")


def to_xlsx(table: list[Row], period_names: list[str], labels: Labels, notes: list[str]) -> bytes:
    from openpyxl import Workbook  # only when a report is made (not at the bot's start)
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = labels.text("report.sheet.figures")
    sheet.append(header(period_names, labels))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table:
        sheet.append([row.code, row.figure_label, row.category, row.category_label, *row.values])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (30, 34, 18, 30, 16, 16, 16), strict=False):
        sheet.column_dimensions[column].width = width
    about = book.create_sheet(labels.text("report.sheet.notes"))
    for line in notes:
        about.append([line])
    about.column_dimensions["A"].width = 120
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
