"""What commands and scheduled items ask for, turned into outbox entries in the caller's transaction."""
from __future__ import annotations

import base64
from typing import Any

from bot.config import Config
from bot.content import message_content
from bot.render import render_html
from commands.base import Msg
from commands.effects import (
    CreateCaseRoom, DirectMessage, Effect, InviteToCase, PurgeRoom, RemoveFromCase, Reply, RoomMessage, SendFile,
    UpdateCaseState,
)
from storage import outbox, users
from storage.db import Tx


async def enqueue(tx: Tx, config: Config, effects: list[Effect], *, room_id: str | None = None,
                  reply_to: str | None = None, lang: str | None = None) -> None:
    """room_id, reply_to and lang describe the command being answered (a Reply needs them)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for effect in effects:
        if isinstance(effect, Reply):
            rows.append(("send", {"room_id": room_id, "content": message_content(effect.msg, lang or config.bot.language,
                                                                        reply_to=reply_to)}))
        elif isinstance(effect, DirectMessage):
            to_lang = await users.language(tx, effect.user_id) or config.bot.language
            rows.append(("send", _tagged({"to_user": effect.user_id, "content": message_content(effect.msg, to_lang)},
                                         effect.tag)))
        elif isinstance(effect, RoomMessage):
            rows.append(("send", _tagged({"room_id": effect.room_id,
                                          "content": message_content(effect.msg, config.bot.language)}, effect.tag)))
        elif isinstance(effect, CreateCaseRoom):
            # In order: the region's space first (once), so the case room can name it as parent.
            if not await tx.get_meta("space_room_id"):
                rows.append(("ensure_space", {}))
            rows.append(("create_case_room", {"case_id": effect.case_id}))
        elif isinstance(effect, SendFile):
            data = effect.data
            if isinstance(data, Msg):
                to_lang = (effect.user_id and await users.language(tx, effect.user_id)) or config.bot.language
                data = f"<!doctype html><meta charset=utf-8>{render_html(data, to_lang)}".encode()
            target = {"room_id": effect.room_id} if effect.room_id else {"to_user": effect.user_id}
            rows.append(("send_file", {**target, "filename": effect.filename, "mimetype": effect.mimetype,
                                       "data": base64.b64encode(data).decode(), "pin": effect.pin}))
        elif isinstance(effect, UpdateCaseState):
            rows.append(("case_state", {"case_id": effect.case_id}))
        elif isinstance(effect, PurgeRoom):
            rows.append(("purge_room", {"room_id": effect.room_id}))
        elif isinstance(effect, InviteToCase):
            rows.append(("case_invite", {"case_id": effect.case_id, "user_id": effect.user_id}))
        elif isinstance(effect, RemoveFromCase):
            rows.append(("case_remove", {"case_id": effect.case_id, "user_id": effect.user_id}))
    await outbox.enqueue_many(tx, rows)


async def send_reply(tx: Tx, room_id: str | None, reply_to: str | None, msg: Msg, lang: str) -> None:
    await outbox.enqueue(tx, "send", {"room_id": room_id, "content": message_content(msg, lang, reply_to=reply_to)})


def _tagged(payload: dict[str, Any], tag: str | None) -> dict[str, Any]:
    if tag:
        payload["tag"] = tag
    return payload
