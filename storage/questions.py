"""Consultation questions to the expertise desk and their conversation: numbering, the question, answers and
follow-ups, what waits, closing, the referral a question became, and deletion after the retention term (an
anonymised record kept for the figures)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage import counters, figure_records
from storage.db import Tx, utcnow

OPEN, CLOSED = "open", "closed"
QUESTION, ANSWER, FOLLOWUP = "question", "answer", "followup"


@dataclass(frozen=True)
class Question:
    id: str
    asker: str
    asker_org: str | None
    theme: str | None
    municipality: str | None
    status: str
    waiting_since: str | None  # the asker's last question or follow-up that has no answer yet; None: answered
    created_at: str
    first_answer_at: str | None
    last_activity_at: str
    closed_at: str | None
    referral_id: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Question:
        return cls(**dict(row))


@dataclass(frozen=True)
class Message:
    number: int
    kind: str  # question, answer, followup
    author: str
    text: str
    at: str


async def next_number(tx: Tx, year: int) -> str:
    """V-<YYYY>-<NNNN>, counting from 1 each year; gap-free, part of the transaction that stores the question."""
    return f"V-{year}-{await counters.next_value(tx, f'question:{year}'):04d}"


async def insert(tx: Tx, number: str, asker: str, asker_org: str | None, theme: str | None,
                 municipality: str | None, text: str) -> None:
    now = utcnow()
    await tx.execute(
        "INSERT INTO questions(id, asker, asker_org, theme, municipality, status, waiting_since, created_at, "
        "last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, asker, asker_org, theme, municipality, OPEN, now, now, now))
    await add_message(tx, number, QUESTION, asker, text)


async def add_message(tx: Tx, number: str, kind: str, author: str, text: str) -> int:
    """The next message of the conversation; an answer ends the wait, a follow-up starts one."""
    now = utcnow()
    seq = await tx.value("SELECT COALESCE(MAX(number), 0) + 1 FROM question_messages WHERE question_id = ?",
                         (number,))
    await tx.execute("INSERT INTO question_messages(question_id, number, kind, author, text, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (number, seq, kind, author, text, now))
    if kind == ANSWER:
        await tx.execute("UPDATE questions SET waiting_since = NULL, first_answer_at = COALESCE(first_answer_at, ?), "
                         "last_activity_at = ? WHERE id = ?", (now, now, number))
    elif kind == FOLLOWUP:
        await tx.execute("UPDATE questions SET waiting_since = COALESCE(waiting_since, ?), last_activity_at = ? "
                         "WHERE id = ?", (now, now, number))
    return seq


async def get(tx: Tx, number: str) -> Question | None:
    row = await tx.one("SELECT * FROM questions WHERE id = ?", (number.upper(),))
    return Question.from_row(row) if row else None


async def messages(tx: Tx, number: str) -> list[Message]:
    rows = await tx.all("SELECT number, kind, author, text, at FROM question_messages WHERE question_id = ? "
                        "ORDER BY number", (number,))
    return [Message(**dict(r)) for r in rows]


async def first_text(tx: Tx, number: str) -> str:
    return await tx.value("SELECT text FROM question_messages WHERE question_id = ? AND kind = ? ORDER BY number "
                          "LIMIT 1", (number, QUESTION)) or ""


async def open_ones(tx: Tx, asker: str | None = None) -> list[Question]:
    """Open questions, those waiting for an answer first, each group oldest first; of one asker, or all."""
    where, args = ("AND asker = ?", (asker,)) if asker else ("", ())
    rows = await tx.all(f"SELECT * FROM questions WHERE status = '{OPEN}' {where} "
                        "ORDER BY waiting_since IS NULL, COALESCE(waiting_since, created_at), id", (*args,))
    return [Question.from_row(r) for r in rows]


async def close(tx: Tx, number: str) -> None:
    now = utcnow()
    await tx.execute(f"UPDATE questions SET status = '{CLOSED}', waiting_since = NULL, closed_at = ?, "
                     "last_activity_at = ? WHERE id = ?", (now, now, number))


async def link_referral(tx: Tx, number: str, referral_id: str) -> None:
    await tx.execute("UPDATE questions SET referral_id = ?, last_activity_at = ? WHERE id = ?",
                     (referral_id, utcnow(), number))


async def set_theme(tx: Tx, number: str, theme: str) -> None:
    await tx.execute("UPDATE questions SET theme = ? WHERE id = ?", (theme, number))


async def expired(tx: Tx, before: str) -> list[str]:
    """Questions closed before this moment, or with nothing happening since: their retention term is over."""
    rows = await tx.all("SELECT id FROM questions WHERE COALESCE(closed_at, last_activity_at) < ? ORDER BY id",
                        (before,))
    return [r["id"] for r in rows]


async def delete(tx: Tx, number: str, tz: ZoneInfo) -> None:
    """The question and its conversation go; the schedule forgets it. An anonymised record stays for the figures
    (storage/figure_records.py; tz: whose days)."""
    await figure_records.keep_question(tx, number, tz)
    await tx.execute("DELETE FROM question_messages WHERE question_id = ?", (number,))
    await tx.execute("DELETE FROM schedule WHERE case_id = ?", (number,))
    await tx.execute("UPDATE intake_sessions SET question_id = NULL WHERE question_id = ?", (number,))
    await tx.execute("DELETE FROM questions WHERE id = ?", (number,))
