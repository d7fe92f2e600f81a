"""`!rapport [periode] [gemeente|thema]` (`!report`): anonymised management figures with charts and the full
table as CSV and .xlsx, for coordinators (screening room) and managers (the management room or their direct
chat); and the automatic reports: monthly (the month before, beside the same month a year earlier) on the first
working day of the month, yearly (the year before, beside the year before that) on the first working day of
January. Every report is audited: who asked which period and filter, where.

The figures come from storage/figures.py, are counted by commands/report_tables.py, hidden where small by
commands/suppression.py and shown by commands/report_view.py, charts.py and report_files.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from commands import charts, report_desk, report_files, report_period
from commands.base import Arg, Context, Role, RoomKind, command
from commands.report_period import Filter, Period
from commands.report_tables import LEAD_TIMES, OUTCOMES, compute
from commands.report_view import Labels, Shown
from commands.wallclock import local_moment
from commands.workdays import WorkCalendar
from core.config import Config
from core.intents import Intent, Reply, RoomMessage, SendFile
from core.messages import Msg
from core.render import render
from storage import audit, figures, schedule
from storage.db import Tx
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing

WHERE = {RoomKind.SCREENING: Role.COORDINATOR, RoomKind.MANAGEMENT: Role.MANAGER, RoomKind.DM: Role.MANAGER}
MONTHLY, YEARLY = "monthly", "yearly"


class ReportArgs(Arg):
    """`[periode] [gemeente|thema]`: read as a whole by commands/report_period.py (both may take several words)."""

    def __init__(self) -> None:
        super().__init__("periode", "period", required=False)

    def usage(self, lang: str) -> str:
        return "[periode] [gemeente|thema]" if lang == "nl" else "[period] [municipality|theme]"

    def parse(self, ctx: Context, text: str) -> tuple[Any, str]:
        return text.strip()[:200], ""


@dataclass
class Made:
    summary: Msg
    files: list[SendFile]


@command("rapport", "report", where=WHERE, read_only=True, args=(ReportArgs(),))
async def report(ctx: Context, text: str | None) -> None:
    period, chosen = report_period.parse(text, ctx.now.date(), ctx.config)
    to_user = ctx.sender if ctx.room_kind is RoomKind.DM else None
    made = await make(ctx.tx, ctx.config, ctx.now, [period], chosen, ctx.lang, to_user, ctx.room_id)
    await audit.append(ctx.tx, ctx.sender, "report.made", purpose="management information",
                       period=[period.start.isoformat(), period.end.isoformat()],
                       filter=[chosen.kind, chosen.value] if chosen else None, room=ctx.room_kind.value)
    ctx.intents.append(Reply(made.summary))
    ctx.intents.extend(made.files)


async def make(tx: Tx, config: Config, now: datetime, periods: list[Period], chosen: Filter | None, lang: str,
               to_user: str | None, room_id: str) -> Made:
    """The report of the first period (with the others beside it in the summary and the table): the summary,
    its charts and the table as CSV and .xlsx, for a room or (to_user) one person."""
    shown = [await figures_of(tx, config, now, period, chosen) for period in periods]
    labels = Labels(lang, config)
    names = [render(Msg.of("report.period", p=p.params()), lang)[0] for p in periods]
    table = report_files.rows(shown, labels)
    stem = f"rapport-{periods[0].start.isoformat()}-{periods[0].end.isoformat()}"
    notes = [render(Msg.of("report.notes", periods=[p.params() for p in periods], filter=_filter(chosen),
                           small=shown[0].small, made=now.isoformat()), lang)[0]]
    files = [SendFile(to_user, f"{stem}-{chart.filename}", "image/png", chart.png, room_id=room_id, alt=chart.alt,
                      size=(chart.width, chart.height))
             for chart in charts.charts(shown[0], labels, periods[0].params())]
    files.append(SendFile(to_user, f"{stem}.csv", report_files.CSV_TYPE, report_files.to_csv(table, names, labels),
                          room_id=room_id))
    files.append(SendFile(to_user, f"{stem}.xlsx", report_files.XLSX_TYPE,
                          report_files.to_xlsx(table, names, labels, notes[0].split("\n")), room_id=room_id))
    summary = Msg.of("report.summary", periods=[p.params() for p in periods], filter=_filter(chosen),
                     columns=[summary_of(s) for s in shown], small=shown[0].small, files=len(files))
    return Made(summary, files)


async def figures_of(tx: Tx, config: Config, now: datetime, period: Period, chosen: Filter | None) -> Shown:
    """One period's figures, with what suppression hides."""
    window = figures.Window(period.start, period.end, report_period.year_before(period.start), now, config.tz,
                            chosen.value if chosen and chosen.kind == "municipality" else None,
                            chosen.value if chosen and chosen.kind == "theme" else None)
    history = await figures.history(tx, window, config.pseudonym_key)
    today = now.astimezone(config.tz).date()
    counted = compute(history, period, chosen, config, today)
    report_desk.compute(counted, history, config, today)
    return Shown.of(counted, config.reports.threshold)


