"""The screening queue and triage: list, show, and decide on referrals."""
from __future__ import annotations

import re

from commands import arrangements
from commands.base import (
    Choice,
    Context,
    ReferralNumber,
    Rest,
    Role,
    RoomKind,
    command,
    parse_partner_keys,
    split_word,
)
from commands.cases import card_params, open_from_referral
from commands.social_map import suggestions
from core.intents import CreateCaseRoom
from core.messages import Msg, fail
from storage import audit, cases, referrals

OUTCOMES = {
    "advice": {"nl": "advies", "en": "advice"},
    "referred": {"nl": "doorverwijzen", "en": "refer"},
    "rejected": {"nl": "afwijzen", "en": "reject"},
    "escalated": {"nl": "opschalen", "en": "escalate"},
    "aligned": {"nl": "afstemmen", "en": "align"},  # a light arrangement (commands/arrangements.py)
}


@command("meldingen", "referrals", where={RoomKind.DM: Role.REFERRER, RoomKind.SCREENING: Role.COORDINATOR},
         read_only=True)
async def list_referrals(ctx: Context) -> None:
    if ctx.room_kind is RoomKind.SCREENING:
        ctx.reply("referrals.queue", referrals=await referrals.open_queue(ctx.tx), prefix=ctx.config.bot.command_prefix)
    else:
        ctx.reply("referrals.mine", referrals=await referrals.by_referrer(ctx.tx, ctx.sender))


@command("toon", "show", args=(ReferralNumber("nr"),), read_only=True,
         where={RoomKind.SCREENING: Role.COORDINATOR, RoomKind.DM: Role.REFERRER})
async def show(ctx: Context, number: str) -> None:
    ctx.require_encryption()
    referral = await visible_referral(ctx, number)
    await audit.append(ctx.tx, ctx.sender, "referral.shown", case_id=number, purpose="screening",
                       room=ctx.room_kind.value)
    ctx.reply("referrals.full", r=referral, partners={p.key: p.name for p in ctx.config.partners},
              kaart=suggestions(ctx.config, list(referral.fields.get("leefgebieden") or [])))


async def visible_referral(ctx: Context, number: str) -> referrals.Referral:
    """Need-to-know: outside the screening room only the referrer and the partner it was referred to see it.
    Anyone else gets exactly the answer for a number that does not exist."""
    referral = await referrals.get(ctx.tx, number)
    if referral is not None and ctx.room_kind is not RoomKind.SCREENING:
        partner = ctx.config.partner(referral.outcome_partner or "")
        if ctx.sender != referral.referrer and not (partner and ctx.sender in partner.contacts):
            referral = None
    if referral is None:
        raise fail("referrals.not_found", nr=number)
    return referral


@command("triage", "triage", where={RoomKind.SCREENING: Role.COORDINATOR},
         args=(ReferralNumber("nr"), Choice("uitkomst", "outcome", OUTCOMES), Rest("toelichting", "details",
                                                                                   required=False)))
async def triage(ctx: Context, number: str, outcome: str, text: str | None) -> None:
    referral = await referrals.get(ctx.tx, number)
    if referral is None:
        raise fail("referrals.not_found", nr=number)
    if referral.status != referrals.OPEN:
        raise fail("triage.already_done", nr=number, status=referral.status)
    if outcome == "escalated":
        await escalate(ctx, referral, text or "")
        return
    if outcome == "aligned":
        await arrangements.start(ctx, referral, text or "")
        return
    partner = None
    if outcome == "referred":
        key, text = split_word(text or "")
        if not key:
            raise fail("triage.usage.referred", usage=True)
        partner = ctx.config.partner(parse_partner_keys(ctx.config, [key])[0])
    if not (text or "").strip():
        raise fail(f"triage.usage.{outcome}", usage=True)
    await referrals.set_outcome(ctx.tx, number, outcome, ctx.sender, text, partner.key if partner else None)
    await audit.append(ctx.tx, ctx.sender, f"referral.{outcome}", case_id=number, purpose="triage",
                       partner=partner.key if partner else None)
    ctx.dm(referral.referrer, f"outcome.{outcome}", notify=True, nr=number, text=text,
           partner=partner.name if partner else None)
    if partner:
        for contact in partner.contacts:
            ctx.dm(contact, "outcome.referred_partner", notify=True, nr=number, text=text, partner=partner.name,
                   prefix=ctx.config.bot.command_prefix)
    ctx.reply("triage.done", nr=number, outcome=outcome, partner=partner.name if partner else None)


async def escalate(ctx: Context, referral: referrals.Referral, text: str) -> None:
    """The referral becomes a case: members recorded now, the room created by the outbox (idempotently)."""
    keys = parse_partner_keys(ctx.config, re.split(r"[\s,]+", text.strip()) if text.strip() else [])
    number = referral.id
    waiting = await open_from_referral(ctx, referral, "escalated", keys)
    await audit.append(ctx.tx, ctx.sender, "referral.escalated", case_id=number, purpose="triage", partners=keys)
    await cases.mark_briefed(ctx.tx, number)  # the room's welcome, with the card, is their brief
    case = await cases.require(ctx.tx, number)
    card = Msg("case.card", await card_params(ctx.tx, ctx.config, case, ctx.now))
    ctx.intents.append(CreateCaseRoom(number, Msg.of("case.welcome", case=case, card=card,
                                                     prefix=ctx.config.bot.command_prefix)))
    ctx.dm(referral.referrer, "outcome.escalated", notify=True, nr=number)
    ctx.reply("triage.escalated", nr=number, partners=[ctx.config.partner_name(k) for k in keys], waiting=waiting)
