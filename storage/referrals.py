"""Referrals (meldingen): numbering, filing, the screening queue and triage outcomes."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from core.vocabulary import DEFAULT_APPROACH
from storage import counters
from storage.db import Tx, dumps, utcnow

OPEN = "submitted"
OUTCOMES = ("advice", "referred", "rejected", "escalated", "aligned")  # aligned: a light arrangement


@dataclass(frozen=True)
class Referral:
    id: str
    referrer: str
    referrer_org: str | None
    fields: dict[str, Any]
    status: str
    outcome_text: str | None
    outcome_partner: str | None
    triaged_by: str | None
    triaged_at: str | None
    created_at: str
    asked_after_filing: int = 0  # fields asked of the referrer after filing (none: complete at triage)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Referral:
        data = dict(row)
        data["fields"] = json.loads(data["fields"])
        return cls(**data)

    @property
    def approach(self) -> str:
        """person, system or area; a referral filed before there was a choice is about a person."""
        return self.fields.get("aanpak", DEFAULT_APPROACH)

    @property
    def persons(self) -> list[dict[str, Any]]:
        """The persons concerned (initials, birth year, role), in the order given; none for an area."""
        return list(self.fields.get("betrokkene", []))

    @property
    def area(self) -> dict[str, str] | None:
        return self.fields.get("gebied")


async def next_number(tx: Tx, prefix: str, year: int) -> str:
    """<PREFIX>-<YYYY>-<NNNN>, counting from 1 each year; gap-free because it is part of the filing transaction."""
    seq = await counters.next_value(tx, f"referral:{prefix}:{year}")
    return f"{prefix}-{year}-{seq:04d}"


async def insert(tx: Tx, number: str, referrer: str, referrer_org: str | None, fields: dict[str, Any]) -> None:
    await tx.execute(
        "INSERT INTO referrals(id, referrer, referrer_org, fields, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (number, referrer, referrer_org, dumps(fields), OPEN, utcnow()),
    )


async def get(tx: Tx, number: str) -> Referral | None:
    row = await tx.one("SELECT * FROM referrals WHERE id = ?", (number.upper(),))
    return Referral.from_row(row) if row else None


async def persons(tx: Tx, number: str) -> list[dict[str, Any]]:
    """A case's persons concerned: those of the referral it came from (a case keeps its referral's number)."""
    referral = await get(tx, number)
    return referral.persons if referral else []


async def by_referrer(tx: Tx, user_id: str) -> list[Referral]:
    rows = await tx.all("SELECT * FROM referrals WHERE referrer = ? ORDER BY created_at DESC, id DESC", (user_id,))
    return [Referral.from_row(r) for r in rows]


async def open_queue(tx: Tx) -> list[Referral]:
    rows = await tx.all("SELECT * FROM referrals WHERE status = ? ORDER BY created_at, id", (OPEN,))
    return [Referral.from_row(r) for r in rows]


async def set_outcome(
    tx: Tx, number: str, outcome: str, by: str, text: str | None = None, partner: str | None = None
) -> None:
    assert outcome in OUTCOMES
    await tx.execute(
        "UPDATE referrals SET status = ?, outcome_text = ?, outcome_partner = ?, triaged_by = ?, triaged_at = ? "
        "WHERE id = ? AND status = ?",
        (outcome, text, partner, by, utcnow(), number, OPEN),
    )


async def ask_field(tx: Tx, number: str) -> None:
    """A field was asked of the referrer after filing: the referral was not complete at triage (the figures)."""
    await tx.execute("UPDATE referrals SET asked_after_filing = asked_after_filing + 1 WHERE id = ?", (number,))
