"""The schedule: what must happen when. Rows are fired in the transaction that records their messages."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Tx, iso, utcnow

PENDING, FIRED, CANCELLED = "pending", "fired", "cancelled"


class Kind(StrEnum):
    """Every kind of scheduled item, in one place (the values are what the database holds)."""

    ACTION_BEFORE = "action.before"  # an owner reminded before the due date
    ACTION_NUDGE = "action.nudge"  # an owner nudged each working day while overdue
    ESCALATE_CASUS = "action.escalate.casus"  # overdue: the casusregisseur told
    ESCALATE_PROCES = "action.escalate.proces"  # longer overdue: the procesregisseur told
    REMINDER = "reminder"  # a reminder set with !herinner
    SNOOZED = "reminder.snoozed"  # the same, put off with !later
    DIGEST = "digest"  # the weekly digest
    RETENTION = "retention"  # the daily retention run
    MEETING_DAY = "meeting.day_before"  # those invited reminded the day before a meeting
    MEETING_SOON = "meeting.soon"  # and shortly before it
    MEMBERS_OUT = "case.members_out"  # a closed case's members leave its room after the grace period
    MONITORING_END = "case.monitoring_end"  # the procesregisseur told that a case's monitoring ends
    EVALUATION = "plan.evaluation"  # the case's directors reminded of the plan's evaluation date
    ARRANGEMENT_REMINDER = "arrangement.reminder"  # a light arrangement's members told its term ends soon
    ARRANGEMENT_END = "arrangement.end"  # a light arrangement's term is over: its room closes itself
    QUESTION_CHASE = "question.chase"  # a consultation question waiting for an answer: the staff rung
    REPORT_MONTHLY = "report.monthly"  # the monthly management report (first working day of the month)
    REPORT_YEARLY = "report.yearly"  # the yearly one (first working day of January)


ACTION_KINDS = (Kind.ACTION_BEFORE, Kind.ACTION_NUDGE, Kind.ESCALATE_CASUS, Kind.ESCALATE_PROCES)
REMINDER_KINDS = (Kind.REMINDER, Kind.SNOOZED)
MEETING_KINDS = (Kind.MEETING_DAY, Kind.MEETING_SOON)
ARRANGEMENT_KINDS = (Kind.ARRANGEMENT_REMINDER, Kind.ARRANGEMENT_END)


@dataclass(frozen=True)
class Item:
    id: int
    due_at: datetime  # aware, UTC
    kind: Kind
    case_id: str | None
    ref: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Item:
        return cls(row["id"], datetime.fromisoformat(row["due_at"]), Kind(row["kind"]), row["case_id"], row["ref"])


async def add(tx: Tx, due_at: datetime, kind: Kind, case_id: str | None = None, ref: int | None = None) -> None:
    tx.scheduled = True  # the scheduler looks again for the earliest item (bot/scheduler.py `refresh`)
    await tx.execute("INSERT INTO schedule(due_at, kind, case_id, ref, created_at) VALUES (?, ?, ?, ?, ?)",
                     (iso(due_at), kind, case_id, ref, utcnow()))


async def cancel(tx: Tx, kinds: tuple[Kind, ...], case_id: str | None, ref: int | None) -> None:
    marks = ",".join("?" * len(kinds))
    await tx.execute(
        f"UPDATE schedule SET state = '{CANCELLED}' WHERE state = '{PENDING}' AND kind IN ({marks}) "
        "AND case_id IS ? AND ref IS ?", (*kinds, case_id, ref))


async def due(tx: Tx, now: datetime, limit: int) -> list[Item]:
    rows = await tx.all(f"SELECT * FROM schedule WHERE state = '{PENDING}' AND due_at <= ? ORDER BY due_at, id "
                        "LIMIT ?", (iso(now), limit))
    return [Item.from_row(r) for r in rows]


async def mark_fired(tx: Tx, item_ids: list[int], now: datetime) -> None:
    if item_ids:
        marks = ",".join("?" * len(item_ids))
        await tx.execute(f"UPDATE schedule SET state = '{FIRED}', fired_at = ? WHERE id IN ({marks})",
                         (iso(now), *item_ids))


async def next_due(tx: Tx) -> datetime | None:
    value = await tx.value(f"SELECT MIN(due_at) FROM schedule WHERE state = '{PENDING}'")
    return datetime.fromisoformat(value) if value else None


async def pending(tx: Tx, kind: Kind) -> list[Item]:
    rows = await tx.all(f"SELECT * FROM schedule WHERE state = '{PENDING}' AND kind = ? ORDER BY due_at", (kind,))
    return [Item.from_row(r) for r in rows]


async def count_pending(tx: Tx) -> int:
    return await tx.value(f"SELECT COUNT(*) FROM schedule WHERE state = '{PENDING}'")


async def next_for(tx: Tx, kinds: tuple[Kind, ...], ref: int) -> datetime | None:
    """The next pending moment of one thing (a reminder's next time, say)."""
    marks = ",".join("?" * len(kinds))
    value = await tx.value(f"SELECT MIN(due_at) FROM schedule WHERE state = '{PENDING}' AND kind IN ({marks}) "
                           "AND ref = ?", (*kinds, ref))
    return datetime.fromisoformat(value) if value else None


async def cancel_kind(tx: Tx, kind: Kind, case_id: str) -> None:
    """Every pending item of this kind for this case (or question)."""
    await tx.execute(f"UPDATE schedule SET state = '{CANCELLED}' WHERE state = '{PENDING}' AND kind = ? "
                     "AND case_id = ?", (kind, case_id))


async def cancel_case(tx: Tx, case_id: str) -> None:
    await tx.execute(f"UPDATE schedule SET state = '{CANCELLED}' WHERE state = '{PENDING}' AND case_id = ?", (case_id,))


async def last_state(tx: Tx, kind: Kind, case_id: str) -> str | None:
    """What became of the latest item of this kind for the case (pending, fired, cancelled)."""
    return await tx.value("SELECT state FROM schedule WHERE kind = ? AND case_id = ? ORDER BY id DESC LIMIT 1",
                          (kind, case_id))
