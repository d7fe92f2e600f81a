"""Adopted documents (the plan, minutes, the final report): rendered once as archival PDF/A, so that the bytes the
archive keeps, the SHA-256 it reports and the file posted and pinned in the room are one and the same."""
from __future__ import annotations

from commands.base import Context
from core.archival import PDF, archival_pdf
from core.intents import SendFile
from core.messages import Msg


def render(ctx: Context, msg: Msg, title: str, filename: str) -> bytes:
    """The document in the bot's language, dated by the bot's clock, issued by the region's ZVH."""
    return archival_pdf(msg, ctx.config.bot.language, title, ctx.config.bot.region, ctx.now, filename)


def post(ctx: Context, filename: str, content: bytes) -> None:
    """The archived document in the room the command came from, pinned."""
    ctx.intents.append(SendFile(None, filename, PDF, content, room_id=ctx.room_id, pin=True))
