"""What happens when a scheduled item falls due: reminders, overdue nudges, escalations, reminders set with
!herinner, and the weekly digest. Runs in the transaction that marks the item fired, so each goes out once."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from commands import deadlines
from commands.dates import Recurrence, next_occurrence
from commands.workdays import WorkCalendar
from core.config import Config
from core.intents import DirectMessage, Intent, PurgeRoom, RoomMessage
from core.messages import Msg
from storage import actions, audit, cases, dossier, reminders, schedule
from storage.db import Tx, iso

REMINDER, SNOOZED, DIGEST, RETENTION = "reminder", "reminder.snoozed", "digest", "retention"
RETENTION_AT = time(3, 0)  # the daily retention run, local time
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
        return cls(await reminders.get_many(tx, [i.ref for i in items if i.kind in (REMINDER, SNOOZED)
                                                 and i.ref is not None]))

    async def finish(self, tx: Tx) -> None:
        await reminders.finish_if_nothing_pending(tx, self.one_offs, (REMINDER, SNOOZED))


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
        kind = self.item.kind
        if kind in deadlines.ACTION_KINDS:
            await self._action()
        elif kind in (REMINDER, SNOOZED):
            await self._reminder()
        elif kind == DIGEST:
            await self._digest()
        elif kind == RETENTION:
            await self._retention()
        return self.intents

    # ---- actions ---------------------------------------------------------------------------------------------

    async def _action(self) -> None:
        if self.item.case_id is None or self.item.ref is None:
            return
        action = await actions.get(self.tx, self.item.case_id, self.item.ref)
        case = await cases.get(self.tx, self.item.case_id)
        if action is None or case is None or action.status != actions.OPEN or action.due_date is None:
            return
        today = self.now.date()
        params = {"action": action, "case_id": case.id, "late": self.late,
                  "overdue": deadlines.days_overdue(action.due_date, today, self.cal),
                  "left": deadlines.days_left(action.due_date, today, self.cal)}
        kind = self.item.kind
        if kind == deadlines.BEFORE:
            await self._to_owners(case, action, Msg.of("chase.before", **params))
        elif kind == deadlines.NUDGE:
            await self._to_owners(case, action, Msg.of("chase.overdue", **params))
            await schedule.add(self.tx, deadlines.next_morning(self.now, self.cal, self.config.reminders, self.tz),
                               deadlines.NUDGE, case.id, action.number)
        else:
            lead = case.casusregisseur if kind == deadlines.ESCALATE_CASUS else None
            target = lead or case.procesregisseur
            self.intents.append(DirectMessage(target, Msg.of(
                "chase.escalation", **params, step=kind, no_casusregisseur=kind == deadlines.ESCALATE_CASUS
                and lead is None).to(target)))

    async def _to_owners(self, case: cases.Case, action: actions.Action, msg: Msg) -> None:
        owners = await owners_of(self.tx, action)
        for user in owners:
            self.intents.append(DirectMessage(user, msg.to(user)))
        if not owners and case.room_id:
            self.intents.append(RoomMessage(case.room_id, msg))  # an organisation without people in the case

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
            if self.item.kind == REMINDER:
                following = next_occurrence(recurrence_of(reminder), max(self.now, self.item.due_at.astimezone(
                    self.tz)))
                await schedule.add(self.tx, following, REMINDER, reminder.case_id, reminder.id)
        else:
            self.batch.one_offs.append(reminder.id)

    # ---- the weekly digest -------------------------------------------------------------------------------------

    async def _digest(self) -> None:
        today = self.now.date()
        people = set(await actions.users_with_open_actions(self.tx))
        leads = await cases.open_by_procesregisseur(self.tx)
        people.update(leads)
        for user in sorted(people):
            own = [describe(a, today, self.cal) for a in await actions.open_for_user(self.tx, user)]
            overdue = []
            for case_id in leads.get(user, []):
                late = await actions.open_with_due_before(self.tx, case_id, today)
                if late:
                    overdue.append({"case_id": case_id, "actions": [describe(a, today, self.cal) for a in late]})
            if own or overdue:
                self.intents.append(DirectMessage(user, Msg.of("digest.weekly", own=own, overdue=overdue,
                                                               late=self.late).to(user)))
        await schedule.add(self.tx, next_digest(self.now, self.config), DIGEST)


    # ---- retention ----------------------------------------------------------------------------------------------

    async def _retention(self) -> None:
        """Cases closed longer ago than the term: their data is deleted, their room purged or left."""
        cutoff = self.now - timedelta(days=self.config.bot.retention_days)
        for case in await cases.closed_before(self.tx, iso(cutoff)):
            await dossier.delete(self.tx, case.id, iso(self.now))
            await audit.append(self.tx, "retention", "case.deleted", case_id=case.id, purpose="retention")
            if case.room_id:
                self.intents.append(PurgeRoom(case.room_id))
        await schedule.add(self.tx, next_retention(self.now), RETENTION)


async def owners_of(tx: Tx, action: actions.Action) -> list[str]:
    """The person who owns the action, or the organisation's people in this case."""
    members = await cases.members(tx, action.case_id)
    if action.owner_user:  # someone removed from the case gets nothing more about it
        return [action.owner_user] if any(m.user_id == action.owner_user for m in members) else []
    return [m.user_id for m in members if m.org_key == action.owner_org]


def describe(action: actions.Action, today: Any, cal: WorkCalendar) -> dict[str, Any]:
    """An action as lists show it: overdue and days left counted in working days."""
    due = action.due_date
    return {"action": action, "late": bool(due and today > due),
            "overdue": deadlines.days_overdue(due, today, cal) if due else 0,
            "left": deadlines.days_left(due, today, cal) if due else None}


def recurrence_of(reminder: reminders.Reminder) -> Recurrence:
    return Recurrence.from_dict(reminder.recurrence or {})


def next_digest(after: datetime, config: Config) -> datetime:
    cfg = config.reminders
    return next_occurrence(Recurrence((cfg.digest_weekday,), cfg.digest_time), after.astimezone(config.tz))


def next_retention(after: datetime) -> datetime:
    return next_occurrence(Recurrence(tuple(range(7)), RETENTION_AT), after)


async def ensure_recurring(tx: Tx, now: datetime, config: Config) -> None:
    """The digest and the retention run are schedule rows like any other: one that fell due while the bot was
    down still runs at start."""
    local = now.astimezone(config.tz)
    if not await schedule.pending(tx, DIGEST):
        await schedule.add(tx, next_digest(local, config), DIGEST)
    if not await schedule.pending(tx, RETENTION):
        await schedule.add(tx, next_retention(local), RETENTION)
