"""Firing what falls due: each scheduled item in the transaction that marks it fired, so each goes out once.
The action chase, the digest and retention have their own modules; reminders set with !herinner fire here."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from commands import arrangements, chase, closure, digest, evaluation, question_chase, report, retention
from commands import meetings as meeting_commands
from commands.recurrence import Recurrence, next_occurrence
from commands.workdays import WorkCalendar
from core.config import Config
from core.intents import DirectMessage, Intent, RoomMessage
from core.messages import Msg
from storage import reminders, schedule
from storage.db import Tx
from storage.schedule import Kind

# Sent more than this after its moment (the bot was down or busy): the message says so.
LATE_AFTER = timedelta(minutes=2)


class Batch:
    """What the items firing together share: many reminders often fall due at the same moment, so they are read
    in one query and finished in one statement."""

    def __init__(self, reminders_by_id: dict[int, reminders.Reminder]) -> None:
        self.reminders = reminders_by_id
        self.one_offs: list[int] = []

    @classmethod
    async def load(cls, tx: Tx, items: list[schedule.Item]) -> Batch:
        return cls(await reminders.get_many(tx, [i.ref for i in items if i.kind in schedule.REMINDER_KINDS
                                                 and i.ref is not None]))

    async def finish(self, tx: Tx) -> None:
        await reminders.finish_if_nothing_pending(tx, self.one_offs, schedule.REMINDER_KINDS)


class Firing:
    """One due item being fired: what it needs to know, and the messages it produces."""

    def __init__(self, tx: Tx, config: Config, cal: WorkCalendar, item: schedule.Item, now: datetime,
                 batch: Batch | None = None) -> None:
        self.tx, self.config, self.cal, self.item = tx, config, cal, item
        self.batch = batch or Batch({})
        self.tz = config.tz
        self.now = now.astimezone(self.tz)
        self.late = item.due_at.astimezone(self.tz) if now - item.due_at > LATE_AFTER else None
        self.intents: list[Intent] = []

    async def run(self) -> list[Intent]:
        if self.item.kind in schedule.REMINDER_KINDS:
            await self._reminder()
        elif fire := FIRES.get(self.item.kind):
            await fire(self)
        return self.intents

    # ---- reminders set by users --------------------------------------------------------------------------------

    async def _reminder(self) -> None:
        if self.item.ref is None:
            return
        reminder = self.batch.reminders.get(self.item.ref) or await reminders.get(self.tx, self.item.ref)
        if reminder is None or reminder.status != reminders.ACTIVE:
            return
        msg = Msg("reminder.fire", {"reminder": reminder, "late": self.late}, mentions=(reminder.owner,))
        tag = f"reminder:{reminder.id}"
        if reminder.room_id:
            self.intents.append(RoomMessage(reminder.room_id, msg, tag=tag))
        else:
            self.intents.append(DirectMessage(reminder.owner, msg, tag=tag))
        if reminder.recurrence:
            if self.item.kind == Kind.REMINDER:
                following = next_occurrence(recurrence_of(reminder), max(self.now, self.item.due_at.astimezone(
                    self.tz)))
                await schedule.add(self.tx, following, Kind.REMINDER, reminder.case_id, reminder.id)
        else:
            self.batch.one_offs.append(reminder.id)



def recurrence_of(reminder: reminders.Reminder) -> Recurrence:
    return Recurrence.from_dict(reminder.recurrence or {})




async def ensure_recurring(tx: Tx, now: datetime, config: Config) -> None:
    """The digest and the retention run are schedule rows like any other: one that fell due while the bot was
    down still runs at start."""
    local = now.astimezone(config.tz)
    if not await schedule.pending(tx, Kind.DIGEST):
        await schedule.add(tx, digest.next_digest(local, config), Kind.DIGEST)
    if not await schedule.pending(tx, Kind.RETENTION):
        await schedule.add(tx, retention.next_retention(local), Kind.RETENTION)
    await report.ensure_scheduled(tx, now, config)


# What each kind of scheduled item does when it falls due (reminders set by users are fired here, above).
FIRES: dict[Kind, Callable[[Firing], Awaitable[None]]] = {
    **dict.fromkeys(schedule.ACTION_KINDS, chase.fire),
    **dict.fromkeys(schedule.MEETING_KINDS, meeting_commands.remind),
    Kind.DIGEST: digest.fire,
    Kind.RETENTION: retention.fire,
    Kind.MEMBERS_OUT: closure.members_out,
    Kind.MONITORING_END: closure.monitoring_end,
    Kind.EVALUATION: evaluation.remind,
    Kind.ARRANGEMENT_REMINDER: arrangements.remind,
    Kind.ARRANGEMENT_END: arrangements.end,
    Kind.QUESTION_CHASE: question_chase.fire,
    Kind.REPORT_MONTHLY: report.fire,
    Kind.REPORT_YEARLY: report.fire,
}
