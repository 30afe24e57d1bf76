"""The batch writer's own SQLite connection (stdlib ``sqlite3``) on its own thread.

Through SQLAlchemy and aiosqlite, a commit of the batch writer costs a thread hop per statement plus the
pool's checkout and reset (3.3 ms of CPU for a commit of one meter value and its log lines, measured:
docs/performance.md); here a whole commit is one hop and plain ``executemany`` calls (~0.5 ms). The
connection is a second writer on the file beside SQLAlchemy's one: WAL lets readers run beside it,
``BEGIN IMMEDIATE`` takes the write lock at the start and ``busy_timeout`` waits for the other writer
(whose writes are few: a transaction's start and end, orders) instead of failing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# set on every connection to the file, SQLAlchemy's (csms/db/session.py) and the writer's; synchronous is per connection
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
           "PRAGMA busy_timeout=5000")
# errors meaning "the database is away or busy, try again": the rows are kept (the others: a row refused)
AWAY = (sqlite3.OperationalError, sqlite3.InterfaceError)


def file_of(engine) -> Path | None:
    """The file of a SQLite engine, or None (another database, or an in-memory one: one connection only)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(url.database)


class SqliteWriter:
    def __init__(self, path: Path):
        self.path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._db: sqlite3.Connection | None = None      # opened and used on the writer's thread only

    async def commit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(connection, *args)`` in one transaction on the writer's thread; committed when this returns."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._transaction, fn, args)

    def _transaction(self, fn: Callable[..., Any], args: tuple) -> None:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            fn(db, *args)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in PRAGMAS:
                db.execute(pragma)
            self._db = db
        return self._db

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
