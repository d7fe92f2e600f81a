"""Case meetings (overleg): plan (one table or a weekly series), list, move, cancel, agenda points, attendance,
decisions, reminders; each change posts an .ics the members' calendars take in. In the screening room `!overleg`
lists the coordinators' week across all cases."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from commands import dates, recurrence
from commands.actions import date_error
from commands.base import Choice, Context, Number, Rest, Role, RoomKind, command, split_word
from commands.calendar_file import ics
from commands.chase import owner_name
from commands.wallclock import local_moment
from core.intents import RoomMessage, SendFile
from core.messages import Msg, fail
from storage import actions, audit, cases, meetings, schedule
from storage import plan as plans
from storage.cases import Case
from storage.schedule import Kind

MEETING_ROOMS = {RoomKind.CASE: Role.CASE_MEMBER, RoomKind.SCREENING: Role.COORDINATOR}
IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
MOVE = {"move": {"nl": "verzetten", "en": "move"}}
CANCEL = {"cancel": {"nl": "annuleren", "en": "cancel"}}
AGENDA = {"agenda": {"nl": "agenda", "en": "agenda"}}
DEFAULT_MINUTES = 60
MAX_PLACE = 200
MAX_DECISION = 1000
MAX_POINT = 500
WEEK = timedelta(days=7)
# Names people use for a type beside its key and its label.
TYPE_ALIASES = {"ico": "casusoverleg", "casus": "casusoverleg", "focus": "focusoverleg", "mdaplus": "mda"}


def _plain(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower().replace("++", "plus")).removesuffix("plus")


def meeting_type(ctx: Context, word: str) -> str | None:
    """The type a word names (key, label or a usual alias, any case and punctuation: `MDA++`, `Top-X`, `ICO`)."""
    plain = _plain(word)
    if not plain:
        return None
    for key, label in ctx.config.meetings.types.items():
        if plain in (key, _plain(label)):
            return key
    alias = TYPE_ALIASES.get(plain)
    return alias if alias in ctx.config.meetings.types else None


def type_label(ctx: Context, meeting: meetings.Meeting) -> str:
    types = ctx.config.meetings.types
    return types.get(meeting.kind or "", "") or next(iter(types.values()))


if TYPE_CHECKING:
    from commands.firing import Firing

NUMBER = re.compile(r"#?\d{1,6}")
ANSWERS = {meetings.YES: {"nl": "ja", "en": "yes"}, meetings.NO: {"nl": "nee", "en": "no"},
           meetings.MAYBE: {"nl": "misschien", "en": "maybe"}}
# A reaction on the invitation counts as the answer (Element adds U+FE0F to some emoji).
REACTIONS = {"✅": meetings.YES, "❌": meetings.NO, "❓": meetings.MAYBE}


def invitation_tag(meeting: meetings.Meeting) -> str:
    return f"meeting:{meeting.case_id}:{meeting.number}"


def series_tag(first: meetings.Meeting) -> str:
    return f"series:{first.case_id}:{first.number}"


def case_of_room(ctx: Context) -> Case:
    """Commands about one case's tables run in its room (the screening room only lists the week)."""
    if ctx.case is None:
        raise fail("error.wrong_room", rooms=[RoomKind.CASE.value])
    return ctx.case


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
        moments.append((meeting.starts_at - timedelta(minutes=cfg.meeting_minutes_before), Kind.MEETING_SOON))
    for moment, kind in moments:
        if moment > ctx.now:
            await schedule.add(ctx.tx, moment, kind, meeting.case_id, meeting.number)


def post_ics(ctx: Context, meeting: meetings.Meeting, cancelled: bool = False, whole_series: bool = False) -> None:
    """After the message about it, which says the file is below it."""
    name = f"overleg-{meeting.case_id}-{'reeks-' if whole_series else ''}{meeting.number}.ics"
    ctx.intents.append(SendFile(None, name, "text/calendar", ics(meeting, type_label(ctx, meeting),
                                                                 ctx.config.bot.region, ctx.config.tz, ctx.now,
                                                                 cancelled, whole_series), room_id=ctx.room_id))


async def meeting_to_change(ctx: Context, number: int) -> meetings.Meeting:
    case = case_of_room(ctx)
    meeting = await meetings.get(ctx.tx, case.id, number)
    if meeting is None or meeting.status != meetings.PLANNED:
        raise fail("meeting.not_found", number=number)
    if ctx.sender not in (meeting.created_by, case.procesregisseur, case.casusregisseur):
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


@command("overleg", "meeting", where=MEETING_ROOMS, args=(Choice("verzetten", "move", MOVE), Number("#"),
                                                           Rest("wanneer", "when")))
async def move(ctx: Context, _: str, number: int, when: str) -> None:
    """One table, or one occurrence of a series (the others stay)."""
    ctx.require_open_case()
    meeting = await meeting_to_change(ctx, number)
    starts_at, extra = read_moment(ctx, when)
    if extra:
        raise fail("error.too_many_arguments", usage=True, extra=extra[:80])
    await meetings.move(ctx.tx, meeting, starts_at)
    moved = await meetings.require(ctx.tx, meeting.case_id, number)
    await audit.append(ctx.tx, ctx.sender, "meeting.moved", case_id=meeting.case_id, purpose="case", number=number)
    await schedule_reminders(ctx, moved)
    ctx.ask(await invitees(ctx), "meeting.moved", tag=invitation_tag(moved), meeting=moved, old=meeting.starts_at,
            label=type_label(ctx, moved))
    post_ics(ctx, moved)


