"""The outbox: Matrix side-effects stored with the change that needs them, performed afterwards, exactly once."""
from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from storage.db import Tx, dumps, utcnow


@dataclass(frozen=True)
class Effect:
    id: int
    key: str  # stable idempotency key: the Matrix transaction id, or the marker on a created room
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Effect":
        return cls(row["id"], row["key"], row["kind"], json.loads(row["payload"]), row["state"], row["attempts"])


async def enqueue(tx: Tx, kind: str, payload: dict[str, Any]) -> int:
    return await tx.execute(
        "INSERT INTO outbox(key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
        (f"zvh-{uuid.uuid4().hex}", kind, dumps(payload), utcnow()),
    )


async def enqueue_many(tx: Tx, effects: list[tuple[str, dict[str, Any]]]) -> None:
    """Several effects in one statement (a burst of reminders); order is kept."""
    now = utcnow()
    await tx.conn.executemany("INSERT INTO outbox(key, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                              [(f"zvh-{uuid.uuid4().hex}", kind, dumps(payload), now) for kind, payload in effects])


async def next_open(tx: Tx, now: str) -> Effect | None:
    row = await tx.one(
        "SELECT * FROM outbox WHERE state IN ('pending', 'attempted') "
        "AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT 1",
        (now,),
    )
    return Effect.from_row(row) if row else None


async def earliest_retry(tx: Tx) -> str | None:
    return await tx.value("SELECT MIN(not_before) FROM outbox WHERE state IN ('pending', 'attempted')")


async def mark_attempted(tx: Tx, effect_id: int) -> None:
    """Set before a call that the homeserver cannot de-duplicate (createRoom): a retry must look first."""
    await tx.execute(
        "UPDATE outbox SET state = 'attempted', attempts = attempts + 1 WHERE id = ?", (effect_id,)
    )


async def mark_done(tx: Tx, effect_id: int, result: dict[str, Any] | None = None) -> None:
    await tx.execute(
        "UPDATE outbox SET state = 'done', result = ?, done_at = ?, last_error = NULL WHERE id = ?",
        (dumps(result) if result is not None else None, utcnow(), effect_id),
    )


async def mark_failed(tx: Tx, effect_id: int, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?, done_at = ? WHERE id = ?",
        (error[:500], utcnow(), effect_id),
    )


async def retry_later(tx: Tx, effect_id: int, not_before: str, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?",
        (not_before, error[:500], effect_id),
    )


async def depth(tx: Tx) -> int:
    return await tx.value("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'attempted')")
