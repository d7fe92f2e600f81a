"""Which Matrix events have been handled: the exactly-once ledger."""
from storage.db import Tx, utcnow


async def mark_handled(tx: Tx, event_id: str, room_id: str) -> bool:
    """Record the event; False if it was there already (then the caller must not act on it again)."""
    await tx.execute(
        "INSERT INTO handled_events(event_id, room_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (event_id, room_id, utcnow()),
    )
    return await tx.value("SELECT changes()") == 1
