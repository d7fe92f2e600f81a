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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Item:
        return cls(row["number"], row["kind"], row["domain"], row["measure"], row["partner"], row["goal"],
                   row["text"])


@dataclass(frozen=True)
class Plan:
    version: int
    review_date: str | None
    adopted_version: int | None
    items: list[Item]
    agreed: dict[str, str]  # organisation -> who agreed, for the current version


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
                   measure: str | None = None, partner: str | None = None, goal: int | None = None) -> int:
    number = await counters.next_value(tx, f"plan:{case_id}")
    await tx.execute(
        "INSERT INTO plan_items(case_id, number, kind, domain, measure, partner, goal, text, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, number, kind, domain, measure, partner, goal, text, actor, utcnow()))
    await changed(tx, case_id)
    return number


async def set_review(tx: Tx, case_id: str, day: str) -> None:
    await changed(tx, case_id)
    await tx.execute("UPDATE plans SET review_date = ? WHERE case_id = ?", (day, case_id))


async def agree(tx: Tx, case_id: str, version: int, org: str, user_id: str) -> None:
    await tx.execute("INSERT INTO plan_agreements(case_id, version, org, user_id, at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT DO NOTHING", (case_id, version, org, user_id, utcnow()))


async def adopt(tx: Tx, case_id: str, version: int, title: str, content: bytes, actor: str) -> str:
    """Archive the adopted version; returns its SHA-256."""
    digest = await archive.store(tx, case_id, "plan", version, title, content, actor)
    await tx.execute("UPDATE plans SET adopted_version = ? WHERE case_id = ?", (version, case_id))
    return digest
