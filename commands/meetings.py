"""Case meetings (overleg): plan, list, move, cancel; each change posts an .ics the members' calendars take in.
The invitation carries the case number only: calendars sync to phones and servers outside the partnership."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event

from commands import dates
from commands.actions import date_error
from commands.base import Choice, Context, Number, Rest, Role, RoomKind, command, split_word
from commands.wallclock import local_moment
from core.intents import RoomMessage, SendFile
from core.messages import Msg, fail
from storage import audit, cases, meetings, schedule
from storage.schedule import Kind

IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
MOVE = {"move": {"nl": "verzetten", "en": "move"}}
CANCEL = {"cancel": {"nl": "annuleren", "en": "cancel"}}
DEFAULT_MINUTES = 60
MAX_PLACE = 200
MAX_DECISION = 1000


def ics(meeting: meetings.Meeting, region: str, now: datetime, cancelled: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//ZVH bot//overleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{meeting.case_id}-{meeting.number}@zvh-bot")
    event.add("sequence", meeting.sequence)
    event.add("summary", f"Casusoverleg {meeting.case_id} #{meeting.number}")
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.minutes))
    event.add("dtstamp", now)
    event.add("description", f"Zorg- en Veiligheidshuis {region}")
    if meeting.place:
        event.add("location", meeting.place)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()


if TYPE_CHECKING:
    from commands.firing import Firing

NUMBER = re.compile(r"#?\d{1,6}")
ANSWERS = {meetings.YES: {"nl": "ja", "en": "yes"}, meetings.NO: {"nl": "nee", "en": "no"},
           meetings.MAYBE: {"nl": "misschien", "en": "maybe"}}
# A reaction on the invitation counts as the answer (Element adds U+FE0F to some emoji).
REACTIONS = {"✅": meetings.YES, "❌": meetings.NO, "❓": meetings.MAYBE}


def invitation_tag(meeting: meetings.Meeting) -> str:
    return f"meeting:{meeting.case_id}:{meeting.number}"


async def invitees(ctx: Context) -> list[str]:
    """Everyone in the case but the one who changed the meeting: an invitation, a move or a cancellation asks
    them to act (put it in their calendar), so it notifies them."""
    return [m.user_id for m in await cases.members(ctx.tx, ctx.room_case.id) if m.user_id != ctx.sender]


async def schedule_reminders(ctx: Context, meeting: meetings.Meeting) -> None:
    """The day before (same wall-clock time, so DST cannot move it) and shortly before; replaced on every move,
    gone on a cancellation. Only moments still ahead."""
    await schedule.cancel(ctx.tx, schedule.MEETING_KINDS, meeting.case_id, meeting.number)
    if meeting.status != meetings.PLANNED:
        return
    cfg, start = ctx.config.reminders, meeting.starts_at.astimezone(ctx.config.tz)
    moments = []
    if cfg.meeting_days_before:
        moments.append((local_moment(start.date() - timedelta(days=cfg.meeting_days_before), start.time(),
                                     ctx.config.tz), Kind.MEETING_DAY))
    if cfg.meeting_minutes_before:
        moments.append((start - timedelta(minutes=cfg.meeting_minutes_before), Kind.MEETING_SOON))
    for moment, kind in moments:
        if moment > ctx.now:
            await schedule.add(ctx.tx, moment, kind, meeting.case_id, meeting.number)


def post_ics(ctx: Context, meeting: meetings.Meeting, cancelled: bool = False) -> None:
    ctx.intents.append(SendFile(None, f"overleg-{meeting.case_id}-{meeting.number}.ics", "text/calendar",
                                ics(meeting, ctx.config.bot.region, ctx.now, cancelled), room_id=ctx.room_id))


async def meeting_to_change(ctx: Context, number: int) -> meetings.Meeting:
    meeting = await meetings.get(ctx.tx, ctx.room_case.id, number)
    if meeting is None or meeting.status != meetings.PLANNED:
        raise fail("meeting.not_found", number=number)
    if ctx.sender not in (meeting.created_by, ctx.room_case.procesregisseur, ctx.room_case.casusregisseur):
        raise fail("meeting.not_allowed", number=number)
    return meeting


def read_moment(ctx: Context, text: str) -> tuple[datetime, str]:
    """A moment and what follows it (duration and place, or nothing)."""
    try:
        when, rest = dates.split_when(text, ctx.now, rest_required=False)
        return when.at, rest
    except dates.DateError as exc:
        if exc.reason != "unreadable":
            raise date_error(exc) from None
    try:  # a moment alone in words only the fallback reader knows ("next week noon")
        return dates.parse_when(text, ctx.now).at, ""
    except dates.DateError as exc:
        raise date_error(exc) from None


@command("overleg", "meeting", where=IN_CASE, args=(Choice("verzetten", "move", MOVE), Number("#"),
                                                      Rest("wanneer", "when")))
async def move(ctx: Context, _: str, number: int, when: str) -> None:
    ctx.require_open_case()
    meeting = await meeting_to_change(ctx, number)
    starts_at, extra = read_moment(ctx, when)
    if extra:
        raise fail("error.too_many_arguments", usage=True, extra=extra[:80])
    await meetings.move(ctx.tx, meeting, starts_at)
    moved = await meetings.require(ctx.tx, meeting.case_id, number)
    await audit.append(ctx.tx, ctx.sender, "meeting.moved", case_id=meeting.case_id, purpose="case", number=number)
    await schedule_reminders(ctx, moved)
    ctx.ask(await invitees(ctx), "meeting.moved", tag=invitation_tag(moved), meeting=moved, old=meeting.starts_at)
    post_ics(ctx, moved)  # after the message, which says the file is below it


@command("overleg", "meeting", where=IN_CASE, args=(Choice("annuleren", "cancel", CANCEL), Number("#"),
                                                      Rest("reden", "reason", required=False)))
async def cancel(ctx: Context, _: str, number: int, reason: str | None) -> None:
    meeting = await meeting_to_change(ctx, number)
    await meetings.cancel(ctx.tx, meeting, reason)
    cancelled = await meetings.require(ctx.tx, meeting.case_id, number)
    await audit.append(ctx.tx, ctx.sender, "meeting.cancelled", case_id=meeting.case_id, purpose="case",
                       number=number)
    await schedule_reminders(ctx, cancelled)
    ctx.ask(await invitees(ctx), "meeting.cancelled", meeting=cancelled, reason=reason)
    post_ics(ctx, cancelled, cancelled=True)


@command("overleg", "meeting", where=IN_CASE, args=(Rest("wanneer [duur] [plaats]", "when [duration] [place]",
                                                         required=False),))
async def plan_or_list(ctx: Context, text: str | None) -> None:
    case = ctx.room_case
    if not text:
        ctx.reply("meeting.list", meetings=await meetings.upcoming(ctx.tx, case.id, ctx.now), case_id=case.id)
        return
    if NUMBER.fullmatch(text.strip()):  # `!overleg 2`: that meeting and who comes (a date has more than a number)
        await show_meeting(ctx, int(text.strip().lstrip("#")))
        return
    ctx.require_open_case()
    starts_at, rest = read_moment(ctx, text)
    minutes, place = DEFAULT_MINUTES, rest
    first, after = split_word(rest)
    for candidate, remainder in ((" ".join(rest.split()[:2]), " ".join(rest.split()[2:])), (first, after)):
        try:
            length = dates.parse_duration(candidate)
        except dates.DateError:
            continue
        if length <= timedelta(hours=12):
            minutes, place = int(length.total_seconds() // 60), remainder
            break
    meeting = await meetings.create(ctx.tx, case.id, starts_at, minutes, place.strip()[:MAX_PLACE] or None,
                                    ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "meeting.planned", case_id=case.id, purpose="case", number=meeting.number)
    await schedule_reminders(ctx, meeting)
    ctx.ask(await invitees(ctx), "meeting.planned", tag=invitation_tag(meeting), meeting=meeting)
    post_ics(ctx, meeting)


@command("aanwezig", "rsvp", where=IN_CASE, args=(Number("#"), Choice("antwoord", "answer", ANSWERS),
                                                   Rest("namens org", "for org", required=False)))
async def rsvp(ctx: Context, number: int, answer: str, behalf: str | None) -> None:
    """Whether you come to a table, for yourself or on behalf of an organisation in the case."""
    org = None
    if behalf:
        word, key = split_word(behalf)
        if word.lower() not in ("namens", "for") or not key or " " in key.strip():
            raise fail("error.too_many_arguments", usage=True, extra=behalf[:80])
        org = key.strip().lower()
        if org not in await cases.partners(ctx.tx, ctx.room_case.id):
            raise fail("action.org_not_partner", value=org, prefix=ctx.config.bot.command_prefix)
    await record_answer(ctx, number, answer, org)
    ctx.reply("meeting.rsvp", number=number, answer=answer, org=ctx.config.partner_name(org) if org else None)


async def record_answer(ctx: Context, number: int, answer: str, org: str | None = None) -> meetings.Meeting:
    """By command or by reacting on the invitation: the latest answer counts. Only for a planned meeting."""
    ctx.require_open_case()
    meeting = await meetings.get(ctx.tx, ctx.room_case.id, number)
    if meeting is None or meeting.status != meetings.PLANNED:
        raise fail("meeting.not_found", number=number)
    if org is None:
        member = await cases.member(ctx.tx, ctx.room_case.id, ctx.sender)
        org = member.org_key if member else None
    await meetings.set_attendance(ctx.tx, meeting.case_id, number, ctx.sender, answer, org)
    await audit.append(ctx.tx, ctx.sender, "meeting.rsvp", case_id=meeting.case_id, purpose="case", number=number,
                       answer=answer)
    return meeting


async def show_meeting(ctx: Context, number: int) -> None:
    """One table: when and where, each member's answer, who has not answered, and which organisations in the
    case nobody comes for (each should be represented)."""
    case = ctx.room_case
    meeting = await meetings.get(ctx.tx, case.id, number)
    if meeting is None:
        raise fail("meeting.not_found", number=number)
    answers = await meetings.attendance(ctx.tx, case.id, number)
    members = await cases.members(ctx.tx, case.id)
    answered = {a.user_id for a in answers}
    coming = {a.org_key for a in answers if a.answer == meetings.YES and a.org_key}
    unrepresented = [ctx.config.partner_name(k) for k in await cases.partners(ctx.tx, case.id) if k not in coming]
    ctx.reply("meeting.detail", meeting=meeting, answers=answers, waiting=[m.user_id for m in members
                                                                          if m.user_id not in answered],
              unrepresented=unrepresented, decisions=await meetings.decisions(ctx.tx, case.id, number))


@command("besluit", "decision", where=IN_CASE, args=(Rest("tekst", "text", max_length=MAX_DECISION),))
async def decide(ctx: Context, text: str) -> None:
    """A decision, recorded with who and when, linked to the meeting running now or else the last one held."""
    ctx.require_open_case()
    meeting = await meetings.last_begun(ctx.tx, ctx.room_case.id, ctx.now)
    number = await meetings.add_decision(ctx.tx, ctx.room_case.id, meeting.number if meeting else None, text,
                                         ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "decision.recorded", case_id=ctx.room_case.id, purpose="case",
                       number=number)
    ctx.reply("decision.recorded", number=number, meeting=meeting, text=text)


async def remind(firing: Firing) -> None:
    """A meeting reminder falls due: to everyone in the case who has not declined, as a message that rings. Not for
    a cancelled meeting, nor (after downtime) for one that has already begun."""
    item = firing.item
    if item.case_id is None or item.ref is None:
        return
    meeting = await meetings.get(firing.tx, item.case_id, item.ref)
    case = await cases.get(firing.tx, item.case_id)
    if meeting is None or case is None or not case.room_id or meeting.status != meetings.PLANNED \
            or meeting.starts_at <= firing.now:
        return
    declined = {a.user_id for a in await meetings.attendance(firing.tx, case.id, meeting.number)
                if a.answer == meetings.NO}
    people = [m.user_id for m in await cases.members(firing.tx, case.id) if m.user_id not in declined]
    firing.intents.append(RoomMessage(case.room_id, Msg.of("meeting.reminder", meeting=meeting, late=firing.late,
                                                           soon=item.kind == Kind.MEETING_SOON).to(*people)))
