"""For the privacy officer: the audit trail per case (view, export, verify) and data-subject access requests.
Answered in the privacy officer's direct chat only; each look is itself audited."""
from __future__ import annotations

import json

from commands.base import Choice, Context, ReferralNumber, Role, RoomKind, command
from core.intents import CheckAuditAnchors, SendFile
from core.messages import Msg, fail
from storage import audit, dossier

IN_DM = {RoomKind.DM: Role.PRIVACY_OFFICER}
VERIFY = {"verify": {"nl": "controle", "en": "verify"}}
EXPORT = {"export": {"nl": "export", "en": "export"}}
SHOWN = 50  # entries shown in the chat; the export holds all


@command("audit", "audit", where=IN_DM, read_only=True, args=(Choice("controle", "verify", VERIFY),))
async def verify_trail(ctx: Context, _: str) -> None:
    """The chain in the database, and then its anchors outside it (a second answer: they are on the homeserver)."""
    bad = await audit.verify(ctx.tx)
    await audit.append(ctx.tx, ctx.sender, "audit.verified", purpose="supervision", intact=bad is None)
    ctx.reply("privacy.verified", bad=bad)
    ctx.intents.append(CheckAuditAnchors(ctx.room_id, ctx.event_id))


@command("audit", "audit", where=IN_DM, read_only=True, args=(ReferralNumber("nr"), Choice("export", "export", EXPORT,
                                                                          required=False)))
async def case_trail(ctx: Context, number: str, export: str | None) -> None:
    entries = await audit.of_case(ctx.tx, number)
    if not entries and await dossier.collect(ctx.tx, number) is None:
        raise fail("referrals.not_found", nr=number)
    await audit.append(ctx.tx, ctx.sender, "audit.viewed", case_id=number, purpose="supervision",
                       exported=bool(export))
    if export:
        ctx.intents.append(SendFile(ctx.sender, f"audit-{number}.json", "application/json",
                                    json.dumps(entries, ensure_ascii=False, indent=2).encode(), room_id=ctx.room_id))
        ctx.reply("privacy.exported", nr=number, count=len(entries))
    else:
        ctx.reply("privacy.trail", nr=number, entries=entries[-SHOWN:], count=len(entries))


@command("inzage", "access", where=IN_DM, read_only=True, args=(ReferralNumber("nr"),))
async def access_request(ctx: Context, number: str) -> None:
    """Everything stored about a case, as a readable document and as JSON, to answer an access request."""
    data = await dossier.collect(ctx.tx, number)
    if data is None:
        raise fail("referrals.not_found", nr=number)
    await audit.append(ctx.tx, ctx.sender, "case.access_export", case_id=number, purpose="data-subject request")
    ctx.intents.append(SendFile(ctx.sender, f"inzage-{number}.html", "text/html",
                                Msg.of("privacy.document", nr=number, d=data), room_id=ctx.room_id))
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    ctx.intents.append(SendFile(ctx.sender, f"inzage-{number}.json", "application/json", document,
                                room_id=ctx.room_id))
    ctx.reply("privacy.access", nr=number)
