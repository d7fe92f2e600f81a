"""Everything stored about one case, in one structure: for a data-subject access request (and for retention,
which must delete exactly this)."""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage import audit, figure_records
from storage.db import Tx, iso

# Per table: how its rows belong to a case. Retention deletes these, children first.
CASE_TABLES = {
    "schedule": "case_id = ?",
    "reminders": "case_id = ?",
    "action_history": "case_id = ?",
    "meeting_attendance": "case_id = ?",
    "meeting_agenda": "case_id = ?",
    "pending_invites": "case_id = ?",
    "arrangements": "case_id = ?",
    "decisions": "case_id = ?",
    "meetings": "case_id = ?",
    "zrm_scores": "case_id = ?",
    "plan_agreements": "case_id = ?",
    "plan_items": "case_id = ?",
    "plans": "case_id = ?",
    "archive": "case_id = ?",
    "actions": "case_id = ?",
    "case_members": "case_id = ?",
    "case_partners": "case_id = ?",
}


async def collect(tx: Tx, case_id: str) -> dict[str, Any] | None:
    referral = await tx.one("SELECT * FROM referrals WHERE id = ?", (case_id,))
    if referral is None:
        return None
    case = await tx.one("SELECT * FROM cases WHERE id = ?", (case_id,))
    dossier: dict[str, Any] = {
        "referral": {**dict(referral), "fields": json.loads(referral["fields"])},
        "case": dict(case) if case else None,
    }
    for table, where in CASE_TABLES.items():
        rows = await tx.all(f"SELECT * FROM {table} WHERE {where}", (case_id,))
        dossier[table] = [{k: readable(v) for k, v in dict(r).items()} for r in rows]
    dossier["audit_log"] = await audit.of_case(tx, case_id)
    return dossier


def readable(value: Any) -> Any:
    """Stored bytes as text where they are text (an HTML document); otherwise (an archived PDF) whole, in base64,
    marked so: an access request must hand over the document itself, not a mangled decoding of it."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode("ascii")


async def delete(tx: Tx, case_id: str, deleted_at: datetime, key: bytes, tz: ZoneInfo) -> None:
    """Retention: the case's data goes; a deletion record (number and dates) stays, and so does an anonymised
    record for the figures (storage/figure_records.py; key: the pseudonyms' secret, tz: whose days). The audit
    trail stays too: it holds who did what and when, no case content, and the hash chain must stay whole."""
    await figure_records.keep(tx, case_id, key, tz, deleted_at)
    case = await tx.one("SELECT created_at, closed_at, kind FROM cases WHERE id = ?", (case_id,))
    # The deletion record first: the archive lets go of a case's documents only once it exists.
    await tx.execute("INSERT INTO deletions(case_id, opened_at, closed_at, deleted_at, kind) VALUES (?, ?, ?, ?, ?)",
                     (case_id, case["created_at"] if case else iso(deleted_at), case["closed_at"] if case else None,
                      iso(deleted_at), case["kind"] if case else None))
    for table, where in CASE_TABLES.items():
        await tx.execute(f"DELETE FROM {table} WHERE {where}", (case_id,))
    await tx.execute("DELETE FROM counters WHERE name IN (?, ?, ?, ?, ?, ?)",
                     (f"action:{case_id}", f"reminder:{case_id}", f"meeting:{case_id}", f"plan:{case_id}",
                      f"decision:{case_id}", f"arrangement:{case_id}"))
    await tx.execute("DELETE FROM cases WHERE id = ?", (case_id,))
    await tx.execute("DELETE FROM referrals WHERE id = ?", (case_id,))


async def record_servers(tx: Tx, case_id: str, servers: list[str]) -> None:
    """The homeservers that held the case's room (the ZVH's and the partners'), on its deletion record: what was
    purged here stays on the others, and the record says where."""
    await tx.execute("UPDATE deletions SET servers = ? WHERE case_id = ?", (json.dumps(sorted(servers)), case_id))
