"""The audit trail: every disclosure and change, append-only, each entry chained to the previous one's hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from storage.db import Tx, dumps, utcnow

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: str, action: str, case_id: str | None, purpose: str | None,
               detail: str) -> str:
    material = dumps([prev_hash, at, actor, action, case_id, purpose, detail])
    return hashlib.sha256(material.encode()).hexdigest()


async def append(tx: Tx, actor: str, action: str, case_id: str | None = None, purpose: str | None = None,
                 **detail: Any) -> None:
    prev = await tx.value("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") or GENESIS
    at = utcnow()
    detail_json = dumps(detail)
    await tx.execute(
        "INSERT INTO audit_log(at, actor, action, case_id, purpose, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, case_id, purpose, detail_json, prev,
         entry_hash(prev, at, actor, action, case_id, purpose, detail_json)),
    )


async def head(tx: Tx) -> tuple[int, str]:
    """The newest entry's id and hash: what an anchor outside the database keeps."""
    row = await tx.one("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
    return (row["id"], row["hash"]) if row else (0, GENESIS)


async def hash_of(tx: Tx, entry_id: int) -> str | None:
    return await tx.value("SELECT hash FROM audit_log WHERE id = ?", (entry_id,))


async def verify(tx: Tx) -> int | None:
    """The id of the first entry that does not match its chain, or None when the trail is intact."""
    prev = GENESIS
    for row in await tx.all("SELECT * FROM audit_log ORDER BY id"):
        expected = entry_hash(prev, row["at"], row["actor"], row["action"], row["case_id"], row["purpose"],
                              row["detail"])
        if row["prev_hash"] != prev or row["hash"] != expected:
            return row["id"]
        prev = row["hash"]
    return None


async def of_case(tx: Tx, case_id: str) -> list[dict[str, Any]]:
    rows = await tx.all("SELECT id, at, actor, action, case_id, purpose, detail, prev_hash, hash FROM audit_log "
                        "WHERE case_id = ? ORDER BY id", (case_id,))
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
