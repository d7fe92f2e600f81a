"""The confidentiality statement of incidental partners: who accepted which text, and the invitations to cases
that wait for it."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Tx, utcnow


@dataclass(frozen=True)
class Waiting:
    case_id: str
    org_key: str


async def accepted(tx: Tx, user_id: str, sha256: str) -> bool:
    return bool(await tx.value("SELECT COUNT(*) FROM statement_acceptances WHERE user_id = ? AND sha256 = ?",
                               (user_id, sha256)))


async def accept(tx: Tx, user_id: str, sha256: str) -> None:
    await tx.execute("INSERT INTO statement_acceptances(user_id, sha256, accepted_at) VALUES (?, ?, ?) "
                     "ON CONFLICT DO NOTHING", (user_id, sha256, utcnow()))


async def wait(tx: Tx, case_id: str, user_id: str, org_key: str) -> None:
    await tx.execute("INSERT INTO pending_invites(case_id, user_id, org_key, asked_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT DO NOTHING", (case_id, user_id, org_key, utcnow()))


async def waiting(tx: Tx, user_id: str) -> list[Waiting]:
    rows = await tx.all("SELECT case_id, org_key FROM pending_invites WHERE user_id = ? ORDER BY asked_at",
                        (user_id,))
    return [Waiting(r["case_id"], r["org_key"]) for r in rows]


async def done_waiting(tx: Tx, user_id: str) -> None:
    await tx.execute("DELETE FROM pending_invites WHERE user_id = ?", (user_id,))



async def withdraw(tx: Tx, case_id: str, org_key: str) -> list[str]:
    """An organisation's invitations to a case that still wait for the statement, withdrawn; returns whose."""
    rows = await tx.all("SELECT user_id FROM pending_invites WHERE case_id = ? AND org_key = ? ORDER BY user_id",
                        (case_id, org_key))
    await tx.execute("DELETE FROM pending_invites WHERE case_id = ? AND org_key = ?", (case_id, org_key))
    return [r[0] for r in rows]
