"""Encrypted events waiting for their room key (keys often arrive a moment after the message)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Tx


@dataclass(frozen=True)
class Waiting:
    event_id: str
    room_id: str
    source: dict[str, Any]
    give_up_at: str


async def add(tx: Tx, room_id: str, source: dict[str, Any], seen_at: str, give_up_at: str) -> bool:
    """False if it was waiting already, or was handled before."""
    if await tx.value("SELECT 1 FROM handled_events WHERE event_id = ?", (source["event_id"],)):
        return False
    await tx.execute(
        "INSERT INTO undecrypted(event_id, room_id, source, seen_at, give_up_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING", (source["event_id"], room_id, json.dumps(source), seen_at, give_up_at))
    return await tx.value("SELECT changes()") == 1


async def all_waiting(tx: Tx) -> list[Waiting]:
    rows = await tx.all("SELECT event_id, room_id, source, give_up_at FROM undecrypted ORDER BY seen_at, event_id")
    return [Waiting(r["event_id"], r["room_id"], json.loads(r["source"]), r["give_up_at"]) for r in rows]


async def earliest_give_up(tx: Tx) -> str | None:
    return await tx.value("SELECT MIN(give_up_at) FROM undecrypted")


async def remove(tx: Tx, event_id: str) -> None:
    await tx.execute("DELETE FROM undecrypted WHERE event_id = ?", (event_id,))
