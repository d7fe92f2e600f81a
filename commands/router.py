"""From a message body to a declared command: name lookup, room and permission checks, typed arguments."""
from __future__ import annotations

import difflib
from enum import Enum
from typing import Any

# Importing the command modules registers their commands.
from commands import (  # noqa: F401
    actions,
    arrangements,
    cases,
    closure,
    confirm,
    desk,
    general,
    intake,
    knowledge,
    meetings,
    minutes,
    partners,
    plan,
    privacy,
    referrals,
    reminders,
    report,
    social_map,
    statement,
    triage_table,
    zrm,
)
from commands.base import REGISTRY, Command, Context, RoomKind, lookup, split_word
from core.messages import fail


class Outcome(str, Enum):
    COMMAND = "command"  # a command ran: react ✅ / ❌
    ANSWER = "answer"  # an answer in a dialogue (the intake)
    IGNORED = "ignored"  # ordinary conversation


def parse_command_name(body: str, prefix: str) -> tuple[str, str] | None:
    if not body.startswith(prefix) or len(body) == len(prefix) or body[len(prefix)].isspace():
        return None
    name, rest = split_word(body[len(prefix):])
    return name.lower(), rest


async def dispatch(ctx: Context, body: str) -> Outcome:
    """Run what the message asks. Raises CommandError (with ctx.command set) when it cannot be done."""
    parsed = parse_command_name(body, ctx.config.bot.command_prefix)
    if parsed is None:
        if await desk.reply(ctx, body):  # a reply to a consultation question (staff) or to its answer (asker)
            return Outcome.COMMAND
        if ctx.room_kind is not RoomKind.DM:  # `ja` to a question the bot asked here; else conversation
            return Outcome.ANSWER if await confirm.answer(ctx, body) else Outcome.IGNORED
        if ctx.room_kind is RoomKind.DM:
            ctx.reaction = False
            if not await intake.answer(ctx, body):
                ctx.reply("dm.hint", prefix=ctx.config.bot.command_prefix)
            return Outcome.ANSWER
        return Outcome.IGNORED
    name, rest = parsed
    command = lookup(name)
    if command is None:
        raise fail("error.unknown_command", name=name, suggestions=suggestions(name, ctx.lang))
    ctx.command = command
    role = command.where.get(ctx.room_kind)
    if role is None:
        raise fail("error.wrong_room", rooms=[kind.value for kind in command.where])
    if not await ctx.has_role(role):
        raise fail("error.not_allowed", role=role.value)
    form = command.choose(rest)
    ctx.form = form if rest.strip() else None  # no arguments at all: show every form's usage
    if form.role is not None and not await ctx.has_role(form.role):
        raise fail("error.not_allowed", role=form.role.value)
    values: list[Any] = []
    for arg in form.args:
        if not rest.strip():
            if arg.required:
                raise fail("error.missing_argument", usage=True, name=arg.names[ctx.lang])
            values.append(None)
            continue
        value, rest = arg.parse(ctx, rest)
        values.append(value)
    if rest.strip():
        raise fail("error.too_many_arguments", usage=True, extra=rest.strip()[:80])
    values = [await arg.resolve(ctx, value) for arg, value in zip(form.args, values, strict=True)]
    await form.handler(ctx, *values)
    return Outcome.COMMAND


def suggestions(name: str, lang: str) -> list[str]:
    """Known commands close to a mistyped name; only those that change nothing (a typo must not lead anyone to
    `!afsluiten`)."""
    safe = [c for c in REGISTRY if c.read_only]
    names = {c.names[lang]: c for c in safe}
    names.update({n: c for c in safe for n in c.all_names() if n not in names})
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    close += [n for n in sorted(names) if n.startswith(name[:3]) and n not in close]
    seen: list[Command] = []
    for n in close:
        if names[n] not in seen:
            seen.append(names[n])
    return [c.names[lang] for c in seen[:3]]
