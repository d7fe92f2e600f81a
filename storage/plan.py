"""The case's plan (plan van aanpak): items, its version, who agreed to which version; and the archive."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import archive, counters
from storage.db import Tx, utcnow

GOAL, INTERVENTION = "goal", "intervention"


@dataclass(frozen=True)
class Item:
    number: int
    kind: str
    domain: str | None
    measure: str | None
    partner: str | None
    goal: int | None
    text: str
    person: int | None = None  # a goal for one person of a system: their place (from 1) among the persons concerned

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Item:
        return cls(row["number"], row["kind"], row["domain"], row["measure"], row["partner"], row["goal"],
                   row["text"], row["person"])


@dataclass(frozen=True)
class Plan:
    version: int
    review_date: str | None
    adopted_version: int | None
    items: list[Item]
    agreed: dict[str, str]  # organisation -> who agreed, for the current version

    @property
    def adopted(self) -> bool:
        """The current version is the adopted one (no draft after it)."""
        return self.version > 0 and self.version == self.adopted_version

    @property
    def state(self) -> str:
        """Where the plan stands: none (yet), draft, adopted, or revising (a draft after an adopted version)."""
        if not self.version:
            return "none"
        if self.adopted:
            return "adopted"
        return "revising" if self.adopted_version else "draft"

    def item(self, number: int) -> Item | None:
        return next((i for i in self.items if i.number == number), None)

    @property
    def goals(self) -> list[int]:
        return [i.number for i in self.items if i.kind == GOAL]


async def get(tx: Tx, case_id: str) -> Plan:
    row = await tx.one("SELECT version, review_date, adopted_version FROM plans WHERE case_id = ?", (case_id,))
    version = row["version"] if row else 0
    items = [Item.from_row(r) for r in await tx.all(
        "SELECT * FROM plan_items WHERE case_id = ? ORDER BY number", (case_id,))]
    agreed = {r["org"]: r["user_id"] for r in await tx.all(
        "SELECT org, user_id FROM plan_agreements WHERE case_id = ? AND version = ? ORDER BY at", (case_id, version))}
    return Plan(version, row["review_date"] if row else None, row["adopted_version"] if row else None, items, agreed)


async def changed(tx: Tx, case_id: str) -> int:
    """Any change makes a new draft version: agreements given to an earlier one no longer count."""
    await tx.execute("INSERT INTO plans(case_id, version) VALUES (?, 1) "
                     "ON CONFLICT(case_id) DO UPDATE SET version = version + 1", (case_id,))
    return await tx.value("SELECT version FROM plans WHERE case_id = ?", (case_id,))


async def add_item(tx: Tx, case_id: str, kind: str, text: str, actor: str, domain: str | None = None,
                   measure: str | None = None, partner: str | None = None, goal: int | None = None,
                   person: int | None = None) -> int:
    number = await counters.next_value(tx, f"plan:{case_id}")
    await tx.execute(
        "INSERT INTO plan_items(case_id, number, kind, domain, measure, partner, goal, text, created_by, created_at, "
        "person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, number, kind, domain, measure, partner, goal, text, actor, utcnow(), person))
    await changed(tx, case_id)
    return number


async def change_item(tx: Tx, case_id: str, number: int, text: str, goal: int | None) -> int:
    """A draft item's new text (and, for an intervention, the goal it serves); returns the new version."""
    await tx.execute("UPDATE plan_items SET text = ?, goal = ? WHERE case_id = ? AND number = ?",
                     (text, goal, case_id, number))
    return await changed(tx, case_id)


async def remove_item(tx: Tx, case_id: str, number: int) -> int:
    """A draft item removed (adopted versions keep it in their archived document); returns the new version."""
    await tx.execute("DELETE FROM plan_items WHERE case_id = ? AND number = ?", (case_id, number))
    return await changed(tx, case_id)


async def revise(tx: Tx, case_id: str) -> int:
    """A new draft after the adopted version, with the same items: the adopted one stays in the archive as it was.
    Returns the draft's version."""
    return await changed(tx, case_id)


async def set_review(tx: Tx, case_id: str, day: str) -> None:
    await changed(tx, case_id)
    await tx.execute("UPDATE plans SET review_date = ? WHERE case_id = ?", (day, case_id))


@dataclass(frozen=True)
class Agreement:
    org: str
    user_id: str
    at: str  # when it was given


async def agreements(tx: Tx, case_id: str, version: int) -> list[Agreement]:
    """Who agreed to a version for which organisation, and when, in the order they did: for the adopted document."""
    return [Agreement(r["org"], r["user_id"], r["at"]) for r in await tx.all(
        "SELECT org, user_id, at FROM plan_agreements WHERE case_id = ? AND version = ? ORDER BY at, org",
        (case_id, version))]


async def agree(tx: Tx, case_id: str, version: int, org: str, user_id: str) -> None:
    await tx.execute("INSERT INTO plan_agreements(case_id, version, org, user_id, at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT DO NOTHING", (case_id, version, org, user_id, utcnow()))


async def adopt(tx: Tx, case_id: str, version: int, title: str, content: bytes, actor: str) -> str:
    """Archive the adopted version; returns its SHA-256."""
    digest = await archive.store(tx, case_id, "plan", version, title, content, actor)
    await tx.execute("UPDATE plans SET adopted_version = ? WHERE case_id = ?", (version, case_id))
    return digest


async def upcoming_reviews(tx: Tx, user_id: str, from_day: str) -> list[tuple[str, str]]:
    """(case, evaluation date) for the cases this person directs (procesregisseur or casusregisseur), not closed,
    whose evaluation date is `from_day` or later; soonest first."""
    rows = await tx.all("SELECT c.id, p.review_date FROM cases c JOIN plans p ON p.case_id = c.id "
                        "WHERE c.status != 'closed' AND ? IN (c.procesregisseur, c.casusregisseur) "
                        "AND p.review_date >= ? ORDER BY p.review_date, c.id", (user_id, from_day))
    return [(r["id"], r["review_date"]) for r in rows]
