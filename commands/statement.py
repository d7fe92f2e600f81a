"""Incidental partners (tier incidenteel) accept the confidentiality statement in their direct chat before they
are invited to a case: until then their invitation waits, and the procesregisseur sees who it waits for."""
from __future__ import annotations

import hashlib

from commands.base import Choice, Context, Role, RoomKind, command
from core.config import Config, Tier
from core.intents import InviteToCase, RoomMessage
from core.messages import Msg
from storage import audit, cases, statements
from storage.cases import PARTNER

ACCEPT = {"accept": {"nl": "akkoord", "en": "accept"}}


def digest(config: Config) -> str:
    """Acceptances are of this text: a changed statement is asked again."""
    return hashlib.sha256(config.bot.confidentiality_statement.encode()).hexdigest()


async def admit(ctx: Context, case_id: str, user: str, org: str) -> bool:
    """Make a partner's contact a member of the case, unless their organisation is incidental and they have not
    accepted the statement: then their invitation waits and they are asked (a message that rings)."""
    partner = ctx.config.partner(org)
    if partner is None or partner.tier is not Tier.incidenteel \
            or await statements.accepted(ctx.tx, user, digest(ctx.config)):
        await cases.add_member(ctx.tx, case_id, user, PARTNER, org)
        return True
    await statements.wait(ctx.tx, case_id, user, org)
    await audit.append(ctx.tx, ctx.sender, "statement.requested", case_id=case_id, purpose="case", user=user)
    ctx.dm(user, "statement.request", notify=True, org=partner.name, text=ctx.config.bot.confidentiality_statement,
           prefix=ctx.config.bot.command_prefix)
    return False


@command("verklaring", "statement", where={RoomKind.DM: Role.ANYONE},
         args=(Choice("akkoord", "accept", ACCEPT, required=False),))
async def statement(ctx: Context, accepting: str | None) -> None:
    """`!verklaring` shows the statement; `!verklaring akkoord` accepts it, and the waiting invitations go out."""
    if not accepting:
        ctx.reply("statement.show", text=ctx.config.bot.confidentiality_statement,
                  accepted=await statements.accepted(ctx.tx, ctx.sender, digest(ctx.config)),
                  prefix=ctx.config.bot.command_prefix)
        return
    await statements.accept(ctx.tx, ctx.sender, digest(ctx.config))
    await audit.append(ctx.tx, ctx.sender, "statement.accepted", purpose="case", sha256=digest(ctx.config))
    joined = []
    for waiting in await statements.waiting(ctx.tx, ctx.sender):
        case = await cases.get(ctx.tx, waiting.case_id)
        if case is None or case.status != "open":
            continue
        await cases.add_member(ctx.tx, case.id, ctx.sender, PARTNER, waiting.org_key)
        ctx.intents.append(InviteToCase(case.id, ctx.sender))
        if case.room_id:
            ctx.intents.append(RoomMessage(case.room_id, Msg.of("statement.joined", user=ctx.sender).to(
                case.procesregisseur)))
        joined.append(case.id)
    await statements.done_waiting(ctx.tx, ctx.sender)
    ctx.reply("statement.accepted", cases=joined)
