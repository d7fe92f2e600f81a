"""The database handle: one connection, transactions serialised, migrations applied at open."""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiosqlite

from core import clock
from storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)


class DatabaseTooNew(RuntimeError):
    """The database was written by a newer version of the bot; running old code on it could corrupt it."""


def utcnow() -> str:
    """Stamps are the bot's time (one clock with its cards and schedules)."""
    return iso(clock.now())


def iso(moment: datetime) -> str:
    """How moments are stored: UTC, milliseconds, so that text order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class Tx:
    """One open transaction. Everything a command changes goes through one of these."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._savepoints = 0
        self.scheduled = False  # something was added to the schedule (storage/schedule.py `add`)

    # One thread hop per statement: aiosqlite's execute_insert / execute_fetchall run and fetch in one call.
    async def execute(self, sql: str, args: Iterable[Any] = ()) -> int:
        """Run a statement; returns lastrowid."""
        row = await self.conn.execute_insert(sql, tuple(args))
        return row[0] if row else 0

    async def one(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = list(await self.conn.execute_fetchall(sql, tuple(args)))
        return rows[0] if rows else None

    async def all(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(args)))

    async def value(self, sql: str, args: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, args)
        return None if row is None else row[0]

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested scope whose changes are undone if it raises, while the outer transaction goes on."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        await self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.conn.execute(f"ROLLBACK TO {name}")
            await self.conn.execute(f"RELEASE {name}")
            raise
        else:
            await self.conn.execute(f"RELEASE {name}")

    # Small key/value store for the bot's own bookkeeping (sync token, space id, ...).
    async def get_meta(self, key: str) -> str | None:
        return await self.value("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            await self.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            await self.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


class Database:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()
        # Committed transactions that added to the schedule: the scheduler re-arms only when this moved.
        self.schedule_changes = 0

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        # WAL: readers never block the writer; NORMAL is durable across process crashes (not power loss
        # of the last commit), which is the failure the bot must survive.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA secure_delete=ON")  # deleted case data is overwritten, not left in free pages
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn)
        try:
            await db._migrate()
        except BaseException:
            await conn.close()  # a refused database must not leave its connection thread behind
            raise
        return db

    async def close(self) -> None:
        await self.forget_old_pages()
        await self.conn.close()

    async def forget_old_pages(self) -> None:
        """The write-ahead log keeps earlier versions of changed pages until a checkpoint: after deleting a case,
        write it through and empty the log, so nothing of the case is left on disk."""
        async with self._lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self.conn)
            try:
                yield tx
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
                if tx.scheduled:
                    self.schedule_changes += 1

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        if current > len(MIGRATIONS):
            raise DatabaseTooNew(
                f"database schema version {current} is newer than this bot knows ({len(MIGRATIONS)}); "
                "upgrade the bot or restore a matching backup"
            )
        for version, (description, statements) in enumerate(MIGRATIONS[current:], start=current + 1):
            log.info("database: applying migration %d (%s)", version, description)
            async with self.transaction() as tx:
                for statement in statements:
                    await tx.execute(statement)
                # user_version is part of the transaction: a migration is applied whole or not at all.
                await tx.execute(f"PRAGMA user_version = {version}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
