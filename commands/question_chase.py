"""A consultation question that waits too long is chased like an action: on the morning of the configured working
day after it was asked (or followed up) with no answer, the staff on duty are rung in the consultation room, and
again after as many working days while it still waits. Questions past their retention term are deleted."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from commands.deadlines import next_morning
from commands.wallclock import local_moment
from commands.workdays import WorkCalendar
from core.config import Config
from core.intents import RoomMessage
from core.messages import Msg
from storage import audit, questions, schedule
from storage.db import Tx, iso
from storage.questions import Question
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing


def chase_moment(since: datetime, now: datetime, config: Config) -> datetime:
    """The morning `chase_after_working_days` working days after `since`; if that has passed, the next morning."""
    cal, tz, cfg = WorkCalendar(config.reminders.holidays_country), config.tz, config.reminders
    moment = local_moment(cal.shift(since.astimezone(tz).date(), config.desk.chase_after_working_days), cfg.morning,
                          tz)
    return moment if moment > now else next_morning(now, cal, cfg, tz)


async def reschedule(tx: Tx, config: Config, question: Question, now: datetime) -> None:
    """The one pending chase of a question: from its wait, or none when it is answered or closed."""
    await schedule.cancel_kind(tx, Kind.QUESTION_CHASE, question.id)
    current = await questions.get(tx, question.id)
    if current is None or current.status == questions.CLOSED or current.waiting_since is None:
        return
    await schedule.add(tx, chase_moment(datetime.fromisoformat(current.waiting_since), now, config),
                       Kind.QUESTION_CHASE, current.id)


async def fire(firing: Firing) -> None:
    number = firing.item.case_id
    question = await questions.get(firing.tx, number) if number else None
    if question is None or question.status == questions.CLOSED or question.waiting_since is None:
        return
    since = datetime.fromisoformat(question.waiting_since)
    days = firing.cal.working_days_between(since.astimezone(firing.tz).date(), firing.now.date())
    org = firing.config.partner_name(question.asker_org) if question.asker_org else question.asker.split(":", 1)[-1]
    firing.intents.append(RoomMessage(firing.config.desk_room, Msg.of(
        "desk.chase", nr=question.id, days=days, theme=question.theme, org=org, late=firing.late,
        prefix=firing.config.bot.command_prefix).to(*firing.config.bot.coordinators), tag=f"question:{question.id}"))
    await schedule.add(firing.tx, chase_moment(firing.now, firing.now, firing.config), Kind.QUESTION_CHASE, question.id)


async def purge(firing: Firing) -> None:
    """Retention: questions closed (or idle) longer ago than the term go, with their conversation (what the figures
    need of them stays, anonymised)."""
    cutoff = firing.now - timedelta(days=firing.config.desk.retention_days)
    for number in await questions.expired(firing.tx, iso(cutoff)):
        await questions.delete(firing.tx, number, firing.tz)
        await audit.append(firing.tx, "retention", "question.deleted", case_id=number, purpose="retention")
