"""Action items in a case room: create, list, done, reassign, postpone, drop. Owners are chased by the schedule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands import dates, deadlines
from commands.base import Arg, Choice, Context, Number, Rest, Role, RoomKind, command, resolve_user, split_word
from commands.chase import describe, org_name, owners_of
from commands.workdays import WorkCalendar
from core.intents import Reply
from core.messages import Msg, fail
from storage import actions, audit, cases, meetings, schedule
from storage import plan as plans

# Actions are arranged in a light arrangement's room too (`!afspraak ... voor <datum>` makes one).
IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER, RoomKind.ARRANGEMENT: Role.CASE_MEMBER}
FILTERS = {"open": {"nl": "open", "en": "open"}, "all": {"nl": "alle", "en": "all"},
           "mine": {"nl": "mijn", "en": "mine"}}
CHANGES = {"reassign": {"nl": "overdragen", "en": "reassign"}, "postpone": {"nl": "uitstellen", "en": "postpone"},
           "drop": {"nl": "vervalt", "en": "drop"}}
MAX_TEXT = 500


@dataclass(frozen=True)
class Owner:
    user: str | None = None
    org: str | None = None


class OwnerArg(Arg):
    """`@user:server`, `@user` (a member of this case) or an organisation key; resolved by the command."""

    def accepts(self, word: str) -> bool:
        return not Number.PATTERN.match(word)


def calendar(ctx: Context) -> WorkCalendar:
    return WorkCalendar(ctx.config.reminders.holidays_country)


async def resolve_owner(ctx: Context, word: str) -> Owner:
    """A person in the case (`@user:server`, `@user`, a pill) or a partner organisation in it."""
    assert ctx.case is not None
    if word.startswith("@"):
        return Owner(user=await resolve_user(ctx, word))
    members = await cases.members(ctx.tx, ctx.room_case.id)
    partner = ctx.config.partner(word)
    if partner is None:
        raise fail("action.bad_owner", usage=True, value=word)
    if partner.key not in await cases.partners(ctx.tx, ctx.room_case.id) and not any(
            m.org_key == partner.key for m in members):
        raise fail("action.org_not_partner", value=partner.key, prefix=ctx.config.bot.command_prefix)
    return Owner(org=partner.key)


def read_due(ctx: Context, who: str, text: str) -> tuple[str, date | None]:
    try:
        return dates.split_due(text, ctx.now)
    except dates.DateError as exc:
        if exc.reason == "no_text":  # `!actie politie voor vrijdag`: a deadline, but for what?
            raise fail("action.due_without_text", usage=True, value=exc.text, due=exc.suggestion, who=who,
                       prefix=ctx.config.bot.command_prefix) from None
        raise date_error(exc) from None


def on_working_day(ctx: Context, due: date) -> tuple[date, date | None]:
    """The deadline as kept (see deadlines.working_deadline), and the date typed when it moved, to say so."""
    kept = deadlines.working_deadline(due, ctx.now.date(), calendar(ctx))
    return kept, due if kept != due else None


def date_error(exc: dates.DateError):
    if exc.reason == "past":
        return fail("date.past", usage=True, value=exc.text, suggestion=exc.suggestion)
    return fail("date.unreadable", usage=True, value=exc.text)


async def reschedule(ctx: Context, action: actions.Action) -> None:
    """The chase follows the action: cancelled when it closes, recomputed when its date moves."""
    await schedule.cancel(ctx.tx, schedule.ACTION_KINDS, action.case_id, action.number)
    if action.status == actions.OPEN and action.due_date:
        for moment, kind in deadlines.action_moments(action.due_date, ctx.now, calendar(ctx),
                                                     ctx.config.reminders, ctx.config.tz):
            await schedule.add(ctx.tx, moment, kind, action.case_id, action.number)


async def open_action(ctx: Context, number: int) -> actions.Action:
    assert ctx.case is not None
    action = await actions.get(ctx.tx, ctx.room_case.id, number)
    if action is None:
        raise fail("action.not_found", number=number)
    if action.status != actions.OPEN:
        raise fail("action.not_open", number=number, status=action.status)
    return action


async def may_change(ctx: Context, action: actions.Action) -> None:
    """The owner (or someone of the owning organisation) and the case's directors may change an action."""
    case = ctx.room_case
    if ctx.sender in (case.procesregisseur, case.casusregisseur) or ctx.sender in await owners_of(ctx.tx, action):
        return
    raise fail("action.not_allowed", number=action.number)


def say(ctx: Context, key: str, mentions: tuple[str, ...] = (), **params) -> None:
    ctx.intents.append(Reply(Msg(key, params, mentions=tuple(m for m in mentions if m))))


# ---- the commands ------------------------------------------------------------------------------------------------

@command("actie", "action", where=IN_CASE,
         args=(Number("#"), Choice("wijziging", "change", CHANGES), Rest("details", required=False)))
