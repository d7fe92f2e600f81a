"""Per-user settings and the bot's direct-message rooms."""
from storage.db import Tx


async def language(tx: Tx, user_id: str) -> str | None:
    return await tx.value("SELECT language FROM user_prefs WHERE user_id = ?", (user_id,))


async def set_language(tx: Tx, user_id: str, lang: str) -> None:
    await tx.execute(
        "INSERT INTO user_prefs(user_id, language) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language",
        (user_id, lang),
    )


async def dm_room(tx: Tx, user_id: str) -> str | None:
    return await tx.value("SELECT room_id FROM dm_rooms WHERE user_id = ?", (user_id,))


async def dm_user(tx: Tx, room_id: str) -> str | None:
    return await tx.value("SELECT user_id FROM dm_rooms WHERE room_id = ?", (room_id,))


async def set_dm_room(tx: Tx, user_id: str, room_id: str) -> None:
    # One DM per user: a newer room replaces the older one (the user may have left it).
    await tx.execute("DELETE FROM dm_rooms WHERE room_id = ?", (room_id,))
    await tx.execute(
        "INSERT INTO dm_rooms(user_id, room_id) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET room_id = excluded.room_id",
        (user_id, room_id),
    )
