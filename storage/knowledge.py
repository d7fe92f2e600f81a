"""What the house has learned: saved advice (a question and its answer, nothing personal), kept for good."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Tx, utcnow


@dataclass(frozen=True)
class Entry:
    id: int
    theme: str | None
    question: str
    answer: str
    saved_at: str


async def save(tx: Tx, theme: str | None, question: str, answer: str) -> int:
    return await tx.execute("INSERT INTO knowledge(theme, question, answer, saved_at) VALUES (?, ?, ?, ?)",
                            (theme, question, answer, utcnow()))


async def all_entries(tx: Tx) -> list[Entry]:
    rows = await tx.all("SELECT id, theme, question, answer, saved_at FROM knowledge ORDER BY id")
    return [Entry(**dict(r)) for r in rows]
