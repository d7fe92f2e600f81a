"""Storage: the source of truth. SQLite (WAL) through aiosqlite, numbered migrations, one transaction per change."""
