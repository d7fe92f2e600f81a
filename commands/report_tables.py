"""The figures of one period, counted from the stored history (storage/figures.py): every count a cell with a
stable name, the breakdowns as they are shown, the relations between cells (what adds up to what, for
commands/suppression.py), and the lead times and ZRM changes. README ("Management figures") defines each one.

Pure: a History in, Figures out; nothing is hidden here (that is suppression's work) and nothing is worded."""
from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from commands.report_period import Filter, Period, year_before
from commands.suppression import Line
from core.config import Config
from core.vocabulary import CLOSE_REASONS, LIFE_DOMAINS, URGENCY
from storage.figures import Actions, History

# submitted: not triaged yet; aligned: a light arrangement
OUTCOMES = ("advice", "referred", "rejected", "escalated", "aligned", "submitted")
ACTION_STATES = ("on_time", "late", "dropped", "open")
ZRM_CHANGES = ("improved", "same", "worse")
LEAD_TIMES = ("triage", "first_table", "plan", "closure")
OTHER = "other"  # a referrer outside the partner directory


@dataclass
class Breakdown:
    """A count split by one category, adding up to `total` (a cell), or not (`adds_up` False: life domains, where
    one referral names several)."""

    code: str  # e.g. "referrals.municipality"
    total: str
    rows: list[tuple[str, str]]  # (category, cell)
    adds_up: bool = True


@dataclass
class LeadTime:
    count: str  # the cell holding how many
    values: Sequence[float]  # in days (the time to a first answer: in hours)

    @property
    def median(self) -> float | None:
        return float(statistics.median(self.values)) if self.values else None

    @property
    def p90(self) -> float | None:
        if len(self.values) < 2:
            return float(self.values[0]) if self.values else None
        return float(statistics.quantiles(self.values, n=10, method="inclusive")[8])


@dataclass
class ZrmDomain:
    count: str  # cases with a first and a later score for the domain
    first_sum: int = 0
    last_sum: int = 0


@dataclass
class Figures:
    period: Period
    filter: Filter | None
    values: dict[str, int] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # "2026-01", ... the period's months
    lead_times: dict[str, LeadTime] = field(default_factory=dict)
    zrm: dict[str, ZrmDomain] = field(default_factory=dict)

    def count(self, cell: str, value: int) -> str:
        self.values[cell] = value
        return cell

    def add(self, code: str, total: str, counts: dict[str, int], adds_up: bool = True) -> Breakdown:
        rows = [(category, self.count(f"{code}:{category}", value)) for category, value in counts.items()]
        breakdown = Breakdown(code, total, rows, adds_up)
        self.breakdowns.append(breakdown)
        if adds_up:
            self.lines.append(Line(total, tuple(cell for _, cell in rows)))
        return breakdown

    def breakdown(self, code: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.code == code), None)


def tally(keys: Iterable[str], categories: Iterable[str]) -> dict[str, int]:
    """Counts per category, every category listed (a zero is a count too), then any others met, in order met."""
    counts = dict.fromkeys(categories, 0)
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts


def compute(history: History, period: Period, chosen: Filter | None, config: Config, today: date) -> Figures:
    figures = Figures(period, chosen)
    _referrals(figures, history, config)
    _lead_times(figures, history)
    _cases(figures, history)
    _tables(figures, history, config)
    _actions(figures, history, today)
    _zrm(figures, history)
    return figures


def split_months(figures: Figures, code: str, monthly: Breakdown, keys: dict[str, list[str]], totals: Breakdown
                 ) -> None:
    """Each month of `monthly` by the categories of `totals` (`<code>.<YYYY-MM>`), adding up to the month; and each
    category's months adding up to its cell in `totals`."""
    categories = [key for key, _ in totals.rows]
    per_category: dict[str, list[str]] = {key: [] for key in categories}
    for month, month_cell in monthly.rows:
        for key, cell in figures.add(f"{code}.{month}", month_cell, tally(keys[month], categories)).rows:
            per_category[key].append(cell)
    for key, cell in totals.rows:
        figures.lines.append(Line(cell, tuple(per_category[key])))


