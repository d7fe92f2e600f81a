"""Reminders set by users: one-off or recurring, in a case room or (in the DM) for oneself; list, cancel, snooze."""
from __future__ import annotations

from datetime import datetime

from commands import dates
from commands.actions import date_error
from commands.base import Choice, Context, Number, Rest, Role, RoomKind, command
from commands.recurrence import next_occurrence, split_recurrence
from core.messages import fail
from storage import audit, events, reminders, schedule
from storage.schedule import REMINDER_KINDS, Kind

WHERE = {RoomKind.CASE: Role.CASE_MEMBER, RoomKind.ARRANGEMENT: Role.CASE_MEMBER, RoomKind.DM: Role.ANYONE}
CANCEL = {"cancel": {"nl": "weg", "en": "cancel"}}
MAX_TEXT = 500


def scope_of(ctx: Context) -> tuple[str, str | None, str | None]:
    """(numbering scope, case id, room): a case's reminders belong to the case; a DM's to the person."""
    if ctx.case is not None:
        return ctx.room_case.id, ctx.room_case.id, ctx.room_case.room_id
    return ctx.sender, None, None


@command("herinner", "remind", where=WHERE, args=(Rest("wanneer> <tekst", "when> <text"),))
async def remind(ctx: Context, text: str) -> None:
    ctx.require_open_case()
    try:
        recurring = split_recurrence(text)
        if recurring:
            recurrence, what = recurring
            first = next_occurrence(recurrence, ctx.now)
        else:
            when, what = dates.split_when(text, ctx.now)
            recurrence, first = None, when.at
    except dates.DateError as exc:
        raise date_error(exc) from None
    if not what.strip():
        raise fail("reminder.no_text", usage=True)
    scope, case_id, room_id = scope_of(ctx)
    reminder = await reminders.create(ctx.tx, scope, case_id, room_id, ctx.sender, what.strip()[:MAX_TEXT],
                                      recurrence.to_dict() if recurrence else None)
    await schedule.add(ctx.tx, first, Kind.REMINDER, case_id, reminder.id)
    await audit.append(ctx.tx, ctx.sender, "reminder.created", case_id=case_id, purpose="reminder",
                       number=reminder.number)
    ctx.reply("reminder.set", reminder=reminder, at=first,
              recurrence=recurrence.to_dict() if recurrence else None)


@command("herinneringen", "reminders", where=WHERE, read_only=True)
async def list_reminders(ctx: Context) -> None:
    scope, _, _ = scope_of(ctx)
    items = []
    for reminder in await reminders.active(ctx.tx, scope):
        items.append({"reminder": reminder, "next": await schedule.next_for(ctx.tx, REMINDER_KINDS, reminder.id),
                      "recurrence": reminder.recurrence})
    ctx.reply("reminder.list", items=items)


@command("herinnering", "reminder", where=WHERE, args=(Number("#"), Choice("weg", "cancel", CANCEL)))
async def cancel(ctx: Context, number: int, _: str) -> None:
    scope, case_id, _room = scope_of(ctx)
    reminder = await reminders.by_number(ctx.tx, scope, number)
    if reminder is None or reminder.status != reminders.ACTIVE:
        raise fail("reminder.not_found", number=number)
    case = ctx.case
    if case is not None and ctx.sender not in (reminder.owner, case.procesregisseur, case.casusregisseur):
        raise fail("reminder.not_yours", number=number)
    await reminders.set_status(ctx.tx, reminder.id, reminders.CANCELLED)
    await schedule.cancel(ctx.tx, REMINDER_KINDS, case_id, reminder.id)
    await audit.append(ctx.tx, ctx.sender, "reminder.cancelled", case_id=case_id, purpose="reminder", number=number)
    ctx.reply("reminder.cancelled", reminder=reminder)


@command("later", "later", where=WHERE, args=(Rest("duur", "duration"),))
async def snooze(ctx: Context, text: str) -> None:
    """A reply to a reminder: bring it back after a while (`1u`, `30 min`) or at a moment (`morgen 9:00`)."""
    tag = await events.tag_of(ctx.tx, ctx.in_reply_to) if ctx.in_reply_to else None
    reminder = None
    if tag and tag.startswith("reminder:"):
        reminder = await reminders.get(ctx.tx, int(tag.split(":", 1)[1]))
    scope, case_id, _room = scope_of(ctx)
    if reminder is None or reminder.scope != scope or reminder.status == reminders.CANCELLED:
        raise fail("reminder.reply_needed")
    at = read_later(ctx, text)
    await schedule.add(ctx.tx, at, Kind.SNOOZED, case_id, reminder.id)
    if reminder.status != reminders.ACTIVE:
        await reminders.set_status(ctx.tx, reminder.id, reminders.ACTIVE)
    await audit.append(ctx.tx, ctx.sender, "reminder.snoozed", case_id=case_id, purpose="reminder",
                       number=reminder.number)
    ctx.reply("reminder.snoozed", reminder=reminder, at=at)


def read_later(ctx: Context, text: str) -> datetime:
    try:
        return ctx.now + dates.parse_duration(text)
    except dates.DateError:
        pass
    try:
        return dates.parse_when(text, ctx.now).at
    except dates.DateError as exc:
        raise date_error(exc) from None
