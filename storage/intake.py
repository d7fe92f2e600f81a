"""Guided intake sessions: one per user, the fields given so far and the question awaiting an answer."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Tx, dumps, utcnow


@dataclass
class IntakeSession:
    user_id: str
    room_id: str
    fields: dict[str, Any]
    awaiting: str  # a field name, or "confirm"
    question_id: str | None = None  # the consultation question this referral is made from (`!vraag <nr> melding`)


async def get(tx: Tx, user_id: str) -> IntakeSession | None:
    row = await tx.one("SELECT user_id, room_id, fields, awaiting, question_id FROM intake_sessions WHERE user_id = ?",
                       (user_id,))
    if row is None:
        return None
    return IntakeSession(row["user_id"], row["room_id"], json.loads(row["fields"]), row["awaiting"],
                         row["question_id"])


async def save(tx: Tx, session: IntakeSession) -> None:
    now = utcnow()
    await tx.execute(
        "INSERT INTO intake_sessions(user_id, room_id, fields, awaiting, started_at, updated_at, question_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET room_id = excluded.room_id, "
        "fields = excluded.fields, awaiting = excluded.awaiting, updated_at = excluded.updated_at, "
        "question_id = excluded.question_id",
        (session.user_id, session.room_id, dumps(session.fields), session.awaiting, now, now, session.question_id),
    )


async def expire(tx: Tx, updated_before: str) -> list[str]:
    """Dialogues left unfinished since before this moment are dropped, free text and all; whose they were."""
    rows = await tx.all("SELECT user_id FROM intake_sessions WHERE updated_at < ?", (updated_before,))
    await tx.execute("DELETE FROM intake_sessions WHERE updated_at < ?", (updated_before,))
    return [r["user_id"] for r in rows]


async def delete(tx: Tx, user_id: str) -> bool:
    await tx.execute("DELETE FROM intake_sessions WHERE user_id = ?", (user_id,))
    return await tx.value("SELECT changes()") == 1
