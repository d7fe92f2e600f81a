"""Light arrangements (afstemming): instead of a full case, a short-lived private room with the referrer and one to
three partners to make arrangements. `!triage <nr> afstemmen <partner> [partner ...] [termijn]` makes it (the
same room rules as a case: invite-only, encrypted, pseudonymous name, `nl.zvh.case` state, marked `kind:
arrangement`); `!afspraak` records who does what (by when: then it is an action, chased like any); the room closes
itself after its term (reminder before, extendable once by the procesregisseur with `!afstemmen verlengen`);
`!opschalen` makes it a full case in place: the same room, number, members, actions and history, the arrangements
without a deadline carried over as the case's first decisions."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from commands import arrangement_record, dates, documents
from commands.actions import date_error, on_working_day, reschedule, say
from commands.base import Choice, Context, Rest, Role, RoomKind, command, parse_partner_keys, resolve_user
from commands.cases import card_params, open_from_referral
from commands.chase import owners_of
from commands.social_map import suggestions
from commands.wallclock import local_moment
from core.intents import CreateCaseRoom, Reply, RoomMessage, UpdateCaseState
from core.messages import Msg, fail
from storage import actions, arrangements, audit, cases, meetings, referrals, schedule
from storage.db import iso
from storage.schedule import ARRANGEMENT_KINDS, Kind

if TYPE_CHECKING:
    from commands.firing import Firing

IN_ROOM = {RoomKind.ARRANGEMENT: Role.CASE_MEMBER}
TERM = re.compile(r"^(?P<n>\d{1,3})\s*(?P<unit>w|wk|wkn|week|weken|weeks|d|dag|dagen|day|days)$", re.I)
TERM_ENDED = "term_ended"  # the close reason of an arrangement whose term is over (not one to choose)
EXTEND = {"extend": {"nl": "verlengen", "en": "extend"}}
MAX_TEXT = 500
SYSTEM = "zvh-bot"  # the actor of what the schedule does by itself (the audit trail's "who")


def read_term(words: list[str]) -> tuple[list[str], int | None]:
    """A term at the end (`6 weken`, `3w`, `21 dagen`, `2 weeks`): the other words, and the term in days."""
    for size in (1, 2):
        if len(words) >= size:
            match = TERM.match(" ".join(words[-size:]))
            if match:
                n = int(match["n"])
                return words[:-size], n * (1 if match["unit"].lower().startswith("d") else 7)
    return words, None


def check_term(ctx: Context, days: int | None) -> int:
    settings = ctx.config.arrangements
    if days is None:
        return settings.term_weeks * 7
    if not 1 <= days <= settings.max_term_weeks * 7:
        raise fail("arrangement.bad_term", usage=True, days=days, max=settings.max_term_weeks)
    return days


async def plan_end(ctx: Context, case_id: str, ends: date) -> None:
    """The reminder (a week before, in the morning, unless that has passed) and the end (the morning of the day)."""
    await schedule.cancel(ctx.tx, ARRANGEMENT_KINDS, case_id, None)
    morning, tz = ctx.config.reminders.morning, ctx.config.tz
    before = ctx.config.arrangements.reminder_days_before
    remind_at = local_moment(ends - timedelta(days=before), morning, tz)
    if before and remind_at > ctx.now:
        await schedule.add(ctx.tx, remind_at, Kind.ARRANGEMENT_REMINDER, case_id)
    await schedule.add(ctx.tx, local_moment(ends, morning, tz), Kind.ARRANGEMENT_END, case_id)


async def start(ctx: Context, referral: referrals.Referral, text: str) -> None:
    """From the triage: the referral becomes a light arrangement. Members recorded now, the room made by the outbox
    (idempotently, as a case room)."""
    words, days = read_term([w for w in re.split(r"[\s,]+", text.strip()) if w])
    domains = list(referral.fields.get("leefgebieden") or [])
    if not words:
        raise fail("arrangement.needs_partners", usage=True, max=ctx.config.arrangements.max_partners,
                   suggestions=suggestions(ctx.config, domains))
    keys = parse_partner_keys(ctx.config, words)
    if len(keys) > ctx.config.arrangements.max_partners:
        raise fail("arrangement.too_many_partners", usage=True, max=ctx.config.arrangements.max_partners,
                   prefix=ctx.config.bot.command_prefix)
    days = check_term(ctx, days)
    number, ends = referral.id, ctx.now.date() + timedelta(days=days)
    waiting = await open_from_referral(ctx, referral, "aligned", keys)
    await arrangements.begin(ctx.tx, number, ends)
    await plan_end(ctx, number, ends)
    await audit.append(ctx.tx, ctx.sender, "referral.aligned", case_id=number, purpose="triage", partners=keys,
                       term_ends=ends.isoformat())
    await cases.mark_briefed(ctx.tx, number)  # the room's welcome, with the card, is their brief
    case = await cases.require(ctx.tx, number)
    ctx.intents.append(CreateCaseRoom(number, Msg.of("arrangement.welcome", nr=number, card=await card(ctx, case),
                                                     prefix=ctx.config.bot.command_prefix)))
    ctx.dm(referral.referrer, "outcome.aligned", notify=True, nr=number, ends=ends)
    ctx.reply("triage.aligned", nr=number, partners=[ctx.config.partner_name(k) for k in keys], waiting=waiting,
              ends=ends)


async def card(ctx: Context, case: cases.Case) -> Msg:
    """The arrangement's card: term, members, what was arranged and its open actions."""
    return Msg.of("arrangement.card", case=case, ends=date.fromisoformat(case.term_ends or ctx.now.date().isoformat()),
                  members=await cases.members(ctx.tx, case.id), orgs={p.key: p.name for p in ctx.config.partners},
                  partners=[ctx.config.partner_name(k) for k in await cases.partners(ctx.tx, case.id)],
                  arrangements=await arrangements.of_case(ctx.tx, case.id),
                  open_actions=await actions.count_open(ctx.tx, case.id))


