"""Setting up a homeserver for the bot: accounts, the screening room and a config file (dev mode and tests)."""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devserver.local_synapse import LocalSynapse


def call(syn: LocalSynapse, method: str, path: str, token: str, body: Any = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{syn.base_url}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def create_screening_room(syn: LocalSynapse, bot_token: str, coordinators: list[str], encrypted: bool = True) -> str:
    """Encrypted unless asked otherwise: referral details are shown in it."""
    state = [{"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "invited"}}]
    if encrypted:
        state.append({"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
    body = {"preset": "private_chat", "name": "ZVH screening", "invite": coordinators, "initial_state": state}
    return call(syn, "POST", "/_matrix/client/v3/createRoom", bot_token, body)["room_id"]


def join(syn: LocalSynapse, token: str, room_id: str) -> None:
    call(syn, "POST", f"/_matrix/client/v3/join/{quote(room_id)}", token, {})


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_config(path: Path, matrix: dict[str, Any], bot: dict[str, Any], partners: list[dict[str, Any]],
                 sections: dict[str, dict[str, Any]] | None = None) -> None:
    """sections: further tables ([reminders], [meetings], ...), each {key: value}."""
    lines = ["[matrix]"] + [f"{k} = {toml_value(v)}" for k, v in matrix.items()]
    lines += ["", "[bot]"] + [f"{k} = {toml_value(v)}" for k, v in bot.items()]
    for name, table in (sections or {}).items():
        lines += ["", f"[{name}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
    for partner in partners:
        lines += ["", "[[partners]]"] + [f"{k} = {toml_value(v)}" for k, v in partner.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)  # it holds the bot's password
