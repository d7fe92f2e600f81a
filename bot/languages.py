"""Which language a message is in: one rule for every message the bot sends.

A room several people read (a case room, the screening room, any room that is not someone's direct chat with the
bot) speaks the region's language (config `bot.language`), whoever's command or reminder caused the message: one
user's `!taal en` must not turn a Dutch room English. What is for one person (their direct chat, a direct message,
a file sent to them) is in their own language (`!taal`), else the region's."""
from __future__ import annotations

from core.config import Config
from storage import users
from storage.db import Tx


async def of_user(tx: Tx, config: Config, user_id: str) -> str:
    return await users.language(tx, user_id) or config.bot.language


async def of_room(tx: Tx, config: Config, room_id: str) -> str:
    owner = await users.dm_user(tx, room_id)
    return await of_user(tx, config, owner) if owner else config.bot.language
