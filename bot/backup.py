"""`zvh-bot backup`: a consistent copy of the database and the crypto store while the bot runs.

SQLite's online backup API copies a consistent snapshot even while the bot writes (WAL mode); a plain file copy
could catch a transaction half-way. Restore: stop the bot, put the copied files back in place (zvh.db next to
its config's `database`, crypto/ as `crypto_store`), start the bot; see README.
"""
from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from bot import cross_signing
from core.config import Config


def copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        problems = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if problems != "ok":
        raise RuntimeError(f"the copy of {source.name} failed its integrity check: {problems}")


def backup(config: Config, into: Path | None = None) -> Path:
    """Returns the directory written: <into>/zvh-backup-<UTC time>/ with the database and the crypto store."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = (into or config.bot.database.parent / "backups") / f"zvh-backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    folder.chmod(0o700)  # it holds case data and the bot's keys
    copy_database(config.bot.database, folder / config.bot.database.name)
    store = config.matrix.crypto_store
    if store and store.is_dir():
        for db in sorted(store.glob("*.db")):
            copy_database(db, folder / "crypto" / db.name)
        sealed = store / cross_signing.KEYS_FILE  # the bot's identity: without it a restore makes a new one
        if sealed.exists():
            shutil.copy2(sealed, folder / "crypto" / sealed.name)
    return folder
