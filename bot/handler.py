"""One Matrix event in, one transaction out: the event marked handled, the command's changes and its intents
(turned into outbox items)."""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from bot import languages, metrics, outbox_writer, pills
from commands import arrangements as arrangement_commands
from commands import cases as case_commands
from commands import desk
from commands import meetings as meeting_commands
from commands.base import Context, Role, RoomKind
from commands.router import Outcome, dispatch, parse_command_name
from core.clock import Clock
from core.config import Config
from core.intents import React, Reply, RoomMessage
from core.messages import CommandError, Msg
from storage import cases, confirmations, events, users
from storage.db import Database, Tx

log = logging.getLogger(__name__)
OK, FAILED = "✅", "❌"
MAX_BODY = 20_000  # longer messages are not commands anyone types; refuse rather than parse


class Handler:
    def __init__(self, db: Database, config: Config, bot_user: str, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.bot_user = bot_user
        self.clock = clock

    async def room_kind(self, tx: Tx, room_id: str, sender: str) -> tuple[RoomKind, cases.Case | None]:
        if room_id == self.config.bot.screening_room:
            return RoomKind.SCREENING, None
        if room_id == self.config.desk_room:
            return RoomKind.CONSULTATION, None
        if self.config.is_management_room(room_id):
            return RoomKind.MANAGEMENT, None
        case = await cases.by_room(tx, room_id)
        if case is not None:
            return (RoomKind.ARRANGEMENT if case.is_arrangement else RoomKind.CASE), case
        if await users.dm_user(tx, room_id) == sender:
            return RoomKind.DM, None
        return RoomKind.OTHER, None

    async def message(self, room_id: str, event: dict[str, Any], encrypted: bool = False) -> bool:
        """Handle one m.room.message; True if it wrote items to the outbox."""
        content = event.get("content") or {}
        sender = event.get("sender", "")
        if sender == self.bot_user or content.get("msgtype") != "m.text":
            return False
        if (content.get("m.relates_to") or {}).get("rel_type") == "m.replace":
            return False  # edits are not new commands
        body = content.get("body")
        if not isinstance(body, str):
            return False
        started = time.perf_counter()
        in_reply_to = ((content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        if in_reply_to:
            body = strip_reply_fallback(body)
        body = pills.resolve(body, content)  # a person picked from the autocomplete counts as their Matrix ID
        async with self.db.transaction() as tx:
            if not await events.mark_handled(tx, event["event_id"], room_id):
                return False  # already handled before a crash or restart: never twice
            ctx = await self._context(tx, room_id, event, in_reply_to=in_reply_to if isinstance(in_reply_to, str)
                                      else None, room_encrypted=encrypted)
            kind = ctx.room_kind
            is_command = parse_command_name(body, self.config.bot.command_prefix) is not None
            if not is_command and kind is not RoomKind.DM \
                    and await confirmations.pending(tx, room_id, ctx.sender, ctx.now) is None \
                    and await desk.replied_to(tx, ctx.in_reply_to) is None:
                return False  # conversation, not for the bot (a reply to a consultation question is an answer)
            if self._too_old(event):
                await self._send_reply(tx, ctx, Msg.of("error.too_old", sent=self._sent_at(event),
                                                       minutes=self.config.bot.max_command_age_minutes))
                outcome = "too_old"
            else:
                outcome = await self._run(tx, ctx, body)
        name = ctx.command.key if ctx.command else ("answer" if not is_command else "unknown")
        metrics.COMMANDS.labels(name, outcome).inc()
        metrics.LATENCY.labels(name).observe(time.perf_counter() - started)
        return True

    async def reaction(self, room_id: str, event: dict[str, Any]) -> bool:
        """A reaction on a bot message that takes answers (✅ ❌ ❓ on a meeting invitation) counts as the answer.
        Nothing is said back: the answer shows in `!overleg <#>`."""
        sender = event.get("sender", "")
        relation = (event.get("content") or {}).get("m.relates_to") or {}
        answer = meeting_commands.REACTIONS.get(str(relation.get("key", "")).replace("\ufe0f", ""))
        target = relation.get("event_id")
        if sender == self.bot_user or relation.get("rel_type") != "m.annotation" or answer is None \
                or not isinstance(target, str):
            return False
        async with self.db.transaction() as tx:
            tag = await events.tag_of(tx, target)
            if not (tag or "").startswith(("meeting:", "series:")) \
                    or not await events.mark_handled(tx, event["event_id"], room_id):
                return False
            ctx = await self._context(tx, room_id, event)
            # Whoever may answer by command (`!aanwezig`: a member of this case) may answer by reacting.
            if not await ctx.has_role(Role.CASE_MEMBER):
                return False
            try:
                async with tx.savepoint():
                    if not await meeting_commands.answer_by_reaction(ctx, tag or "", answer):
                        return False
            except CommandError:
                return False  # a meeting cancelled meanwhile: a reaction gets no refusal in return
        return True

    async def joined(self, room_id: str, event: dict[str, Any]) -> bool:
        """A member of an open case who joins its room after it was made gets a brief (they see nothing from
        before their invitation)."""
        user = event.get("state_key")
        if not isinstance(user, str) or "event_id" not in event:
            return False
        async with self.db.transaction() as tx:
            case = await cases.by_room(tx, room_id)
            if case is None or case.status != "open" or not await cases.needs_brief(tx, case.id, user) \
                    or not await events.mark_handled(tx, event["event_id"], room_id):
                return False
            ctx = await self._context(tx, room_id, {**event, "sender": user})
            await (arrangement_commands.brief if case.is_arrangement else case_commands.brief)(ctx, user)
            await outbox_writer.write(tx, self.config, ctx.intents)
        return True

    async def _context(self, tx: Tx, room_id: str, event: dict[str, Any], **more: Any) -> Context:
        """Who acts, where (room kind, case), in which language (the answer's: bot/languages.py), at the bot's now."""
        sender = event.get("sender", "")
        kind, case = await self.room_kind(tx, room_id, sender)
        lang = await languages.of_room(tx, self.config, room_id)
        return Context(tx=tx, config=self.config, sender=sender, room_id=room_id, room_kind=kind, lang=lang,
                       event_id=event["event_id"], now=self.clock.now().astimezone(self.config.tz), case=case, **more)

    async def undecryptable(self, room_id: str, event: dict[str, Any]) -> bool:
        """An encrypted event whose key never came: say so (once), rather than stay silent."""
        sender = event.get("sender", "")
        if sender == self.bot_user:
            return False
        async with self.db.transaction() as tx:
            if not await events.mark_handled(tx, event["event_id"], room_id):
                return False
            await outbox_writer.write(tx, self.config, [
                RoomMessage(room_id, Msg.of("error.undecryptable", seconds=round(self.config.matrix.key_wait_seconds)),
                            reply_to=event["event_id"]),
                React(room_id, event["event_id"], FAILED)])
        log.info("could not decrypt event %s in a room; told the sender", event.get("event_id"))
        return True

    async def _run(self, tx: Tx, ctx: Context, body: str) -> str:
        """Run the command in a savepoint; the outcome for the metrics: ok, refused or error."""
        try:
            async with tx.savepoint():
                if len(body) > MAX_BODY:
                    raise CommandError(Msg.of("intake.invalid.too_long", max=MAX_BODY))
                outcome = await dispatch(ctx, body)
        except CommandError as exc:
            ctx.intents.clear()
            usage = ctx.command.usage(ctx.lang, self.config.bot.command_prefix, ctx.form) if ctx.command else None
            await self._send_reply(tx, ctx, Msg.of("error.failed", error=exc.msg, usage=usage))
            await self._react(tx, ctx, FAILED)
            return "refused"
        except Exception:
            ref = uuid.uuid4().hex[:8]
            # The reference ties the user's notice to this log line; the body is not logged (it may be personal).
            log.exception("command failed (ref %s, event %s)", ref, ctx.event_id)
            ctx.intents.clear()
            await self._send_reply(tx, ctx, Msg.of("error.internal", ref=ref))
            await self._react(tx, ctx, FAILED)
            metrics.ERRORS.labels("command").inc()
            return "error"
        if outcome is Outcome.IGNORED:
            return "ignored"
        await self.write_intents(tx, ctx)
        if ctx.reaction or ctx.failed:
            await self._react(tx, ctx, FAILED if ctx.failed else OK)
        return "refused" if ctx.failed else "ok"

    async def write_intents(self, tx: Tx, ctx: Context) -> None:
        await outbox_writer.write(tx, self.config, ctx.intents, room_id=ctx.room_id, reply_to=ctx.event_id,
                                  private_for=ctx.sender if ctx.room_kind is RoomKind.DM else None)

    async def _send_reply(self, tx: Tx, ctx: Context, msg: Msg) -> None:
        await outbox_writer.write(tx, self.config, [Reply(msg)], room_id=ctx.room_id, reply_to=ctx.event_id)

    async def _react(self, tx: Tx, ctx: Context, key: str) -> None:
        await outbox_writer.write(tx, self.config, [React(ctx.room_id, ctx.event_id, key)])

    def _too_old(self, event: dict[str, Any]) -> bool:
        age_ms = time.time() * 1000 - event.get("origin_server_ts", time.time() * 1000)
        return age_ms > self.config.bot.max_command_age_minutes * 60_000

    def _sent_at(self, event: dict[str, Any]) -> datetime:
        return datetime.fromtimestamp(event["origin_server_ts"] / 1000, timezone.utc).astimezone(self.config.tz)


def strip_reply_fallback(body: str) -> str:
    """Older clients quote the message replied to ("> <@bot> ...") above the reply; the command follows it."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()
