"""The case room: the case card."""
from __future__ import annotations

from commands.base import Context, Role, RoomKind, command
from storage import audit, cases


@command("casus", "case", where={RoomKind.CASE: Role.CASE_MEMBER})
async def card(ctx: Context) -> None:
    assert ctx.case is not None
    await audit.append(ctx.tx, ctx.sender, "case.card_shown", case_id=ctx.case.id, purpose="case")
    ctx.reply("case.card", **await card_params(ctx.tx, ctx.config, ctx.case))


async def card_params(tx, config, case: cases.Case) -> dict:
    """What the case card shows; also posted when the room is created."""
    return {
        "case": case,
        "partners": [config.partner(k).name if config.partner(k) else k for k in await cases.partners(tx, case.id)],
        "members": await cases.members(tx, case.id),
        # Meetings, actions and the plan arrive with their own issues; the card already has their place.
        "next_meeting": None,
        "open_actions": 0,
        "plan_version": None,
    }
