"""Reminders set with !herinner: one-off or recurring, in a case room (numbered per case) or a DM (per user)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage import counters
from storage.db import Tx, dumps, utcnow

ACTIVE, DONE, CANCELLED = "active", "done", "cancelled"


@dataclass(frozen=True)
class Reminder:
    id: int
    scope: str  # the case id, or the user id for personal reminders
    number: int
    case_id: str | None
    room_id: str | None  # None: the owner's direct chat, wherever it is when the reminder fires
    owner: str
    text: str
    recurrence: dict[str, Any] | None
    status: str
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Reminder:
        data = dict(row)
        data["recurrence"] = json.loads(data["recurrence"]) if data["recurrence"] else None
        return cls(**data)


async def create(tx: Tx, scope: str, case_id: str | None, room_id: str | None, owner: str, text: str,
                 recurrence: dict[str, Any] | None) -> Reminder:
    number = await counters.next_value(tx, f"reminder:{scope}")
    rowid = await tx.execute(
        "INSERT INTO reminders(scope, number, case_id, room_id, owner, text, recurrence, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (scope, number, case_id, room_id, owner, text, dumps(recurrence) if recurrence else None, ACTIVE, utcnow()))
    made = await get(tx, rowid)
    assert made is not None
    return made


async def get(tx: Tx, reminder_id: int) -> Reminder | None:
    row = await tx.one("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
    return Reminder.from_row(row) if row else None


async def get_many(tx: Tx, reminder_ids: list[int]) -> dict[int, Reminder]:
    if not reminder_ids:
        return {}
    marks = ",".join("?" * len(reminder_ids))
    rows = await tx.all(f"SELECT * FROM reminders WHERE id IN ({marks})", reminder_ids)
    return {row["id"]: Reminder.from_row(row) for row in rows}


async def finish_if_nothing_pending(tx: Tx, reminder_ids: list[int], kinds: tuple[str, ...]) -> None:
    """One-off reminders are done once no (snoozed) moment of theirs is pending; one statement for a burst."""
    if not reminder_ids:
        return
    ids = ",".join("?" * len(reminder_ids))
    marks = ",".join("?" * len(kinds))
    await tx.execute(
        f"UPDATE reminders SET status = ? WHERE id IN ({ids}) AND recurrence IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM schedule s WHERE s.state = 'pending' AND s.kind IN ({marks}) AND s.ref = reminders.id)",
        (DONE, *reminder_ids, *kinds))


async def by_number(tx: Tx, scope: str, number: int) -> Reminder | None:
    row = await tx.one("SELECT * FROM reminders WHERE scope = ? AND number = ?", (scope, number))
    return Reminder.from_row(row) if row else None


async def active(tx: Tx, scope: str) -> list[Reminder]:
    rows = await tx.all("SELECT * FROM reminders WHERE scope = ? AND status = ? ORDER BY number", (scope, ACTIVE))
    return [Reminder.from_row(r) for r in rows]


async def set_status(tx: Tx, reminder_id: int, status: str) -> None:
    await tx.execute("UPDATE reminders SET status = ? WHERE id = ?", (status, reminder_id))
