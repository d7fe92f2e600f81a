"""Light arrangements (afstemming): a case row of kind 'arrangement' with a term, and what was arranged in it. The
case's members, room, actions and retention are the case tables' (storage/cases.py); this module holds what only
an arrangement has. The figures count arrangements apart from cases by the case row's kind (storage/figures.py)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from storage import counters
from storage.cases import ARRANGEMENT, CASE
from storage.db import Tx, utcnow


@dataclass(frozen=True)
class Arrangement:
    case_id: str
    number: int
    text: str
    owner_user: str | None
    owner_org: str | None
    action_number: int | None  # with a deadline, it is also this action (chased like any)
    made_by: str
    made_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Arrangement:
        return cls(**dict(row))


async def begin(tx: Tx, case_id: str, term_ends: date) -> None:
    """The case row just made is an arrangement, ending on this date."""
    await tx.execute("UPDATE cases SET kind = ?, term_ends = ? WHERE id = ?",
                     (ARRANGEMENT, term_ends.isoformat(), case_id))


async def extend(tx: Tx, case_id: str, term_ends: date) -> None:
    await tx.execute("UPDATE cases SET term_ends = ?, term_extended = 1 WHERE id = ? AND kind = ?",
                     (term_ends.isoformat(), case_id, ARRANGEMENT))


async def escalate(tx: Tx, case_id: str, at: str) -> None:
    """It becomes a full case in place: same number, members, room, actions and history."""
    await tx.execute("UPDATE cases SET kind = ?, arrangement_escalated_at = ? WHERE id = ? AND kind = ?",
                     (CASE, at, case_id, ARRANGEMENT))


async def record(tx: Tx, case_id: str, text: str, owner_user: str | None, owner_org: str | None,
                 action_number: int | None, actor: str) -> Arrangement:
    number = await counters.next_value(tx, f"arrangement:{case_id}")
    made = Arrangement(case_id, number, text, owner_user, owner_org, action_number, actor, utcnow())
    await tx.execute("INSERT INTO arrangements(case_id, number, text, owner_user, owner_org, action_number, made_by, "
                     "made_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (case_id, number, text, owner_user, owner_org, action_number, actor, made.made_at))
    return made


async def of_case(tx: Tx, case_id: str) -> list[Arrangement]:
    rows = await tx.all("SELECT * FROM arrangements WHERE case_id = ? ORDER BY number", (case_id,))
    return [Arrangement.from_row(r) for r in rows]
