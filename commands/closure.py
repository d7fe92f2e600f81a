"""The end of a case: `!afsluiten <reden> [monitoring <datum>]` shows what is still open and waits for `ja`; then
future tables are cancelled (with a cancelling .ics), open actions close (their owners are told), nothing more is
chased, a final report is archived like the plan, the room becomes read-only and its members leave after a grace
period. `!heropenen` undoes it within a term. Monitoring keeps a finished case watched until a date."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from commands import dates, documents, evaluation
from commands.actions import date_error, owners_of
from commands.base import REFERRAL_NUMBER, Context, Rest, Role, RoomKind, command, split_word
from commands.confirm import on_confirm
from commands.meetings import post_ics, type_label
from commands.wallclock import local_moment
from core.intents import InviteToCase, RemoveFromCase, RoomMessage, UpdateCaseState
from core.messages import Msg, fail
from core.vocabulary import CLOSE_REASONS, LIFE_DOMAINS
from storage import actions, archive, audit, cases, confirmations, meetings, referrals, schedule, zrm
from storage import plan as plans
from storage.db import iso
from storage.schedule import Kind

if TYPE_CHECKING:
    from commands.firing import Firing

CLOSE = "close"
ASK_FOR = timedelta(minutes=15)  # how long the question waits for `ja`
MAX_NOTE = 1000
MONITORING = ("monitoring", "monitor")
FINAL_REPORT = "final_report"


def read_reason(text: str) -> tuple[str, str | None, str | None]:
    """`doelen bereikt [toelichting] [monitoring <datum>]`: the reason's key, a note, the monitoring date text."""
    words = text.split()
    until = None
    lowered = [w.lower() for w in words]
    for marker in MONITORING:
        if marker in lowered:
            at = lowered.index(marker)
            until, words, lowered = " ".join(words[at + 1:]) or None, words[:at], lowered[:at]
            if until is None:
                raise fail("case.monitoring_date", usage=True)
            break
    for key, names in CLOSE_REASONS.items():
        for name in names.values():
            size = len(name.split())
            if [w.strip(",:;.") for w in lowered[:size]] == name.split():
                note = " ".join(words[size:]).strip(" :,-") or None
                return key, note[:MAX_NOTE] if note else None, until
    raise fail("case.close_reason", usage=True, value=" ".join(words)[:80])


@command("afsluiten", "close", where={RoomKind.CASE: Role.PROCESREGISSEUR},
         args=(Rest("reden [monitoring <datum>]", "reason [monitoring <date>]"),))
