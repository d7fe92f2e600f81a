"""The plan's evaluation date is reminded: the procesregisseur and the casusregisseur are told a configured number
of working days before it, in the morning, once; a changed date replaces the reminder, and a closed case gets
none."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from commands.deadlines import next_morning
from commands.wallclock import local_moment
from commands.workdays import WorkCalendar
from core.config import Config, RemindersConfig
from core.intents import RoomMessage
from core.messages import Msg
from storage import cases, schedule
from storage import plan as plans
from storage.db import Tx
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing


def reminder_moment(day: date, now: datetime, cal: WorkCalendar, cfg: RemindersConfig, tz: Any) -> datetime | None:
    """When to remind of an evaluation on `day`: the configured working days before it, in the morning. A date set
    closer than that is reminded the next working morning, if that is not after the evaluation itself."""
    moment = local_moment(cal.shift(day, -cfg.evaluation_working_days_before), cfg.morning, tz)
    if moment > now:
        return moment
    soon = next_morning(now, cal, cfg, tz)
    return soon if soon.astimezone(tz).date() <= day else None


async def schedule_reminder(tx: Tx, config: Config, case_id: str, day: date | None, now: datetime) -> None:
    """The one pending reminder for the case's evaluation date (replacing any earlier one)."""
    await schedule.cancel(tx, (Kind.EVALUATION,), case_id, None)
    if day is None:
        return
    moment = reminder_moment(day, now, WorkCalendar(config.reminders.holidays_country), config.reminders, config.tz)
    if moment is not None:
        await schedule.add(tx, moment, Kind.EVALUATION, case_id)


async def remind(firing: Firing) -> None:
    """To the case's two directors, in its room, as a message that rings them. Not for a closed case, nor for an
    evaluation date that has already passed (after downtime)."""
    case_id = firing.item.case_id
    case = await cases.get(firing.tx, case_id) if case_id else None
    if case is None or case.status == "closed" or not case.room_id:
        return
    plan = await plans.get(firing.tx, case.id)
    if plan.review_date is None or date.fromisoformat(plan.review_date) < firing.now.date():
        return
    firing.intents.append(RoomMessage(case.room_id, Msg.of(
        "plan.evaluation_due", case_id=case.id, day=plan.review_date, late=firing.late,
        prefix=firing.config.bot.command_prefix).to(case.procesregisseur, case.casusregisseur)))
