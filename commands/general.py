"""Commands that work everywhere: help and language."""
from __future__ import annotations

from commands.base import REGISTRY, Choice, Context, Role, RoomKind, Word, command, lookup
from core.messages import fail
from storage import users

EVERYWHERE = {kind: Role.ANYONE for kind in RoomKind}
LANGUAGES = {"nl": {"nl": "nl", "en": "nl"}, "en": {"nl": "en", "en": "en"}}


@command("help", "help", aliases=("hulp",), where=EVERYWHERE, read_only=True,
         args=(Word("commando", "command", required=False),))
async def help_(ctx: Context, name: str | None) -> None:
    prefix = ctx.config.bot.command_prefix
    if name:
        target = lookup(name.removeprefix(prefix))
        if target is None:
            raise fail("error.unknown_command", name=name, suggestions=[])
        ctx.reply("help.one", usage=target.usage(ctx.lang, prefix), key=target.key,
                  rooms=[kind.value for kind in target.where])
        return
    available = []
    for cmd in REGISTRY:
        role = cmd.where.get(ctx.room_kind)
        if role is not None and await ctx.has_role(role):
            available.append({"usage": cmd.usage(ctx.lang, prefix), "key": cmd.key})
    ctx.reply("help.list", commands=available, room=ctx.room_kind.value, prefix=prefix)


@command("taal", "language", where=EVERYWHERE, args=(Choice("taal", "language", LANGUAGES),))
async def language(ctx: Context, lang: str) -> None:
    await users.set_language(ctx.tx, ctx.sender, lang)
    # In a shared room the answer stays in the room's language (bot/languages.py), so it names the choice.
    ctx.reply("language.set", lang=lang, shared=ctx.room_kind is not RoomKind.DM)
