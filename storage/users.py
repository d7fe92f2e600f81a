"""Per-user settings and the bot's direct-message rooms."""
from storage.db import Tx, utcnow


async def language(tx: Tx, user_id: str) -> str | None:
    return await tx.value("SELECT language FROM user_prefs WHERE user_id = ?", (user_id,))


async def set_language(tx: Tx, user_id: str, lang: str) -> None:
    await tx.execute(
        "INSERT INTO user_prefs(user_id, language) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language",
        (user_id, lang),
    )


async def dm_room(tx: Tx, user_id: str) -> str | None:
    """Where to send this user a direct message: their newest direct chat with the bot."""
    return await tx.value(
        "SELECT room_id FROM dm_rooms WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1", (user_id,))


async def dm_user(tx: Tx, room_id: str) -> str | None:
    return await tx.value("SELECT user_id FROM dm_rooms WHERE room_id = ?", (room_id,))


async def add_dm_room(tx: Tx, user_id: str, room_id: str) -> bool:
    """Record a direct chat; False if it was known already."""
    await tx.execute("INSERT INTO dm_rooms(room_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                     (room_id, user_id, utcnow()))
    return await tx.value("SELECT changes()") == 1


async def forget_dm_room(tx: Tx, room_id: str) -> None:
    await tx.execute("DELETE FROM dm_rooms WHERE room_id = ?", (room_id,))