def _filter(chosen: Filter | None) -> dict[str, str] | None:
    return {"kind": chosen.kind, "value": chosen.value} if chosen else None


def summary_of(shown: Shown) -> dict[str, Any]:
    """The few figures the message shows (the files hold them all)."""
    return {
        "referrals": shown.cell("referrals"),
        "outcomes": [(o, shown.cell(f"referrals.outcome:{o}")) for o in OUTCOMES],
        "complete": report_files.complete_share(shown),
        "again": shown.share("referrals.again:yes", "referrals"),
        "leads": [(name, shown.lead(name)) for name in LEAD_TIMES],
        "opened": shown.cell("cases.opened"), "closed": shown.cell("cases.closed"),
        "active": shown.cell("cases.active"), "tables": shown.cell("tables"), "actions": shown.cell("actions"),
        "on_time": shown.share("actions.state:on_time", "actions"),
        "arrangements": shown.cell("arrangements"),
        "arrangement_outcomes": [(o, shown.cell(f"arrangements.outcome:{o}"))
                                 for o in report_desk.ARRANGEMENT_OUTCOMES],
        "questions": shown.cell("questions"), "answer": shown.lead(report_desk.ANSWER),
    }


# ---- the automatic reports ---------------------------------------------------------------------------------------

async def fire(firing: Firing) -> None:
    """The monthly or yearly report, in the reports' room, once; then the next one is scheduled."""
    today = firing.now.date()
    yearly = firing.item.kind == Kind.REPORT_YEARLY
    if yearly:
        period = report_period.year(today.year - 1)
    else:
        before = report_period.add_months(today.replace(day=1), -1)
        period = report_period.month(before.year, before.month)
    room = firing.config.report_room
    made = await make(firing.tx, firing.config, firing.now, [period, period.year_earlier()], None,
                      firing.config.bot.language, None, room)
    await audit.append(firing.tx, "schedule", "report.made", purpose="management information",
                       period=[period.start.isoformat(), period.end.isoformat()], filter=None, room="report",
                       automatic=YEARLY if yearly else MONTHLY)
    intents: list[Intent] = [RoomMessage(room, Msg.of("report.automatic", kind=YEARLY if yearly else MONTHLY,
                                                      late=firing.late, report=made.summary))]
    firing.intents.extend([*intents, *made.files])
    following = next_yearly(firing.now, firing.cal, firing.config) if yearly else next_monthly(
        firing.now, firing.cal, firing.config)
    await schedule.add(firing.tx, following, firing.item.kind)


def first_working_day(year: int, month: int, cal: WorkCalendar) -> date:
    day = date(year, month, 1)
    return day if cal.is_working_day(day) else cal.next_working_day(day)


def next_monthly(after: datetime, cal: WorkCalendar, config: Config) -> datetime:
    """The first working day of a month at the configured time, after `after`."""
    local = after.astimezone(config.tz)
    first = local.date().replace(day=1)
    for step in range(3):
        month = report_period.add_months(first, step)
        moment = local_moment(first_working_day(month.year, month.month, cal), config.reports.at, config.tz)
        if moment > after:
            return moment
    raise AssertionError("a month always has a first working day")


def next_yearly(after: datetime, cal: WorkCalendar, config: Config) -> datetime:
    """The first working day of January at the configured time, after `after`."""
    year = after.astimezone(config.tz).year
    for candidate in (year, year + 1):
        moment = local_moment(first_working_day(candidate, 1, cal), config.reports.at, config.tz)
        if moment > after:
            return moment
    raise AssertionError("unreachable")


async def ensure_scheduled(tx: Tx, now: datetime, config: Config) -> None:
    """The automatic reports are schedule rows like any other: one that fell due while the bot was down still runs
    at start. Switched off in the config: nothing is scheduled (and a pending one is dropped)."""
    cal = WorkCalendar(config.reminders.holidays_country)
    for kind, enabled, following in ((Kind.REPORT_MONTHLY, config.reports.monthly, next_monthly),
                                     (Kind.REPORT_YEARLY, config.reports.yearly, next_yearly)):
        pending = await schedule.pending(tx, kind)
        if enabled and not pending:
            await schedule.add(tx, following(now - timedelta(seconds=1), cal, config), kind)
        elif not enabled and pending:
            await schedule.cancel(tx, (kind,), None, None)
