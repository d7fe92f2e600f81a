"""Case meetings (overleg): when, how long, where; moved and cancelled ones keep their number."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    kind: str | None = None  # the type of table (a key of the configured types)
    series: int | None = None  # a series: the number of its first occurrence, shared by all
    series_rule: str | None = None  # a series: its weekly rule as JSON (weekdays, time, count)
    original_start: datetime | None = None  # a series occurrence: the moment it was planned at
    minutes_sha256: str | None = None  # the minutes are adopted: the archived document's hash

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Meeting:
        data = dict(row)
        data["starts_at"] = datetime.fromisoformat(data["starts_at"])
        if data["original_start"]:
            data["original_start"] = datetime.fromisoformat(data["original_start"])
        return cls(**data)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


async def create(tx: Tx, case_id: str, starts_at: datetime, minutes: int, place: str | None, actor: str,
                 kind: str | None = None, series: tuple[int | None, str] | None = None) -> Meeting:
    """series: (the first occurrence's number, None for the first itself; the rule) for an occurrence of a series."""
    number = await counters.next_value(tx, f"meeting:{case_id}")
    first, rule = series if series else (None, None)
    await tx.execute(
        "INSERT INTO meetings(case_id, number, starts_at, minutes, place, status, created_by, created_at, kind, "
        "series, series_rule, original_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, number, iso(starts_at), minutes, place, PLANNED, actor, utcnow(), kind,
         (first or number) if series else None, rule, iso(starts_at) if series else None))
    return await require(tx, case_id, number)


async def of_series(tx: Tx, case_id: str, series: int) -> list[Meeting]:
    rows = await tx.all("SELECT * FROM meetings WHERE case_id = ? AND series = ? ORDER BY number", (case_id, series))
    return [Meeting.from_row(r) for r in rows]


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


# Actions typed just after a table ends were agreed at it.
WRAP_UP = timedelta(minutes=30)


async def running(tx: Tx, case_id: str, now: datetime) -> Meeting | None:
    """The planned meeting going on now (or just ended)."""
    begun = await last_begun(tx, case_id, now)
    return begun if begun and now <= begun.ends_at + WRAP_UP else None


async def previous(tx: Tx, meeting: Meeting) -> Meeting | None:
    """The table held before this one."""
    row = await tx.one("SELECT * FROM meetings WHERE case_id = ? AND status = ? AND starts_at < ? "
                       "ORDER BY starts_at DESC LIMIT 1", (meeting.case_id, PLANNED, iso(meeting.starts_at)))
    return Meeting.from_row(row) if row else None


async def between(tx: Tx, start: datetime, end: datetime) -> list[Meeting]:
    """Planned tables of every case starting in [start, end): the coordinators' week."""
    rows = await tx.all("SELECT * FROM meetings WHERE status = ? AND starts_at >= ? AND starts_at < ? "
                        "ORDER BY starts_at, case_id", (PLANNED, iso(start), iso(end)))
    return [Meeting.from_row(r) for r in rows]


@dataclass(frozen=True)
class AgendaPoint:
    number: int
    text: str
    added_by: str


async def add_agenda_point(tx: Tx, meeting: Meeting, text: str, actor: str) -> int:
    number = await counters.next_value(tx, f"agenda:{meeting.case_id}:{meeting.number}")
    await tx.execute("INSERT INTO meeting_agenda(case_id, meeting_number, number, text, added_by, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (meeting.case_id, meeting.number, number, text, actor, utcnow()))
    return number


async def agenda_points(tx: Tx, meeting: Meeting) -> list[AgendaPoint]:
    rows = await tx.all("SELECT number, text, added_by FROM meeting_agenda WHERE case_id = ? AND meeting_number = ? "
                        "ORDER BY number", (meeting.case_id, meeting.number))
    return [AgendaPoint(r["number"], r["text"], r["added_by"]) for r in rows]


async def set_minutes_adopted(tx: Tx, meeting: Meeting, sha256: str) -> None:
    await tx.execute("UPDATE meetings SET minutes_sha256 = ? WHERE case_id = ? AND number = ?",
                     (sha256, meeting.case_id, meeting.number))


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


async def decisions_between(tx: Tx, case_id: str, since: datetime | None, until: datetime) -> list[Decision]:
    rows = await tx.all("SELECT number, meeting_number, text, decided_by, at FROM decisions WHERE case_id = ? "
                        "AND at >= ? AND at < ? ORDER BY number", (case_id, iso(since) if since else "", iso(until)))
    return [Decision(r["number"], r["meeting_number"], r["text"], r["decided_by"], r["at"]) for r in rows]


async def held(tx: Tx, case_id: str, now: datetime) -> list[Meeting]:
    """The case's planned tables that have begun, oldest first."""
    rows = await tx.all("SELECT * FROM meetings WHERE case_id = ? AND status = ? AND starts_at <= ? "
                        "ORDER BY starts_at", (case_id, PLANNED, iso(now)))
    return [Meeting.from_row(r) for r in rows]


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
