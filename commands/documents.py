"""Adopted documents (the plan, minutes, the final report, an arrangement's record): rendered once as archival
PDF/A, so that the bytes the archive keeps, the SHA-256 it reports and the file posted and pinned in the room are
one and the same."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from commands.base import Context
from core.archival import PDF, archival_pdf
from core.config import Config
from core.intents import SendFile
from core.messages import Msg


class Clocked(Protocol):
    """A command's context or what the schedule fires: the config and the bot's clock."""

    @property
    def config(self) -> Config: ...

    @property
    def now(self) -> datetime: ...


def render(source: Clocked, msg: Msg, title: str, filename: str) -> bytes:
    """The document in the bot's language, dated by the bot's clock, issued by the region's ZVH."""
    return archival_pdf(msg, source.config.bot.language, title, source.config.bot.region, source.now, filename)


def pinned(room_id: str, filename: str, content: bytes) -> SendFile:
    """The archived document in a room, pinned."""
    return SendFile(None, filename, PDF, content, room_id=room_id, pin=True)


def post(ctx: Context, filename: str, content: bytes) -> None:
    """The archived document in the room the command came from, pinned."""
    ctx.intents.append(pinned(ctx.room_id, filename, content))