async def brief(ctx: Context, user_id: str) -> None:
    """Someone invited later (history: from their invitation) gets the card on joining."""
    await cases.mark_briefed(ctx.tx, ctx.room_case.id, user_id)
    ctx.post(ctx.room_id, "arrangement.brief", user=user_id, card=await card(ctx, ctx.room_case),
             prefix=ctx.config.bot.command_prefix)


# ---- in the arrangement's room -------------------------------------------------------------------------------------

@command("afstemmen", "align", where=IN_ROOM, role=Role.PROCESREGISSEUR,
         args=(Choice("verlengen", "extend", EXTEND), Rest("termijn", "term", required=False, max_length=40)))
async def extend(ctx: Context, _: str, text: str | None) -> None:
    """Once: the term runs on from its end (by the configured term, or the term given)."""
    ctx.require_open_case()
    case = ctx.room_case
    if case.term_extended:
        raise fail("arrangement.already_extended", nr=case.id, ends=date.fromisoformat(case.term_ends or ""),
                   prefix=ctx.config.bot.command_prefix)
    rest, days = read_term((text or "").split())
    if rest:
        raise fail("arrangement.bad_term_text", usage=True, value=" ".join(rest)[:40])
    days = check_term(ctx, days)
    ends = date.fromisoformat(case.term_ends or ctx.now.date().isoformat()) + timedelta(days=days)
    await arrangements.extend(ctx.tx, case.id, ends)
    await plan_end(ctx, case.id, ends)
    await audit.append(ctx.tx, ctx.sender, "arrangement.extended", case_id=case.id, purpose="arrangement",
                       term_ends=ends.isoformat())
    ctx.intents.append(UpdateCaseState(case.id))
    ctx.reply("arrangement.extended", nr=case.id, ends=ends, prefix=ctx.config.bot.command_prefix)


@command("afstemmen", "align", where=IN_ROOM, read_only=True)
async def show(ctx: Context) -> None:
    await audit.append(ctx.tx, ctx.sender, "arrangement.card_shown", case_id=ctx.room_case.id, purpose="arrangement")
    ctx.intents.append(Reply(await card(ctx, ctx.room_case)))


@command("afspraak", "arrangement", where=IN_ROOM,
         args=(Rest("[wie] tekst [voor datum]", "[who] text [by date]", max_length=MAX_TEXT + 100),))
async def arrange(ctx: Context, text: str) -> None:
    """Who does what: a member (`@user`) or a partner in it may be named first. By when (`voor vrijdag`): then it is
    also an action of that owner (the one who typed it, if none is named), reminded and chased like every action."""
    ctx.require_open_case()
    case = ctx.room_case
    owner_user, owner_org, rest = await read_owner(ctx, text)
    try:
        what, typed = dates.split_due(rest, ctx.now)
    except dates.DateError as exc:
        if exc.reason == "no_text":
            raise fail("arrangement.due_without_text", usage=True, value=exc.text, due=exc.suggestion,
                       prefix=ctx.config.bot.command_prefix) from None
        raise date_error(exc) from None
    if not what:
        raise fail("arrangement.no_text", usage=True)
    if len(what) > MAX_TEXT:
        raise fail("action.too_long", max=MAX_TEXT)
    action, moved_from = None, None
    if typed:
        due, moved_from = on_working_day(ctx, typed)
        owner_user = owner_user or (None if owner_org else ctx.sender)
        action = await actions.create(ctx.tx, case.id, what, owner_user, owner_org, due, ctx.sender)
        await reschedule(ctx, action)
    made = await arrangements.record(ctx.tx, case.id, what, owner_user, owner_org,
                                     action.number if action else None, ctx.sender)
    await audit.append(ctx.tx, ctx.sender, "arrangement.recorded", case_id=case.id, purpose="arrangement",
                       number=made.number, action_number=made.action_number)
    owners = await owners_of(ctx.tx, action) if action else []
    say(ctx, "arrangement.recorded", mentions=tuple(u for u in owners if u != ctx.sender), made=made, action=action,
        org=ctx.config.partner_name(owner_org) if owner_org else None, moved_from=moved_from)


