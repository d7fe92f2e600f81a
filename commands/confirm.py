"""A step that waits for `ja` (closing a case): the question is stored with the person and room; their next
`ja` or `nee` there, within the time, answers it. Anything else they say is ordinary conversation."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from commands.base import Context
from storage import confirmations

YES, NO = {"ja", "yes", "j", "y"}, {"nee", "no", "n"}
Handler = Callable[[Context, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def on_confirm(kind: str) -> Callable[[Handler], Handler]:
    """What `ja` does for a question of this kind."""
    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler
    return register


async def answer(ctx: Context, body: str) -> bool:
    """True when the message answered a waiting question."""
    waiting = await confirmations.pending(ctx.tx, ctx.room_id, ctx.sender, ctx.now)
    word = body.strip().strip(".!").lower()
    if waiting is None or word not in YES | NO:
        return False
    await confirmations.settle(ctx.tx, ctx.room_id, ctx.sender)
    if word in NO:
        ctx.reply("confirm.dropped")
        return True
    await HANDLERS[waiting.kind](ctx, waiting.payload)
    return True
