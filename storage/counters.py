"""Gap-free sequence numbers (referral numbers, #n per case), part of the transaction that uses them."""
from __future__ import annotations

from storage.db import Tx


async def next_value(tx: Tx, name: str) -> int:
    await tx.execute(
        "INSERT INTO counters(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
        (name,),
    )
    return await tx.value("SELECT value FROM counters WHERE name = ?", (name,))
