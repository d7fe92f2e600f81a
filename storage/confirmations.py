"""Steps that wait for the person's `ja` in the room where they asked (closing a case): one per person and room,
until it expires."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx, dumps, iso


@dataclass(frozen=True)
class Pending:
    kind: str
    payload: dict[str, Any]


async def ask(tx: Tx, room_id: str, user_id: str, kind: str, payload: dict[str, Any], expires_at: datetime) -> None:
    """A new question replaces an earlier one of the same person in the same room."""
    await tx.execute("INSERT INTO confirmations(room_id, user_id, kind, payload, expires_at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT(room_id, user_id) DO UPDATE SET kind = excluded.kind, payload = excluded.payload, "
                     "expires_at = excluded.expires_at", (room_id, user_id, kind, dumps(payload), iso(expires_at)))


async def pending(tx: Tx, room_id: str, user_id: str, now: datetime) -> Pending | None:
    await tx.execute("DELETE FROM confirmations WHERE expires_at <= ?", (iso(now),))  # nothing kept unasked
    row = await tx.one("SELECT kind, payload FROM confirmations WHERE room_id = ? AND user_id = ? AND expires_at > ?",
                       (room_id, user_id, iso(now)))
    return Pending(row["kind"], json.loads(row["payload"])) if row else None


async def settle(tx: Tx, room_id: str, user_id: str) -> None:
    """Answered (or expired): gone."""
    await tx.execute("DELETE FROM confirmations WHERE room_id = ? AND user_id = ?", (room_id, user_id))
