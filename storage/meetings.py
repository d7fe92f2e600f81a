"""Case meetings (overleg): when, how long, where; moved and cancelled ones keep their number."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage import counters
from storage.db import Tx, iso, utcnow

PLANNED, CANCELLED = "planned", "cancelled"


@dataclass(frozen=True)
class Meeting:
    case_id: str
    number: int
    starts_at: datetime
    minutes: int
    place: str | None
    status: str
    sequence: int  # bumped on every change, so calendar apps replace the event
    created_by: str
    created_at: str
    cancel_reason: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Meeting:
        data = dict(row)
        data["starts_at"] = datetime.fromisoformat(data["starts_at"])
        return cls(**data)


async def create(tx: Tx, case_id: str, starts_at: datetime, minutes: int, place: str | None, actor: str) -> Meeting:
    number = await counters.next_value(tx, f"meeting:{case_id}")
    await tx.execute(
        "INSERT INTO meetings(case_id, number, starts_at, minutes, place, status, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (case_id, number, iso(starts_at), minutes, place, PLANNED, actor, utcnow()))
    made = await get(tx, case_id, number)
    assert made is not None
    return made


async def get(tx: Tx, case_id: str, number: int) -> Meeting | None:
    row = await tx.one("SELECT * FROM meetings WHERE case_id = ? AND number = ?", (case_id, number))
    return Meeting.from_row(row) if row else None


async def require(tx: Tx, case_id: str, number: int) -> Meeting:
    """One that exists (just made or changed in this transaction)."""
    found = await get(tx, case_id, number)
    if found is None:
        raise LookupError(f"{case_id} #{number}")
    return found


YES, NO, MAYBE = "yes", "no", "maybe"


@dataclass(frozen=True)
class Answer:
    user_id: str
    answer: str
    org_key: str | None


async def set_attendance(tx: Tx, case_id: str, number: int, user_id: str, answer: str, org_key: str | None) -> None:
    """The latest answer counts."""
    await tx.execute(
        "INSERT INTO meeting_attendance(case_id, number, user_id, answer, org_key, at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(case_id, number, user_id) DO UPDATE SET answer = excluded.answer, org_key = excluded.org_key, "
        "at = excluded.at", (case_id, number, user_id, answer, org_key, utcnow()))


async def attendance(tx: Tx, case_id: str, number: int) -> list[Answer]:
    rows = await tx.all("SELECT user_id, answer, org_key FROM meeting_attendance WHERE case_id = ? AND number = ? "
                        "ORDER BY at, user_id", (case_id, number))
    return [Answer(r["user_id"], r["answer"], r["org_key"]) for r in rows]


async def last_begun(tx: Tx, case_id: str, now: datetime) -> Meeting | None:
    """The planned meeting running now, or else the last one held."""
    row = await tx.one("SELECT * FROM meetings WHERE case_id = ? AND status = ? AND starts_at <= ? "
                       "ORDER BY starts_at DESC LIMIT 1", (case_id, PLANNED, iso(now)))
    return Meeting.from_row(row) if row else None


@dataclass(frozen=True)
class Decision:
    number: int
    meeting_number: int | None
    text: str
    decided_by: str
    at: str


async def add_decision(tx: Tx, case_id: str, meeting_number: int | None, text: str, actor: str) -> int:
    number = await counters.next_value(tx, f"decision:{case_id}")
    await tx.execute("INSERT INTO decisions(case_id, number, meeting_number, text, decided_by, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (case_id, number, meeting_number, text, actor, utcnow()))
    return number


async def decisions(tx: Tx, case_id: str, meeting_number: int) -> list[Decision]:
    rows = await tx.all("SELECT number, meeting_number, text, decided_by, at FROM decisions WHERE case_id = ? "
                        "AND meeting_number = ? ORDER BY number", (case_id, meeting_number))
    return [Decision(r["number"], r["meeting_number"], r["text"], r["decided_by"], r["at"]) for r in rows]


async def upcoming(tx: Tx, case_id: str, now: datetime) -> list[Meeting]:
    rows = await tx.all("SELECT * FROM meetings WHERE case_id = ? AND status = ? AND starts_at > ? "
                        "ORDER BY starts_at", (case_id, PLANNED, iso(now)))
    return [Meeting.from_row(r) for r in rows]


async def upcoming_for_user(tx: Tx, user_id: str, now: datetime) -> list[Meeting]:
    """The planned meetings of every case the person takes part in."""
    rows = await tx.all("SELECT g.* FROM meetings g JOIN case_members m ON m.case_id = g.case_id AND m.user_id = ? "
                        "WHERE g.status = ? AND g.starts_at > ? ORDER BY g.starts_at", (user_id, PLANNED, iso(now)))
    return [Meeting.from_row(r) for r in rows]


async def move(tx: Tx, meeting: Meeting, starts_at: datetime) -> None:
    await tx.execute("UPDATE meetings SET starts_at = ?, sequence = sequence + 1 WHERE case_id = ? AND number = ?",
                     (iso(starts_at), meeting.case_id, meeting.number))


async def cancel(tx: Tx, meeting: Meeting, reason: str | None) -> None:
    await tx.execute("UPDATE meetings SET status = ?, cancel_reason = ?, sequence = sequence + 1 "
                     "WHERE case_id = ? AND number = ?", (CANCELLED, reason, meeting.case_id, meeting.number))
