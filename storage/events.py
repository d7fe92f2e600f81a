"""Which Matrix events have been handled: the exactly-once ledger."""
from storage.db import Tx, utcnow


async def mark_handled(tx: Tx, event_id: str, room_id: str) -> bool:
    """Record the event; False if it was there already (then the caller must not act on it again)."""
    await tx.execute(
        "INSERT INTO handled_events(event_id, room_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (event_id, room_id, utcnow()),
    )
    return await tx.value("SELECT changes()") == 1


# What some of the bot's own messages were (e.g. "reminder:12"), so that a reply to one can refer to it.
async def tag_sent(tx: Tx, event_id: str, tag: str) -> None:
    await tx.execute("INSERT INTO sent_tags(event_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", (event_id, tag))


async def tag_of(tx: Tx, event_id: str) -> str | None:
    return await tx.value("SELECT tag FROM sent_tags WHERE event_id = ?", (event_id,))
