"""The one way into the outbox: intents (core/intents.py) become outbox items in the caller's transaction, with
their messages rendered in the language bot/languages.py chooses for where they go."""
from __future__ import annotations

import base64
import json
from typing import Any

from bot import languages
from bot.content import message_content
from core.config import Config
from core.intents import (
    AddToSpace,
    AnchorAudit,
    CheckAuditAnchors,
    CreateCaseRoom,
    DirectMessage,
    Intent,
    InviteToCase,
    JoinRoom,
    LeaveRoom,
    PurgeRoom,
    RawEvent,
    React,
    RemoveFromCase,
    Reply,
    RoomMessage,
    SendFile,
    UpdateCaseState,
)
from core.messages import Msg
from core.render import html_document, render
from storage import outbox
from storage.db import Tx

# What fits in one event with room to spare: Synapse refuses events over 65,536 bytes, signatures and encryption
# (base64 grows a third) included.
MAX_EVENT_CONTENT = 40_000


async def write(tx: Tx, config: Config, intents: list[Intent], *, room_id: str | None = None,
                reply_to: str | None = None, private_for: str | None = None) -> None:
    """room_id and reply_to describe the command being answered (a Reply needs them). private_for: the
    command came from this person's direct chat, so its answers are private: they go there only while the room
    still holds the bot and that person alone (checked when sent)."""
    items: list[tuple[str, dict[str, Any]]] = []
    for intent in intents:
        made = await _items(tx, config, intent, room_id, reply_to)
        if private_for and isinstance(intent, Reply):
            made = [(kind, {**payload, "to_user": private_for}) for kind, payload in made]
        items.extend(made)
    await outbox.enqueue_many(tx, [(kind, lane_of(kind, payload), payload) for kind, payload in items])


# The region's space and the rooms in it are made one after the other (the space first); the homeserver limits
# room creation on its own, and that must not hold up anything else.
ROOM_STRUCTURE = ("ensure_space", "create_case_room", "space_add")


def lane_of(kind: str, payload: dict[str, Any]) -> str:
    """What an item must wait for: the items before it in the same room, the same person's direct chat, the same
    invitation (one unreachable partner server holds up its own invitations only), or room creation."""
    if kind in ROOM_STRUCTURE:
        return "rooms"
    if kind in ("case_invite", "case_remove"):
        return f"member:{payload['case_id']}:{payload['user_id']}"
    if kind == "case_state":
        return f"case:{payload['case_id']}"
    if payload.get("to_user"):
        return f"user:{payload['to_user']}"
    if payload.get("room_id"):
        return f"room:{payload['room_id']}"
    return kind


async def _items(tx: Tx, config: Config, intent: Intent, room_id: str | None, reply_to: str | None
                 ) -> list[tuple[str, dict[str, Any]]]:
    bot_lang = config.bot.language
    if isinstance(intent, Reply):
        assert room_id is not None, "a reply needs the room of the command it answers"
        return _message({"room_id": room_id}, intent.msg, await languages.of_room(tx, config, room_id), reply_to,
                        intent.tag)
    if isinstance(intent, DirectMessage):
        return _message({"to_user": intent.user_id}, intent.msg, await languages.of_user(tx, config, intent.user_id),
                        None, intent.tag, intent.no_report)
    if isinstance(intent, RoomMessage):
        return _message({"room_id": intent.room_id}, intent.msg, await languages.of_room(tx, config, intent.room_id),
                        intent.reply_to, intent.tag, intent.no_report)
    if isinstance(intent, React):
        return [("react", {"room_id": intent.room_id, "event_id": intent.event_id, "key": intent.key})]
    if isinstance(intent, RawEvent):
        return [("send", {"room_id": intent.room_id, "type": intent.type, "content": intent.content})]
    if isinstance(intent, JoinRoom):
        return [("join", {"room_id": intent.room_id, "inviter": intent.inviter, "is_direct": intent.is_direct})]
    if isinstance(intent, LeaveRoom):
        return [("leave", {"room_id": intent.room_id})]
    if isinstance(intent, CreateCaseRoom):
        # In order: the region's space first (once), so the case room can name it as parent.
        space: list[tuple[str, dict[str, Any]]] = [] if await tx.get_meta("space_room_id") else [
            ("ensure_space", {})]
        return [*space, ("create_case_room", {"case_id": intent.case_id,
                                              "welcome": message_content(intent.welcome, bot_lang)})]
    if isinstance(intent, AddToSpace):
        return [("space_add", {"case_id": intent.case_id, "space_id": intent.space_id, "room_id": intent.room_id})]
    if isinstance(intent, SendFile):
        data = intent.data
        if isinstance(data, Msg):
            to_lang = await (languages.of_user(tx, config, intent.user_id) if intent.user_id
                             else languages.of_room(tx, config, intent.room_id or ""))
            data = html_document(data, to_lang)
        target: dict[str, Any] = {"room_id": intent.room_id} if intent.room_id else {}
        if intent.user_id:
            target["to_user"] = intent.user_id
        if intent.alt is not None:  # an image: its alt text in the language of whoever receives it
            to_lang = await (languages.of_user(tx, config, intent.user_id) if intent.user_id
                             else languages.of_room(tx, config, intent.room_id or ""))
            target["alt"] = render(intent.alt, to_lang)[0]
            if intent.size:
                target["width"], target["height"] = intent.size
        return [_file(target, intent.filename, intent.mimetype, data, pin=intent.pin)]
    if isinstance(intent, UpdateCaseState):
        return [("case_state", {"case_id": intent.case_id})]
    if isinstance(intent, PurgeRoom):
        return [("purge_room", {"room_id": intent.room_id, "case_id": intent.case_id})]
    if isinstance(intent, InviteToCase):
        return [("case_invite", {"case_id": intent.case_id, "user_id": intent.user_id})]
    if isinstance(intent, AnchorAudit):
        return [("audit_anchor", {"id": intent.entry_id, "hash": intent.hash, "at": intent.at})]
    if isinstance(intent, CheckAuditAnchors):
        return [("audit_check", {"room_id": intent.room_id, "reply_to": intent.reply_to})]
    if isinstance(intent, RemoveFromCase):
        return [("case_remove", {"case_id": intent.case_id, "user_id": intent.user_id})]
    raise TypeError(f"no outbox item for {intent!r}")


def _message(target: dict[str, Any], msg: Msg, lang: str, reply_to: str | None, tag: str | None = None,
             no_report: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """A message, or, when it would not fit in one event (a long plan, every action of a busy case), a short
    notice with the whole answer as an HTML file: the homeserver refuses events over 64 KiB for good."""
    content = message_content(msg, lang, reply_to=reply_to)
    extra = {"no_report": True} if no_report else {}
    if len(json.dumps(content).encode()) <= MAX_EVENT_CONTENT:
        return [("send", _tagged({**target, "content": content, **extra}, tag))]
    document = html_document(msg, lang)
    notice = message_content(Msg.of("answer.as_file", size=len(document)).to(*msg.mentions), lang,
                             reply_to=reply_to)
    return [("send", _tagged({**target, "content": notice, **extra}, tag)),
            _file({**target, **extra}, f"{msg.key.replace('.', '-')}.html", "text/html", document)]


def _file(target: dict[str, Any], filename: str, mimetype: str, data: bytes, pin: bool = False
          ) -> tuple[str, dict[str, Any]]:
    return ("send_file", {**target, "filename": filename, "mimetype": mimetype,
                          "data": base64.b64encode(data).decode(), "pin": pin})


def _tagged(payload: dict[str, Any], tag: str | None) -> dict[str, Any]:
    if tag:
        payload["tag"] = tag
    return payload