async def close(ctx: Context, text: str) -> None:
    """Asks first: what is still open and what closing will do; `ja` within a quarter of an hour closes."""
    case = ctx.room_case
    if case.status == "closed":
        raise fail("case.already_closed", nr=case.id)
    reason, note, until_text = read_reason(text)
    until = None
    if until_text:
        try:
            until = dates.parse_due_date(until_text, ctx.now).isoformat()
        except dates.DateError as exc:
            raise date_error(exc) from None
    await confirmations.ask(ctx.tx, ctx.room_id, ctx.sender, CLOSE, {"case_id": case.id, "reason": reason,
                                                                      "note": note, "until": until},
                            ctx.now + ASK_FOR)
    closure_scored = any(s.moment == zrm.CLOSURE for s in await zrm.scores(ctx.tx, case.id))
    ctx.reply("case.close_confirm", nr=case.id, reason=reason, note=note, until=until,
              zrm_missing=None if closure_scored else Msg.of("case.close_zrm_missing",
                                                             prefix=ctx.config.bot.command_prefix),
              open_actions=await actions.of_case(ctx.tx, case.id),
              meetings=await meetings.upcoming(ctx.tx, case.id, ctx.now),
              members_days=ctx.config.bot.closed_members_days, minutes=int(ASK_FOR.total_seconds() // 60))


@on_confirm(CLOSE)
async def close_confirmed(ctx: Context, payload: dict) -> None:
    if not await ctx.has_role(Role.PROCESREGISSEUR):
        raise fail("error.not_allowed", role=Role.PROCESREGISSEUR.value)
    case = await cases.require(ctx.tx, payload["case_id"])
    if case.status == "closed":
        raise fail("case.already_closed", nr=case.id)
    if payload.get("until"):
        await monitor(ctx, case, payload)
        return
    reason, note = payload["reason"], payload.get("note")
    cancelled = []
    for meeting in await meetings.upcoming(ctx.tx, case.id, ctx.now):
        await meetings.cancel(ctx.tx, meeting, None)
        cancelled.append(await meetings.require(ctx.tx, case.id, meeting.number))
    closed, owners = [], []
    for action in await actions.of_case(ctx.tx, case.id):
        owners += [u for u in await owners_of(ctx.tx, action) if u not in owners]
        await actions.close(ctx.tx, action, actions.DROPPED, ctx.sender, CLOSE_REASONS[reason][ctx.config.bot.language])
        closed.append(action)
    await schedule.cancel_case(ctx.tx, case.id)  # nothing more is chased or reminded
    await cases.close(ctx.tx, case.id, iso(ctx.now), reason, note)  # the bot's clock: retention counts from it
    await schedule.add(ctx.tx, ctx.now + timedelta(days=ctx.config.bot.closed_members_days), Kind.MEMBERS_OUT,
                       case.id)
    await audit.append(ctx.tx, ctx.sender, "case.closed", case_id=case.id, purpose="case", reason=reason)
    filename, report, digest = await final_report(ctx, case.id)
    ctx.intents.append(UpdateCaseState(case.id))  # closed, and the room read-only
    ctx.ask([u for u in owners if u != ctx.sender], "case.closed", nr=case.id, reason=reason, note=note,
            actions=closed, meetings=cancelled, days=ctx.config.bot.retention_days,
            members_days=ctx.config.bot.closed_members_days, sha256=digest)
    for meeting in cancelled:  # after the message, which says the files are below it
        post_ics(ctx, meeting, cancelled=True)
    documents.post(ctx, filename, report)


async def monitor(ctx: Context, case: cases.Case, payload: dict) -> None:
    """The work is done but the case is watched until a date; then the procesregisseur is reminded."""
    until = payload["until"]
    await cases.monitor(ctx.tx, case.id, until, payload["reason"], payload.get("note"))
    await schedule.add(ctx.tx, local_moment(date.fromisoformat(until), ctx.config.reminders.morning,
                                            ctx.config.tz), Kind.MONITORING_END, case.id)
    await audit.append(ctx.tx, ctx.sender, "case.monitoring", case_id=case.id, purpose="case", until=until)
    ctx.intents.append(UpdateCaseState(case.id))
    ctx.reply("case.monitoring", nr=case.id, until=until)


async def final_report(ctx: Context, case_id: str) -> tuple[str, bytes, str]:
    """The case's course, rendered once and archived: what the archive holds, its hash and the posted file agree."""
    case = await cases.require(ctx.tx, case_id)
    referral = await referrals.get(ctx.tx, case_id)
    held = await meetings.held(ctx.tx, case_id, ctx.now)
    version = 1 + sum(1 for d in await archive.listing(ctx.tx, case_id) if d["kind"] == FINAL_REPORT)
    title = f"Eindverslag {case_id}" + (f" ({version})" if version > 1 else "")
    filename = f"eindverslag-{case_id}" + (f"-{version}" if version > 1 else "") + ".pdf"
    content = documents.render(ctx, Msg.of(
        "case.final_report", title=title, case=case, referral=referral,
        tables=[(m, type_label(ctx, m)) for m in held],
        decisions=await meetings.decisions_between(ctx.tx, case_id, None, ctx.now + timedelta(seconds=1)),
        plan=await plans.get(ctx.tx, case_id), zrm=await zrm_start_and_end(ctx, case_id),
        documents=[d for d in await archive.listing(ctx.tx, case_id) if d["kind"] != FINAL_REPORT],
        actions=await actions.of_case(ctx.tx, case_id, (actions.OPEN, actions.DONE, actions.DROPPED))),
        title, filename)
    digest = await archive.store(ctx.tx, case_id, FINAL_REPORT, version, title, content, ctx.sender)
    return filename, content, digest


async def zrm_start_and_end(ctx: Context, case_id: str) -> list[tuple[str, int, int]]:
    """Per life domain scored (in the ZRM's order): the first score and the last."""
    found = await zrm.first_and_last(ctx.tx, case_id)
    return [(domain, *found[domain]) for domain in LIFE_DOMAINS if domain in found]


@command("heropenen", "reopen", where={RoomKind.CASE: Role.PROCESREGISSEUR, RoomKind.SCREENING: Role.COORDINATOR},
         args=(Rest("[nr] reden", "[nr] reason"),))
async def reopen(ctx: Context, text: str) -> None:
    """Within the term after closure: writable again, the members back (invited if they had left), audited. From
    the screening room with the case number, since after the grace period nobody is left in the room."""
    if ctx.room_kind is RoomKind.SCREENING:
        number, reason = split_word(text)
        case = await cases.get(ctx.tx, number.upper()) if REFERRAL_NUMBER.match(number) else None
        if case is None:
            raise fail("case.not_found", usage=True, value=number[:40])
    else:
        case, reason = ctx.room_case, text
    if not reason.strip():
        raise fail("error.missing_argument", usage=True, name=ctx.command.args[0].names[ctx.lang]
                   if ctx.command else "")
    if case.status == "open":
        raise fail("case.not_closed", nr=case.id)
    if case.is_arrangement:  # its term is over: a new referral (or, while it ran, `!opschalen`) is the way on
        raise fail("arrangement.not_reopened", nr=case.id, prefix=ctx.config.bot.command_prefix)
    if case.closed_at and ctx.now - datetime.fromisoformat(case.closed_at) > timedelta(
            days=ctx.config.bot.reopen_days):
        raise fail("case.reopen_too_late", nr=case.id, days=ctx.config.bot.reopen_days)
    members_left = await schedule.last_state(ctx.tx, Kind.MEMBERS_OUT, case.id) == schedule.FIRED
    await schedule.cancel_case(ctx.tx, case.id)
    await cases.reopen(ctx.tx, case.id)
    review = (await plans.get(ctx.tx, case.id)).review_date  # its evaluation is reminded again
    await evaluation.schedule_reminder(ctx.tx, ctx.config, case.id, date.fromisoformat(review) if review else None,
                                       ctx.now)
    await audit.append(ctx.tx, ctx.sender, "case.reopened", case_id=case.id, purpose="case")
    ctx.intents.append(UpdateCaseState(case.id))
    members = [m.user_id for m in await cases.members(ctx.tx, case.id)]
    if members_left:
        await cases.forget_briefs(ctx.tx, case.id)
        ctx.intents.extend(InviteToCase(case.id, user) for user in members)
    msg = Msg.of("case.reopened", nr=case.id, reason=reason.strip()[:MAX_NOTE], invited=members_left)
    if case.room_id and ctx.room_id != case.room_id:
        ctx.intents.append(RoomMessage(case.room_id, msg))
    ctx.reply(msg.key, **msg.params)


async def members_out(firing: Firing) -> None:
    """The grace period after closure is over: everyone leaves the room (it stays, read-only, until retention)."""
    case_id = firing.item.case_id
    case = await cases.get(firing.tx, case_id) if case_id else None
    if case is None or case.status != "closed" or not case.room_id:
        return
    firing.intents.append(RoomMessage(case.room_id, Msg.of("case.members_out", nr=case.id)))
    firing.intents.extend(RemoveFromCase(case.id, m.user_id) for m in await cases.members(firing.tx, case.id))


async def monitoring_end(firing: Firing) -> None:
    """Monitoring ends: the procesregisseur decides (close or reopen), asked by a message that rings."""
    case_id = firing.item.case_id
    case = await cases.get(firing.tx, case_id) if case_id else None
    if case is None or case.status != "monitoring" or not case.room_id:
        return
    firing.intents.append(RoomMessage(case.room_id, Msg.of("case.monitoring_ends", nr=case.id,
                                                           until=case.monitoring_until).to(case.procesregisseur)))