async def change(ctx: Context, number: int, what: str, details: str | None) -> None:
    ctx.require_open_case()
    action = await open_action(ctx, number)
    await may_change(ctx, action)
    details = (details or "").strip()
    if what == "reassign":
        word, extra = split_word(details)
        if not word or extra:
            raise fail("action.reassign_needs_owner", usage=True)
        owner = await resolve_owner(ctx, word)
        await actions.set_owner(ctx.tx, action, owner.user, owner.org, ctx.sender)
        updated = await actions.require(ctx.tx, action.case_id, number)
        say(ctx, "action.reassigned", mentions=tuple(await owners_of(ctx.tx, updated)), action=updated,
            org=org_name(ctx.config, updated))
    elif what == "postpone":
        typed, reason = split_date_reason(ctx, details)
        due, moved_from = on_working_day(ctx, typed)
        await actions.set_due(ctx.tx, action, due, ctx.sender, reason or None)
        updated = await actions.require(ctx.tx, action.case_id, number)
        await reschedule(ctx, updated)
        say(ctx, "action.postponed", action=updated, old=action.due_date, reason=reason, moved_from=moved_from)
    else:
        if not details:
            raise fail("action.drop_needs_reason", usage=True)
        await actions.close(ctx.tx, action, actions.DROPPED, ctx.sender, details[:MAX_TEXT])
        await reschedule(ctx, await actions.require(ctx.tx, action.case_id, number))
        say(ctx, "action.dropped", action=action, reason=details[:MAX_TEXT])
    await audit.append(ctx.tx, ctx.sender, f"action.{what}", case_id=action.case_id, purpose="case",
                       number=number)


@command("actie", "action", where=IN_CASE, args=(OwnerArg("wie", "who"), Rest("tekst [voor datum]",
                                                                                "text [by date]")))
async def create(ctx: Context, who: str, text: str) -> None:
    assert ctx.case is not None
    ctx.require_open_case()
    owner = await resolve_owner(ctx, who)
    text, typed = read_due(ctx, who, text)
    due, moved_from = on_working_day(ctx, typed) if typed else (None, None)
    if not text:
        raise fail("action.no_text", usage=True)
    if len(text) > MAX_TEXT:
        raise fail("action.too_long", max=MAX_TEXT)
    meeting = await meetings.running(ctx.tx, ctx.room_case.id, ctx.now)  # agreed at the table: in its minutes
    action = await actions.create(ctx.tx, ctx.room_case.id, text, owner.user, owner.org, due, ctx.sender,
                                  meeting.number if meeting else None)
    await reschedule(ctx, action)
    await audit.append(ctx.tx, ctx.sender, "action.created", case_id=ctx.room_case.id, purpose="case",
                       number=action.number)
    say(ctx, "action.created", mentions=tuple(await owners_of(ctx.tx, action)), action=action,
        owners=await owners_of(ctx.tx, action), org=org_name(ctx.config, action), moved_from=moved_from)


def split_date_reason(ctx: Context, text: str) -> tuple[date, str]:
    """`15 dec wacht op rapport`: the longest leading words that read as a date, then the reason."""
    words = text.split()
    past: dates.DateError | None = None
    for size in range(min(6, len(words)), 0, -1):
        try:
            return dates.parse_due_date(" ".join(words[:size]), ctx.now), " ".join(words[size:])[:MAX_TEXT]
        except dates.DateError as exc:
            if exc.reason == "past" and past is None:
                past = exc
    if past is not None:
        raise date_error(past)
    if not words:
        raise fail("action.postpone_needs_date", usage=True)
    raise fail("date.unreadable", usage=True, value=" ".join(words[:4]))


@command("acties", "actions", where=IN_CASE, read_only=True, args=(Choice("welke", "which", FILTERS, required=False),))
async def list_actions(ctx: Context, which: str | None) -> None:
    assert ctx.case is not None
    which = which or "open"
    statuses = (actions.OPEN,) if which != "all" else (actions.OPEN, actions.DONE, actions.DROPPED)
    found = await actions.of_case(ctx.tx, ctx.room_case.id, statuses)
    if which == "mine":
        found = [a for a in found if ctx.sender in await owners_of(ctx.tx, a)]
    today = ctx.now.date()
    ctx.reply("action.list", items=[describe(a, today, calendar(ctx), ctx.config) for a in found], which=which,
              case_id=ctx.room_case.id)


@command("klaar", "done", where=IN_CASE, args=(Number("#"), Rest("toelichting", "note", required=False)))
async def done(ctx: Context, number: int, note: str | None) -> None:
    ctx.require_open_case()
    action = await open_action(ctx, number)
    await may_change(ctx, action)
    await actions.close(ctx.tx, action, actions.DONE, ctx.sender, (note or "")[:MAX_TEXT] or None)
    await reschedule(ctx, await actions.require(ctx.tx, action.case_id, number))
    await audit.append(ctx.tx, ctx.sender, "action.done", case_id=action.case_id, purpose="case", number=number)
    say(ctx, "action.done", action=action, note=note)


@command("mijn", "mine", where={kind: Role.ANYONE for kind in RoomKind}, read_only=True)
async def mine(ctx: Context) -> None:
    """Your open actions and upcoming meetings across cases, answered in the DM: an overview across cases does not
    belong in one case's room."""
    today = ctx.now.date()
    items = [describe(a, today, calendar(ctx), ctx.config) for a in await actions.open_for_user(ctx.tx, ctx.sender)]
    # Overdue first, then by due date; actions without a date last.
    items.sort(key=lambda d: (d["action"].due_date is None, d["action"].due_date or date.max, d["action"].case_id,
                              d["action"].number))
    upcoming = await meetings.upcoming_for_user(ctx.tx, ctx.sender, ctx.now)
    reviews = await plans.upcoming_reviews(ctx.tx, ctx.sender, today.isoformat())  # the cases they direct
    await audit.append(ctx.tx, ctx.sender, "actions.overview", purpose="own work", count=len(items))
    if ctx.room_kind is RoomKind.DM:
        ctx.reply("mine.list", items=items, meetings=upcoming, evaluations=reviews)
    else:
        ctx.dm(ctx.sender, "mine.list", items=items, meetings=upcoming, evaluations=reviews)
        ctx.reply("mine.sent_to_dm")
