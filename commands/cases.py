"""The case room: the case card."""
from __future__ import annotations

from datetime import datetime

from commands.base import Choice, Context, Rest, Role, RoomKind, UserArg, command
from core.intents import UpdateCaseState
from core.messages import fail
from storage import actions, audit, cases, meetings, schedule
from storage.db import iso

LEADS = {"case": {"nl": "casus", "en": "case"}, "process": {"nl": "proces", "en": "process"}}


@command("casus", "case", where={RoomKind.CASE: Role.CASE_MEMBER}, read_only=True)
async def card(ctx: Context) -> None:
    assert ctx.case is not None
    await audit.append(ctx.tx, ctx.sender, "case.card_shown", case_id=ctx.room_case.id, purpose="case")
    ctx.reply("case.card", **await card_params(ctx.tx, ctx.config, ctx.case, ctx.now))


async def card_params(tx, config, case: cases.Case, now: datetime) -> dict:
    """What the case card shows; also posted when the room is created."""
    return {
        "case": case,
        "partners": [config.partner_name(k) for k in await cases.partners(tx, case.id)],
        "members": await cases.members(tx, case.id),
        # The plan arrives with their own issues; the card already has their place.
        "next_meeting": next((m.starts_at for m in await meetings.upcoming(tx, case.id, now)),
                             None),
        "open_actions": await actions.count_open(tx, case.id),
        "plan_version": None,
    }


@command("regie", "lead", where={RoomKind.CASE: Role.PROCESREGISSEUR},
         args=(Choice("soort", "kind", LEADS), UserArg("@gebruiker", "@user")))
async def lead(ctx: Context, kind: str, user: str) -> None:
    """The procesregisseur names the casusregisseur (a member of the case), or hands over the process direction
    to another coordinator."""
    assert ctx.case is not None
    if kind == "process" and not ctx.config.is_coordinator(user):
        raise fail("lead.not_coordinator", value=user)
    await cases.set_lead(ctx.tx, ctx.room_case.id, kind, user)
    await audit.append(ctx.tx, ctx.sender, f"case.lead_{kind}", case_id=ctx.room_case.id, purpose="case", user=user)
    ctx.reply("lead.set", kind=kind, user=user)


@command("afsluiten", "close", where={RoomKind.CASE: Role.PROCESREGISSEUR}, args=(Rest("reden", "reason"),))
async def close(ctx: Context, reason: str) -> None:
    """The procesregisseur closes the case: nothing more is chased, and the retention term starts."""
    case = ctx.room_case
    if case.status == "closed":
        raise fail("case.already_closed", nr=case.id)
    await cases.close(ctx.tx, case.id, iso(ctx.now), reason[:1000])  # the bot's clock: retention counts from it
    await schedule.cancel_case(ctx.tx, case.id)
    await audit.append(ctx.tx, ctx.sender, "case.closed", case_id=case.id, purpose="case")
    ctx.intents.append(UpdateCaseState(case.id))
    ctx.reply("case.closed", nr=case.id, reason=reason[:1000], days=ctx.config.bot.retention_days,
              open_actions=await actions.count_open(ctx.tx, case.id))
