"""Action items of a case: owner (a person or a partner organisation), due date, status and their history."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage import counters
from storage.db import Tx, dumps, utcnow

OPEN, DONE, DROPPED = "open", "done", "dropped"


@dataclass(frozen=True)
class Action:
    case_id: str
    number: int
    text: str
    owner_user: str | None
    owner_org: str | None
    due_date: date | None
    status: str
    created_by: str
    created_at: str
    closed_by: str | None
    closed_at: str | None
    close_note: str | None
    meeting_number: int | None = None  # agreed at this meeting

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Action:
        data = dict(row)
        data["due_date"] = date.fromisoformat(data["due_date"]) if data["due_date"] else None
        return cls(**data)

    @property
    def owner(self) -> str:
        return self.owner_user or self.owner_org or ""


async def create(tx: Tx, case_id: str, text: str, owner_user: str | None, owner_org: str | None,
                 due: date | None, actor: str, meeting_number: int | None = None) -> Action:
    number = await counters.next_value(tx, f"action:{case_id}")
    await tx.execute(
        "INSERT INTO actions(case_id, number, text, owner_user, owner_org, due_date, status, created_by, created_at, "
        "meeting_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, number, text, owner_user, owner_org, due.isoformat() if due else None, OPEN, actor, utcnow(),
         meeting_number),
    )
    await record(tx, case_id, number, actor, "created", owner=owner_user or owner_org,
                 due=due.isoformat() if due else None)
    made = await get(tx, case_id, number)
    assert made is not None
    return made


async def get(tx: Tx, case_id: str, number: int) -> Action | None:
    row = await tx.one("SELECT * FROM actions WHERE case_id = ? AND number = ?", (case_id, number))
    return Action.from_row(row) if row else None


async def require(tx: Tx, case_id: str, number: int) -> Action:
    """One that exists (just made or changed in this transaction)."""
    found = await get(tx, case_id, number)
    if found is None:
        raise LookupError(f"{case_id} #{number}")
    return found


async def of_case(tx: Tx, case_id: str, statuses: tuple[str, ...] = (OPEN,)) -> list[Action]:
    marks = ",".join("?" * len(statuses))
    rows = await tx.all(
        f"SELECT * FROM actions WHERE case_id = ? AND status IN ({marks}) "
        "ORDER BY due_date IS NULL, due_date, number", (case_id, *statuses))
    return [Action.from_row(r) for r in rows]


async def agreed_at(tx: Tx, case_id: str, meeting_number: int) -> list[Action]:
    rows = await tx.all("SELECT * FROM actions WHERE case_id = ? AND meeting_number = ? ORDER BY number",
                        (case_id, meeting_number))
    return [Action.from_row(r) for r in rows]


async def count_open(tx: Tx, case_id: str) -> int:
    return await tx.value("SELECT COUNT(*) FROM actions WHERE case_id = ? AND status = ?", (case_id, OPEN))


async def open_for_user(tx: Tx, user_id: str) -> list[Action]:
    """Open actions a person owns, directly or through their organisation, in cases they are (still) a member of."""
    # From the person's memberships to their cases' actions (CROSS JOIN keeps that order): without statistics
    # SQLite would start from every open action in the region instead (bench/storage_time.py: 7 ms, now 0.6 ms).
    rows = await tx.all(
        "SELECT a.* FROM case_members m CROSS JOIN actions a ON a.case_id = m.case_id "
        "WHERE m.user_id = ? AND a.status = ? AND (a.owner_user = m.user_id OR a.owner_org = m.org_key) "
        "ORDER BY a.due_date IS NULL, a.due_date, a.case_id, a.number", (user_id, OPEN))
    return [Action.from_row(r) for r in rows]


async def users_with_open_actions(tx: Tx) -> list[str]:
    rows = await tx.all(
        "SELECT DISTINCT m.user_id FROM actions a JOIN case_members m ON m.case_id = a.case_id "
        "AND (m.user_id = a.owner_user OR m.org_key = a.owner_org) WHERE a.status = ? ORDER BY 1", (OPEN,))
    return [r[0] for r in rows]


async def open_with_due_before(tx: Tx, case_id: str, day: date) -> list[Action]:
    rows = await tx.all(
        "SELECT * FROM actions WHERE case_id = ? AND status = ? AND due_date < ? ORDER BY due_date, number",
        (case_id, OPEN, day.isoformat()))
    return [Action.from_row(r) for r in rows]


async def set_owner(tx: Tx, action: Action, owner_user: str | None, owner_org: str | None, actor: str) -> None:
    await tx.execute("UPDATE actions SET owner_user = ?, owner_org = ? WHERE case_id = ? AND number = ?",
                     (owner_user, owner_org, action.case_id, action.number))
    await record(tx, action.case_id, action.number, actor, "reassigned", old=action.owner,
                 new=owner_user or owner_org)


async def set_due(tx: Tx, action: Action, due: date, actor: str, reason: str | None) -> None:
    await tx.execute("UPDATE actions SET due_date = ? WHERE case_id = ? AND number = ?",
                     (due.isoformat(), action.case_id, action.number))
    await record(tx, action.case_id, action.number, actor, "postponed",
                 old=action.due_date.isoformat() if action.due_date else None, new=due.isoformat(), reason=reason)


async def close(tx: Tx, action: Action, status: str, actor: str, note: str | None) -> None:
    await tx.execute(
        "UPDATE actions SET status = ?, closed_by = ?, closed_at = ?, close_note = ? WHERE case_id = ? AND number = ?",
        (status, actor, utcnow(), note, action.case_id, action.number))
    await record(tx, action.case_id, action.number, actor, status, note=note)


async def record(tx: Tx, case_id: str, number: int, actor: str, change: str, **detail: Any) -> None:
    await tx.execute(
        "INSERT INTO action_history(case_id, number, at, actor, change, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (case_id, number, utcnow(), actor, change, dumps(detail)))


async def history(tx: Tx, case_id: str, number: int) -> list[dict[str, Any]]:
    rows = await tx.all("SELECT at, actor, change, detail FROM action_history WHERE case_id = ? AND number = ? "
                        "ORDER BY id", (case_id, number))
    return [{"at": r["at"], "actor": r["actor"], "change": r["change"], **json.loads(r["detail"])} for r in rows]
