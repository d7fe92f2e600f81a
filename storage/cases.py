"""Cases (casussen): the case, its partners and members, and its room."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from core.vocabulary import DEFAULT_APPROACH
from storage.db import Tx, utcnow

PROCESREGISSEUR = "procesregisseur"
CASUSREGISSEUR = "casusregisseur"
REFERRER = "referrer"
PARTNER = "partner"
CASE, ARRANGEMENT = "case", "arrangement"  # the kinds of case row


@dataclass(frozen=True)
class Case:
    id: str
    status: str
    theme: str
    municipality: str
    room_id: str | None
    procesregisseur: str
    casusregisseur: str | None
    created_at: str
    closed_at: str | None
    close_reason: str | None = None
    close_note: str | None = None
    monitoring_until: str | None = None
    approach: str = DEFAULT_APPROACH  # person, system (a family or group) or area
    area: str | None = None  # the neighbourhood, for an area (its municipality is `municipality`)
    kind: str = CASE  # a full case, or a light arrangement (storage/arrangements.py)
    term_ends: str | None = None  # an arrangement: the local date its room closes itself
    term_extended: int = 0  # an arrangement's term was extended (once)
    arrangement_escalated_at: str | None = None  # a case that began as a light arrangement: when it was escalated

    @property
    def is_arrangement(self) -> bool:
        return self.kind == ARRANGEMENT

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Case:
        return cls(**dict(row))


@dataclass(frozen=True)
class Member:
    user_id: str
    role: str
    org_key: str | None


async def create(tx: Tx, case_id: str, theme: str, municipality: str, procesregisseur: str,
                 approach: str = DEFAULT_APPROACH, area: str | None = None) -> None:
    await tx.execute(
        "INSERT INTO cases(id, status, theme, municipality, procesregisseur, created_at, approach, area) "
        "VALUES (?, 'open', ?, ?, ?, ?, ?, ?)",
        (case_id, theme, municipality, procesregisseur, utcnow(), approach, area),
    )


async def get(tx: Tx, case_id: str) -> Case | None:
    row = await tx.one("SELECT * FROM cases WHERE id = ?", (case_id.upper(),))
    return Case.from_row(row) if row else None


async def require(tx: Tx, case_id: str) -> Case:
    """One that exists (just made in this transaction)."""
    found = await get(tx, case_id)
    if found is None:
        raise LookupError(case_id)
    return found


async def by_room(tx: Tx, room_id: str) -> Case | None:
    row = await tx.one("SELECT * FROM cases WHERE room_id = ?", (room_id,))
    return Case.from_row(row) if row else None


async def set_room(tx: Tx, case_id: str, room_id: str) -> None:
    await tx.execute("UPDATE cases SET room_id = ? WHERE id = ?", (room_id, case_id))


async def add_partner(tx: Tx, case_id: str, org_key: str) -> None:
    await tx.execute(
        "INSERT INTO case_partners(case_id, org_key, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (case_id, org_key, utcnow()),
    )


async def partners(tx: Tx, case_id: str) -> list[str]:
    rows = await tx.all("SELECT org_key FROM case_partners WHERE case_id = ? ORDER BY added_at, org_key", (case_id,))
    return [r[0] for r in rows]


async def add_member(tx: Tx, case_id: str, user_id: str, role: str, org_key: str | None = None) -> None:
    """A person may hold one role per case; the first role given (the most specific) is kept."""
    await tx.execute(
        "INSERT INTO case_members(case_id, user_id, role, org_key, added_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (case_id, user_id, role, org_key, utcnow()),
    )


async def members(tx: Tx, case_id: str) -> list[Member]:
    rows = await tx.all(
        "SELECT user_id, role, org_key FROM case_members WHERE case_id = ? ORDER BY added_at, user_id", (case_id,)
    )
    return [Member(r["user_id"], r["role"], r["org_key"]) for r in rows]


async def mark_briefed(tx: Tx, case_id: str, user_id: str | None = None) -> None:
    """One member, or (None) everyone in the case now."""
    await tx.execute("UPDATE case_members SET briefed_at = ? WHERE case_id = ? AND (? IS NULL OR user_id = ?)",
                     (utcnow(), case_id, user_id, user_id))


async def forget_briefs(tx: Tx, case_id: str) -> None:
    """The members left the room (after closure): back in, they are brought up to date again."""
    await tx.execute("UPDATE case_members SET briefed_at = NULL WHERE case_id = ?", (case_id,))


async def needs_brief(tx: Tx, case_id: str, user_id: str) -> bool:
    return bool(await tx.value("SELECT COUNT(*) FROM case_members WHERE case_id = ? AND user_id = ? "
                               "AND briefed_at IS NULL", (case_id, user_id)))


async def member(tx: Tx, case_id: str, user_id: str) -> Member | None:
    row = await tx.one(
        "SELECT user_id, role, org_key FROM case_members WHERE case_id = ? AND user_id = ?", (case_id, user_id)
    )
    return Member(row["user_id"], row["role"], row["org_key"]) if row else None


async def set_lead(tx: Tx, case_id: str, kind: str, user_id: str | None) -> None:
    column = {"case": "casusregisseur", "process": "procesregisseur"}[kind]
    await tx.execute(f"UPDATE cases SET {column} = ? WHERE id = ?", (user_id, case_id))


async def remove_partner(tx: Tx, case_id: str, org_key: str) -> list[str]:
    """The organisation and its people leave the case; returns who was removed."""
    rows = await tx.all("SELECT user_id FROM case_members WHERE case_id = ? AND org_key = ? AND role = ?",
                        (case_id, org_key, PARTNER))
    await tx.execute("DELETE FROM case_members WHERE case_id = ? AND org_key = ? AND role = ?",
                     (case_id, org_key, PARTNER))
    await tx.execute("DELETE FROM case_partners WHERE case_id = ? AND org_key = ?", (case_id, org_key))
    return [r[0] for r in rows]


async def remove_member(tx: Tx, case_id: str, user_id: str) -> None:
    await tx.execute("DELETE FROM case_members WHERE case_id = ? AND user_id = ?", (case_id, user_id))


async def close(tx: Tx, case_id: str, closed_at: str, reason: str, note: str | None = None) -> None:
    await tx.execute("UPDATE cases SET status = 'closed', closed_at = ?, close_reason = ?, close_note = ?, "
                     "monitoring_until = NULL WHERE id = ?", (closed_at, reason, note, case_id))


async def monitor(tx: Tx, case_id: str, until: str, reason: str, note: str | None) -> None:
    """Work is done, but the case is watched until `until` before it closes."""
    await tx.execute("UPDATE cases SET status = 'monitoring', monitoring_until = ?, close_reason = ?, close_note = ? "
                     "WHERE id = ?", (until, reason, note, case_id))


async def reopen(tx: Tx, case_id: str) -> None:
    await tx.execute("UPDATE cases SET status = 'open', closed_at = NULL, close_reason = NULL, close_note = NULL, "
                     "monitoring_until = NULL WHERE id = ?", (case_id,))


async def with_rooms(tx: Tx) -> list[str]:
    rows = await tx.all("SELECT id FROM cases WHERE room_id IS NOT NULL ORDER BY id")
    return [r["id"] for r in rows]


async def closed_before(tx: Tx, moment: str, kind: str | None = None) -> list[Case]:
    rows = await tx.all("SELECT * FROM cases WHERE status = 'closed' AND closed_at < ? AND (? IS NULL OR kind = ?) "
                        "ORDER BY closed_at", (moment, kind, kind))
    return [Case.from_row(r) for r in rows]


async def open_by_procesregisseur(tx: Tx) -> dict[str, list[str]]:
    """Open cases per procesregisseur (coordinators get the overdue actions of their cases in the digest)."""
    leads: dict[str, list[str]] = {}
    for row in await tx.all("SELECT procesregisseur, id FROM cases WHERE status = 'open' ORDER BY id"):
        leads.setdefault(row["procesregisseur"], []).append(row["id"])
    return leads