@command("overleg", "meeting", where=MEETING_ROOMS, args=(Choice("annuleren", "cancel", CANCEL), Number("#"),
                                                           Rest("reden", "reason", required=False)))
async def cancel(ctx: Context, _: str, number: int, reason: str | None) -> None:
    meeting = await meeting_to_change(ctx, number)
    await meetings.cancel(ctx.tx, meeting, reason)
    cancelled = await meetings.require(ctx.tx, meeting.case_id, number)
    await audit.append(ctx.tx, ctx.sender, "meeting.cancelled", case_id=meeting.case_id, purpose="case",
                       number=number)
    await schedule_reminders(ctx, cancelled)
    ctx.ask(await invitees(ctx), "meeting.cancelled", meeting=cancelled, reason=reason, label=type_label(ctx, meeting))
    post_ics(ctx, cancelled, cancelled=True)


@command("overleg", "meeting", where=MEETING_ROOMS, args=(Choice("agenda", "agenda", AGENDA), Number("#"),
                                                           Rest("punt", "point", max_length=MAX_POINT)))
async def add_point(ctx: Context, _: str, number: int, text: str) -> None:
    """A free agenda point, by any member, for a table still to come."""
    case = case_of_room(ctx)
    ctx.require_open_case()
    meeting = await meetings.get(ctx.tx, case.id, number)
    if meeting is None or meeting.status != meetings.PLANNED or meeting.minutes_sha256:
        raise fail("meeting.not_found", number=number)
    point = await meetings.add_agenda_point(ctx.tx, meeting, text, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "meeting.agenda_point", case_id=case.id, purpose="case", number=number,
                       point=point)
    ctx.reply("meeting.point_added", meeting=meeting, point=point, text=text)


