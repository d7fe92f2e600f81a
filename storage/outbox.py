"""The outbox: Matrix side-effects (outbox items) stored with the change that needs them, performed afterwards,
exactly once."""
from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from storage.db import Tx, dumps, utcnow


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str  # stable idempotency key: the Matrix transaction id, or the marker on a created room
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    lane: str = ""

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OutboxItem:
        return cls(row["id"], row["key"], row["kind"], json.loads(row["payload"]), row["state"], row["attempts"],
                   row["lane"] or "")


async def enqueue_many(tx: Tx, items: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Several items (kind, lane, payload) in one statement (a burst of reminders); order is kept. Only the writer
    (bot/outbox_writer.py) calls this: it is the one way in."""
    now = utcnow()
    await tx.conn.executemany("INSERT INTO outbox(key, kind, lane, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                              [(f"zvh-{uuid.uuid4().hex}", kind, lane, dumps(payload), now)
                               for kind, lane, payload in items])


@dataclass(frozen=True)
class Head:
    """The first open item of a lane: the one that may go next there."""
    id: int
    lane: str
    not_before: str | None
    kind: str = ""
    created_at: str = ""  # the items one transaction wrote share it (what one command did)


async def heads(tx: Tx, limit: int = 2000) -> list[Head]:
    """Per lane, its first open item, oldest lanes first (a later item of a lane waits for the ones before it,
    even while those wait to be retried: the order within a room is kept)."""
    rows = await tx.all("SELECT id, COALESCE(lane, '') AS lane, not_before, kind, created_at FROM outbox "
                        "WHERE state IN ('pending', 'attempted') ORDER BY id LIMIT ?", (limit,))
    seen: dict[str, Head] = {}
    for row in rows:
        if row["lane"] not in seen:
            seen[row["lane"]] = Head(row["id"], row["lane"], row["not_before"], row["kind"], row["created_at"])
    return list(seen.values())


async def get(tx: Tx, item_id: int) -> OutboxItem | None:
    """One open item; one that cannot even be read (its payload is not JSON) is marked failed on the spot: one
    bad row never blocks the rest."""
    row = await tx.one("SELECT * FROM outbox WHERE id = ? AND state IN ('pending', 'attempted')", (item_id,))
    if row is None:
        return None
    try:
        return OutboxItem.from_row(row)
    except (ValueError, TypeError):
        await mark_failed(tx, row["id"], "unreadable payload")
        return None


async def mark_attempted(tx: Tx, item_id: int) -> None:
    """Set before a call that the homeserver cannot de-duplicate (createRoom): a retry must look first."""
    await tx.execute(
        "UPDATE outbox SET state = 'attempted', attempts = attempts + 1 WHERE id = ?", (item_id,)
    )


# A performed (or failed) item keeps no content: what was sent may be personal and must not outlive its case.
async def mark_done(tx: Tx, item_id: int, result: dict[str, Any] | None = None) -> None:
    await tx.execute(
        "UPDATE outbox SET state = 'done', payload = '{}', result = ?, done_at = ?, last_error = NULL WHERE id = ?",
        (dumps(result) if result is not None else None, utcnow(), item_id),
    )


async def mark_failed(tx: Tx, item_id: int, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET state = 'failed', payload = '{}', last_error = ?, done_at = ? WHERE id = ?",
        (error[:500], utcnow(), item_id),
    )


async def retry_later(tx: Tx, item_id: int, not_before: str, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?",
        (not_before, error[:500], item_id),
    )


async def depth(tx: Tx) -> int:
    return await tx.value("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'attempted')")
