"""The case room: the case card."""
from __future__ import annotations

from datetime import datetime

from commands.base import Choice, Context, Role, RoomKind, UserArg, command
from commands.statement import admit
from core.messages import Msg, fail
from storage import actions, audit, cases, meetings, referrals
from storage import plan as plans

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
        "orgs": {p.key: p.name for p in config.partners},  # members shown with their organisation's name
        "next_meeting": next((m.starts_at for m in await meetings.upcoming(tx, case.id, now)),
                             None),
        "open_actions": await actions.count_open(tx, case.id),
        "plan": plan_status(await plans.get(tx, case.id)),
        "persons": len(await referrals.persons(tx, case.id)),  # how many, for a system: who is in the referral
    }


async def brief(ctx: Context, user_id: str) -> None:
    """Someone invited after the room was made sees nothing from before (history: invited): on joining they get
    the card, the plan, the open actions and the coming tables."""
    case = ctx.room_case
    await cases.mark_briefed(ctx.tx, case.id, user_id)
    plan = await plans.get(ctx.tx, case.id)
    ctx.post(ctx.room_id, "case.brief", user=user_id, card=Msg("case.card", await card_params(
        ctx.tx, ctx.config, case, ctx.now)), plan=plan, goals=[i for i in plan.items if i.kind == plans.GOAL],
        persons=await referrals.persons(ctx.tx, case.id),
        actions=await actions.of_case(ctx.tx, case.id), meetings=await meetings.upcoming(ctx.tx, case.id, ctx.now))


async def open_from_referral(ctx: Context, referral: referrals.Referral, outcome: str, keys: list[str]) -> list[str]:
    """The triage's outcome recorded and the referral's case row made (a case, or a light arrangement) with its first
    members: the coordinator as procesregisseur, the referrer, and the named partners' contacts. Returns the
    incidental partners' contacts whose invitation waits for their confidentiality statement."""
    number = referral.id
    await referrals.set_outcome(ctx.tx, number, outcome, ctx.sender)
    area = referral.area
    await cases.create(ctx.tx, number, referral.fields["thema"], referral.fields["gemeente"], ctx.sender,
                       referral.approach, area["neighbourhood"] if area else None)
    await cases.add_member(ctx.tx, number, ctx.sender, cases.PROCESREGISSEUR)
    await cases.add_member(ctx.tx, number, referral.referrer, cases.REFERRER, referral.referrer_org)
    waiting = []
    for key in keys:
        await cases.add_partner(ctx.tx, number, key)
        for contact in ctx.config.contacts_of(key):
            if not await admit(ctx, number, contact, key):
                waiting.append(contact)
    return waiting


def plan_status(plan: plans.Plan) -> Msg:
    """The plan's line on the card: its version and whether it is a draft, adopted, or a draft after an adopted
    version."""
    return Msg.of(f"plan.status.{plan.state}", version=plan.version, adopted_version=plan.adopted_version)


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