def length_and_place(rest: str) -> tuple[int, str]:
    """`90 min Stadskantoor`, `1 uur`, or only a place: the duration (minutes) and the place."""
    first, after = split_word(rest)
    for candidate, remainder in ((" ".join(rest.split()[:2]), " ".join(rest.split()[2:])), (first, after)):
        try:
            length = dates.parse_duration(candidate)
        except dates.DateError:
            continue
        if length <= timedelta(hours=12):
            return int(length.total_seconds() // 60), remainder
    return DEFAULT_MINUTES, rest


def series_moments(ctx: Context, text: str) -> tuple[list[datetime], str, str] | None:
    """`elke dinsdag 10:00 ...`: the occurrences (configured count), the rule as stored, and what follows."""
    try:
        found = recurrence.split_recurrence(text)
    except dates.DateError as exc:
        raise date_error(exc) from None
    if found is None:
        return None
    rule, rest = found
    count = ctx.config.meetings.series_count
    moments, after = [], ctx.now.astimezone(ctx.config.tz)
    for _ in range(count):
        after = recurrence.next_occurrence(rule, after)
        moments.append(after)
    return moments, json.dumps({**rule.to_dict(), "count": count}), rest


@command("overleg", "meeting", where=MEETING_ROOMS, args=(Rest("[soort] wanneer [duur] [plaats]",
                                                               "[type] when [duration] [place]", required=False),))
async def plan_or_list(ctx: Context, text: str | None) -> None:
    if ctx.room_kind is RoomKind.SCREENING:
        if text:
            raise fail("error.wrong_room", rooms=[RoomKind.CASE.value])
        await coordinators_week(ctx)
        return
    case = case_of_room(ctx)
    if not text:
        ctx.reply("meeting.list", meetings=await meetings.upcoming(ctx.tx, case.id, ctx.now), case_id=case.id,
                  types=ctx.config.meetings.types)
        return
    if NUMBER.fullmatch(text.strip()):  # `!overleg 2`: that meeting and who comes (a date has more than a number)
        await show_meeting(ctx, int(text.strip().lstrip("#")))
        return
    ctx.require_open_case()
    first_word, after = split_word(text)
    kind = meeting_type(ctx, first_word)
    if kind is None:
        kind = next(iter(ctx.config.meetings.types))
    elif not after:
        raise fail("error.missing_argument", usage=True, name=ctx.form.args[0].names[ctx.lang] if ctx.form else "")
    else:
        text = after
    series = series_moments(ctx, text)
    if series is None:
        starts_at, rest = read_moment(ctx, text)
        minutes, place = length_and_place(rest)
        meeting = await meetings.create(ctx.tx, case.id, starts_at, minutes, place.strip()[:MAX_PLACE] or None,
                                        ctx.sender, kind)
        await audit.append(ctx.tx, ctx.sender, "meeting.planned", case_id=case.id, purpose="case",
                           number=meeting.number)
        await schedule_reminders(ctx, meeting)
        ctx.ask(await invitees(ctx), "meeting.planned", tag=invitation_tag(meeting), meeting=meeting,
                label=type_label(ctx, meeting), agenda=await agenda(ctx, meeting))
        post_ics(ctx, meeting)
        return
    moments, rule, rest = series
    minutes, place = length_and_place(rest)
    made: list[meetings.Meeting] = []
    for moment in moments:
        made.append(await meetings.create(ctx.tx, case.id, moment, minutes, place.strip()[:MAX_PLACE] or None,
                                          ctx.sender, kind, (made[0].number if made else None, rule)))
        await schedule_reminders(ctx, made[-1])
    await audit.append(ctx.tx, ctx.sender, "meeting.series_planned", case_id=case.id, purpose="case",
                       number=made[0].number, count=len(made))
    ctx.ask(await invitees(ctx), "meeting.series_planned", tag=series_tag(made[0]), meetings=made,
            label=type_label(ctx, made[0]), agenda=await agenda(ctx, made[0]), rule=json.loads(rule))
    post_ics(ctx, made[0], whole_series=True)


async def coordinators_week(ctx: Context) -> None:
    """The coming seven days' tables across all cases, for the coordinators in the screening room."""
    found = await meetings.between(ctx.tx, ctx.now, ctx.now + WEEK)
    ctx.reply("meeting.week", meetings=found, types=ctx.config.meetings.types, until=ctx.now + WEEK)


async def agenda(ctx: Context, meeting: meetings.Meeting) -> dict:
    """What the table is about, from what the case room already holds: theme, the plan (adopted version or draft,
    goals up for review by this table), open and overdue actions with owners, decisions since the last table,
    and the free points members added."""
    case = case_of_room(ctx)
    plan = await plans.get(ctx.tx, case.id)
    day = meeting.starts_at.astimezone(ctx.config.tz).date()
    review = bool(plan.review_date and plan.review_date <= day.isoformat())
    before = await meetings.previous(ctx.tx, meeting)
    open_actions = await actions.of_case(ctx.tx, case.id)
    return {
        "theme": case.theme,
        "plan": plan,
        "review": review,
        "goals": [i for i in plan.items if i.kind == plans.GOAL] if review else [],
        "actions": open_actions,
        "owners": {a.number: owner_name(ctx.config, a) for a in open_actions},  # an organisation by its name
        "day": day,
        "decisions": await meetings.decisions_between(ctx.tx, case.id, before.starts_at if before else None,
                                                      meeting.starts_at),
        "points": await meetings.agenda_points(ctx.tx, meeting),
    }


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


async def answer_by_reaction(ctx: Context, tag: str, answer: str) -> bool:
    """A reaction on an invitation: for that table, or on a series' invitation for each occurrence still to come.
    False when the tag is not an invitation of this room's case."""
    what, _, rest = tag.partition(":")
    case_id, _, number = rest.rpartition(":")
    if what not in ("meeting", "series") or ctx.case is None or ctx.case.id != case_id or not number.isdigit():
        return False
    if what == "meeting":
        await record_answer(ctx, int(number), answer)
        return True
    for meeting in await meetings.of_series(ctx.tx, case_id, int(number)):
        if meeting.status == meetings.PLANNED and meeting.starts_at > ctx.now:
            await record_answer(ctx, meeting.number, answer)
    return True


async def show_meeting(ctx: Context, number: int) -> None:
    """One table: when and where, its agenda, each member's answer, who has not answered, and which organisations
    in the case nobody comes for (each should be represented)."""
    case = case_of_room(ctx)
    meeting = await meetings.get(ctx.tx, case.id, number)
    if meeting is None:
        raise fail("meeting.not_found", number=number)
    ctx.reply("meeting.detail", meeting=meeting, label=type_label(ctx, meeting), agenda=await agenda(ctx, meeting),
              orgs={p.key: p.name for p in ctx.config.partners},
              decisions=await meetings.decisions(ctx.tx, case.id, number), **await attendance(ctx, meeting))


async def attendance(ctx: Context, meeting: meetings.Meeting) -> dict:
    """Answers, who has not answered, and the organisations nobody comes for."""
    answers = await meetings.attendance(ctx.tx, meeting.case_id, meeting.number)
    members = await cases.members(ctx.tx, meeting.case_id)
    answered = {a.user_id for a in answers}
    coming = {a.org_key for a in answers if a.answer == meetings.YES and a.org_key}
    return {"answers": answers, "waiting": [m.user_id for m in members if m.user_id not in answered],
            "unrepresented": [ctx.config.partner_name(k) for k in await cases.partners(ctx.tx, meeting.case_id)
                              if k not in coming]}


@command("besluit", "decision", where=IN_CASE, args=(Rest("tekst", "text", max_length=MAX_DECISION),))
async def decide(ctx: Context, text: str) -> None:
    """A decision, recorded with who and when, linked to the meeting running now or else the last one held (not
    to one whose minutes are adopted: those are closed)."""
    ctx.require_open_case()
    meeting = await meetings.last_begun(ctx.tx, ctx.room_case.id, ctx.now)
    if meeting and meeting.minutes_sha256:
        meeting = None
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
