"""When an action is chased: reminders before its due date, a nudge each working day while overdue, and two
escalation steps. Pure computation in the configured timezone: wall-clock times stay put across DST changes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from commands.wallclock import local_moment
from commands.workdays import WorkCalendar
from core.config import RemindersConfig
from storage.schedule import Kind


def working_deadline(due: date, today: date, cal: WorkCalendar) -> date:
    """The deadline as kept: a weekend day or public holiday moves to the working day before it (the work is due
    when people are at work, and reminders, "today" and overdue counts are all in working days); if that day has
    already passed (set on the weekend for the weekend), to the next working day."""
    if cal.is_working_day(due):
        return due
    before = cal.shift(due, 0)
    return before if before >= today else cal.next_working_day(due)


def action_moments(due: date, now: datetime, cal: WorkCalendar, cfg: RemindersConfig,
                   tz: Any) -> list[tuple[datetime, Kind]]:
    """Everything to schedule for an action due on `due`, from `now` on; moments already past are skipped (only
    what fell due while the bot was down is sent late, never what was past when the date was set)."""
    moments = [(local_moment(cal.shift(due, -n), cfg.morning, tz), Kind.ACTION_BEFORE) for n in sorted(set(
        cfg.before_working_days), reverse=True)]
    moments.append((local_moment(cal.next_working_day(due), cfg.morning, tz), Kind.ACTION_NUDGE))
    moments.append((local_moment(cal.shift(due, cfg.escalate_casusregisseur_after), cfg.morning, tz),
                    Kind.ESCALATE_CASUS))
    moments.append((local_moment(cal.shift(due, cfg.escalate_procesregisseur_after), cfg.morning, tz),
                    Kind.ESCALATE_PROCES))
    seen: set[tuple[datetime, Kind]] = set()
    result = []
    for moment, kind in moments:
        if moment > now and (moment, kind) not in seen:
            seen.add((moment, kind))
            result.append((moment, kind))
    if not any(kind == Kind.ACTION_NUDGE for _, kind in result):
        # Already overdue when set (or postponed into the past is refused elsewhere): nudge from the next morning.
        result.append((next_morning(now, cal, cfg, tz), Kind.ACTION_NUDGE))
    return sorted(result, key=lambda pair: pair[0])


def next_morning(now: datetime, cal: WorkCalendar, cfg: RemindersConfig, tz: Any) -> datetime:
    """The first working-day morning strictly after `now`: one nudge per working day, however long the bot slept."""
    today = now.astimezone(tz).date()
    candidate = local_moment(today, cfg.morning, tz)
    if candidate <= now or not cal.is_working_day(today):
        candidate = local_moment(cal.next_working_day(today), cfg.morning, tz)
    return candidate


def days_overdue(due: date, today: date, cal: WorkCalendar) -> int:
    return cal.working_days_between(due, today) if today > due else 0


def days_left(due: date, today: date, cal: WorkCalendar) -> int:
    return cal.working_days_between(today, due) if due > today else 0
