"""Adopted documents (plans, minutes), unchangeable: the database refuses edits (see the migration's triggers)."""
from __future__ import annotations

import hashlib
import sqlite3

from storage.db import Tx, utcnow


async def store(tx: Tx, case_id: str, kind: str, version: int, title: str, content: bytes, actor: str) -> str:
    """Archive a document; returns its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    await tx.execute("INSERT INTO archive(case_id, kind, version, title, content, sha256, created_by, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (case_id, kind, version, title, content, digest, actor, utcnow()))
    return digest


async def listing(tx: Tx, case_id: str) -> list[sqlite3.Row]:
    return await tx.all("SELECT id, kind, version, title, sha256, created_by, created_at FROM archive "
                        "WHERE case_id = ? ORDER BY id", (case_id,))


async def content(tx: Tx, case_id: str, kind: str, version: int) -> bytes | None:
    row = await tx.one("SELECT content FROM archive WHERE case_id = ? AND kind = ? AND version = ?",
                       (case_id, kind, version))
    return bytes(row["content"]) if row else None