async def read_owner(ctx: Context, text: str) -> tuple[str | None, str | None, str]:
    """A member (`@user`, a pill) or a partner organisation in the arrangement named first, and the rest."""
    first, _, rest = text.strip().partition(" ")
    if first.startswith("@"):
        return await resolve_user(ctx, first), None, rest.strip()
    partner = ctx.config.partner(first)
    if partner and partner.key in await cases.partners(ctx.tx, ctx.room_case.id):
        return None, partner.key, rest.strip()
    return None, None, text.strip()


@command("opschalen", "escalate", where=IN_ROOM, args=(Rest("toelichting", "reason", required=False),))
async def escalate(ctx: Context, reason: str | None) -> None:
    """It does not work out as a light arrangement: the same room becomes the case room (number, members, actions
    and what was said stay); no end any more; what was arranged without a deadline becomes the case's first
    decisions, so the agenda, the minutes and the final report carry it."""
    ctx.require_open_case()
    case = ctx.room_case
    await arrangements.escalate(ctx.tx, case.id, iso(ctx.now))
    await schedule.cancel(ctx.tx, ARRANGEMENT_KINDS, case.id, None)
    carried = []
    for made in await arrangements.of_case(ctx.tx, case.id):
        if made.action_number is None:
            carried.append(await meetings.add_decision(ctx.tx, case.id, None, made.text, made.made_by))
    await audit.append(ctx.tx, ctx.sender, "arrangement.escalated", case_id=case.id, purpose="arrangement",
                       decisions=carried)
    ctx.intents.append(UpdateCaseState(case.id))  # kind, name and topic of a case now
    escalated = await cases.require(ctx.tx, case.id)
    card_msg = Msg("case.card", await card_params(ctx.tx, ctx.config, escalated, ctx.now))
    ctx.ask([case.procesregisseur], "arrangement.escalated", nr=case.id, reason=(reason or "").strip()[:MAX_TEXT],
            by=ctx.sender, decisions=len(carried), card=card_msg, prefix=ctx.config.bot.command_prefix)


# ---- what the schedule does ----------------------------------------------------------------------------------------

async def remind(firing: Firing) -> None:
    """A week before the end: the procesregisseur and the members, ringing: extend, escalate, or let it end."""
    case = await open_arrangement(firing)
    if case is None or not case.room_id:
        return
    members = [m.user_id for m in await cases.members(firing.tx, case.id)]
    firing.intents.append(RoomMessage(case.room_id, Msg.of(
        "arrangement.reminder", nr=case.id, ends=date.fromisoformat(case.term_ends or ""),
        extended=bool(case.term_extended), procesregisseur=case.procesregisseur, late=firing.late,
        prefix=firing.config.bot.command_prefix).to(*members)))


async def end(firing: Firing) -> None:
    """The term is over: open actions close (their owners are told), nothing more is chased, a record of what was
    arranged is archived and pinned, the room turns read-only and its members leave after the grace period; the
    retention term starts."""
    case = await open_arrangement(firing)
    if case is None:
        return
    tx, now = firing.tx, firing.now
    closed, owners = [], []
    for action in await actions.of_case(tx, case.id):
        owners += [u for u in await owners_of(tx, action) if u not in owners]
        await actions.close(tx, action, actions.DROPPED, SYSTEM, None)
        closed.append(action)
    await schedule.cancel_case(tx, case.id)
    await cases.close(tx, case.id, iso(now), TERM_ENDED)
    await schedule.add(tx, now + timedelta(days=firing.config.bot.closed_members_days), Kind.MEMBERS_OUT, case.id)
    await audit.append(tx, SYSTEM, "arrangement.ended", case_id=case.id, purpose="arrangement")
    filename, record, digest = await arrangement_record.keep(firing, case, SYSTEM)
    firing.intents.append(UpdateCaseState(case.id))
    if case.room_id:
        firing.intents.append(RoomMessage(case.room_id, Msg.of(
            "arrangement.ended", nr=case.id, arrangements=await arrangements.of_case(tx, case.id), actions=closed,
            members_days=firing.config.bot.closed_members_days, days=firing.config.arrangement_retention_days,
            late=firing.late, sha256=digest).to(*owners)))
        firing.intents.append(documents.pinned(case.room_id, filename, record))  # below the message naming it


async def open_arrangement(firing: Firing) -> cases.Case | None:
    case_id = firing.item.case_id
    case = await cases.get(firing.tx, case_id) if case_id else None
    return case if case is not None and case.is_arrangement and case.status == "open" else None
