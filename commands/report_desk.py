"""The expertise desk's figures in a report, beside the cases': consultation questions per month by the asker's
organisation and by theme, the time to a first answer (median and 90th percentile, in hours), and light
arrangements by what became of them. Counted like commands/report_tables.py counts (cells, breakdowns that add
up, relations for suppression), so the same suppression hides what is small. README ("Management figures")
defines each one.

Pure: a History in, cells added to the Figures; nothing is hidden or worded here."""
from __future__ import annotations

from datetime import date

from commands.report_tables import OTHER, Figures, LeadTime, split_months, tally, within
from core.config import Config
from storage.figures import Arrangement, Consultation, History

NO_THEME = "none"  # a question no theme was given for
RUNNING, ENDED, ESCALATED = "running", "ended", "escalated"
ARRANGEMENT_OUTCOMES = (ENDED, ESCALATED, RUNNING)
ANSWER = "answer"  # the lead time to a first answer, in hours


def compute(figures: Figures, history: History, config: Config, today: date) -> None:
    _consultations(figures, history, config)
    _arrangements(figures, history, today)


def _consultations(figures: Figures, history: History, config: Config) -> None:
    """Questions asked in the period, by organisation and by theme, over the whole period and per month."""
    period = figures.period
    found = [q for q in history.consultations if within(q.asked_on, period)]
    total = figures.count("questions", len(found))
    orgs = [p.key for p in config.partners] + [OTHER]

    def org(question: Consultation) -> str:
        return question.org if question.org in orgs else OTHER

    def theme(question: Consultation) -> str:
        return question.theme if question.theme in config.bot.themes else NO_THEME

    splits = [("questions.org", org, orgs)]
    if not (figures.filter and figures.filter.kind == "theme"):
        splits.append(("questions.theme", theme, [*config.bot.themes, NO_THEME]))
    keys = {month: [q for q in found if f"{q.asked_on.year:04d}-{q.asked_on.month:02d}" == month]
            for month in figures.months}
    monthly = figures.add("questions.month", total, {month: len(asked) for month, asked in keys.items()})
    for code, key, categories in splits:
        totals = figures.add(code, total, tally(map(key, found), categories))
        split_months(figures, code, monthly, {m: [key(q) for q in asked] for m, asked in keys.items()}, totals)
    hours = [q.answer_hours for q in history.consultations
             if q.answer_hours is not None and within(q.answered_on, period)]
    figures.lead_times[ANSWER] = LeadTime(figures.count("lead.answer", len(hours)), hours)


def _arrangements(figures: Figures, history: History, today: date) -> None:
    """Light arrangements begun in the period, by what had become of them at its end (or today, while it runs)."""
    period = figures.period
    at = min(period.end, today)

    def outcome(arrangement: Arrangement) -> str:
        if arrangement.escalated_on and arrangement.escalated_on <= at:
            return ESCALATED
        return ENDED if arrangement.ended_on and arrangement.ended_on <= at else RUNNING

    found = [a for a in history.arrangements if within(a.begun_on, period)]
    total = figures.count("arrangements", len(found))
    figures.add("arrangements.outcome", total, tally(map(outcome, found), ARRANGEMENT_OUTCOMES))