def within(day: date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def _referrals(figures: Figures, history: History, config: Config) -> None:
    period = figures.period
    found = [r for r in history.referrals if within(r.filed_on, period)]
    total = figures.count("referrals", len(found))
    if not (figures.filter and figures.filter.kind == "municipality"):
        figures.add("referrals.municipality", total, tally((r.municipality for r in found), config.bot.municipalities))
    if not (figures.filter and figures.filter.kind == "theme"):
        figures.add("referrals.theme", total, tally((r.theme for r in found), config.bot.themes))
    orgs = [p.key for p in config.partners] + [OTHER]
    figures.add("referrals.org", total, tally((r.org if r.org in orgs else OTHER for r in found), orgs))
    figures.add("referrals.urgency", total, tally((r.urgency for r in found), URGENCY))
    outcomes = figures.add("referrals.outcome", total, tally((r.outcome for r in found), OUTCOMES))
    figures.months = [m.strftime("%Y-%m") for m in period.months()]
    by_month: dict[str, list[str]] = {month: [] for month in figures.months}
    for r in found:
        by_month[f"{r.filed_on.year:04d}-{r.filed_on.month:02d}"].append(r.outcome)
    monthly = figures.add("referrals.month", total, {month: len(outcomes) for month, outcomes in by_month.items()})
    split_months(figures, "referrals.month", monthly, by_month, outcomes)
    figures.add("referrals.domain", total, tally((d for r in found for d in r.domains), LIFE_DOMAINS), adds_up=False)
    # Complete at triage, of the triaged ones: with those not yet triaged they add up to all referrals.
    triaged = [r for r in found if r.outcome != "submitted"]
    complete = figures.add("referrals.complete", total, {"yes": sum(r.asked_after_filing == 0 for r in triaged),
                                                         "no": sum(r.asked_after_filing > 0 for r in triaged)},
                           adds_up=False)
    figures.lines.append(Line(total, (*(cell for _, cell in complete.rows), "referrals.outcome:submitted")))
    seen = _person_index(history)
    again = sum(_seen_before(r.persons, r.filed_on, seen) for r in found)
    figures.add("referrals.again", total, {"yes": again, "no": len(found) - again})


def _person_index(history: History) -> dict[str, list[date]]:
    days: dict[str, list[date]] = {}
    for referral in history.referrals:
        for person in referral.persons:
            days.setdefault(person, []).append(referral.filed_on)
    for found in days.values():
        found.sort()
    return days


def _seen_before(persons: tuple[str, ...], filed: date, index: dict[str, list[date]]) -> bool:
    """Any of these people in a referral filed in the twelve months before this day (not the same day)."""
    since = year_before(filed)
    for person in persons:
        days = index.get(person, [])
        at = bisect.bisect_left(days, since)
        if at < len(days) and days[at] < filed:
            return True
    return False


def _lead_times(figures: Figures, history: History) -> None:
    period = figures.period
    triaged = [(r.triaged_on - r.filed_on).days for r in history.referrals
               if r.triaged_on and within(r.triaged_on, period)]
    figures.lead_times["triage"] = LeadTime(figures.count("lead.triage", len(triaged)), triaged)
    for name, days in (
            ("first_table", [(c.first_table_on - c.opened_on).days for c in history.cases
                             if c.first_table_on and within(c.first_table_on, period)]),
            ("plan", [(c.plan_adopted_on - c.opened_on).days for c in history.cases
                      if c.plan_adopted_on and within(c.plan_adopted_on, period)])):
        figures.lead_times[name] = LeadTime(figures.count(f"lead.{name}", len(days)), days)
    closed = [(c.closed_on - c.opened_on).days for c in history.cases if c.closed_on and within(c.closed_on, period)]
    figures.lead_times["closure"] = LeadTime(figures.count("cases.closed", len(closed)), closed)


def _cases(figures: Figures, history: History) -> None:
    period = figures.period
    figures.count("cases.opened", sum(within(c.opened_on, period) for c in history.cases))
    figures.add("cases.reason", "cases.closed",
                tally((c.close_reason or "other" for c in history.cases if within(c.closed_on, period)),
                      CLOSE_REASONS))
    active = [c for c in history.cases if c.opened_on <= period.end and (c.closed_on is None
                                                                          or c.closed_on > period.end)]
    total = figures.count("cases.active", len(active))
    # Caseload per procesregisseur, by pseudonym: in the order of the pseudonyms (arbitrary, and telling nothing).
    leads = sorted({c.lead for c in active})
    figures.add("cases.caseload", total, {str(i + 1): sum(c.lead == lead for c in active)
                                          for i, lead in enumerate(leads)})


def _tables(figures: Figures, history: History, config: Config) -> None:
    default = next(iter(config.meetings.types))
    total = figures.count("tables", len(history.tables))
    figures.add("tables.type", total, tally((t.kind or default for t in history.tables), config.meetings.types))


def _actions(figures: Figures, history: History, today: date) -> None:
    """Actions due in the period, once their due day has passed."""
    due = [a for a in history.actions if a.due < today]

    def state(action: Actions) -> str:
        if action.status == "done":
            return "on_time" if action.in_time else "late"
        return "dropped" if action.status == "dropped" else "open"

    total = figures.count("actions", sum(a.count for a in due))
    counts = dict.fromkeys(ACTION_STATES, 0)
    for action in due:
        counts[state(action)] += action.count
    figures.add("actions.state", total, counts)


def _zrm(figures: Figures, history: History) -> None:
    """ZRM change per life domain, in the cases closed in the period that have a first and a later score."""
    closed = [c for c in history.cases if within(c.closed_on, figures.period)]
    for domain in LIFE_DOMAINS:
        pairs = [c.zrm[domain] for c in closed if domain in c.zrm]
        cell = figures.count(f"zrm.{domain}", len(pairs))
        figures.zrm[domain] = ZrmDomain(cell, sum(p[0] for p in pairs), sum(p[1] for p in pairs))
        figures.add(f"zrm.{domain}.change", cell, {
            "improved": sum(last > first for first, last in pairs), "same": sum(last == first for first, last in pairs),
            "worse": sum(last < first for first, last in pairs)})
