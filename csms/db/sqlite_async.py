"""SQLAlchemy's async engine on a SQLite file with one thread hop per statement.

SQLAlchemy's ``sqlite+aiosqlite`` driver hands every DB-API call to aiosqlite's thread and waits for it:
a cursor, its execute, its fetch, its close, then the pool's rollback: five hops (each a future, a
wake-up of the event loop and a GIL hand-over) for one primary-key SELECT, ~1.8 ms of CPU against
~30 us for the statement itself (docs/performance.md, session 5). This driver runs the same stdlib
``sqlite3`` connection on its own thread, but one statement (execute, fetch all rows, read the cursor's
description, rowcount and last row id) is one hop, and a commit or rollback with no transaction open (a
read-only checkout) is none. It is the pysqlite dialect in everything else: SQL, types, isolation.

``make_engine`` (csms/db/session.py) uses it for a configured ``sqlite+aiosqlite:///FILE`` URL; an
in-memory database keeps aiosqlite (one shared connection)."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import threading
from queue import SimpleQueue
from typing import Any

from sqlalchemy import pool
from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_cursor,
    AsyncAdapt_dbapi_module,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.util.concurrency import await_

DRIVER = "csms_thread"


class ThreadedConnection:
    """A stdlib ``sqlite3`` connection owned by one thread; the event loop awaits each call on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, args: tuple, kwargs: dict):
        self._loop = loop
        self._jobs: SimpleQueue = SimpleQueue()
        self._db: sqlite3.Connection | None = None
        self._pending = 0  # calls queued or running: counted on the loop's thread only
        self._thread = threading.Thread(target=self._serve, name="sqlite-conn", daemon=True)
        self._thread.start()
        self._opening = self.call(self._open, args, kwargs)

    def _open(self, args: tuple, kwargs: dict) -> None:
        self._db = sqlite3.connect(*args, **{**kwargs, "check_same_thread": False})

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            try:
                outcome = True, fn(*args)
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting task, raised there
                outcome = False, error
            try:
                self._loop.call_soon_threadsafe(self._settle, future, *outcome)
            except RuntimeError:  # the loop is closed: nobody waits any more
                return

    def _settle(self, future: asyncio.Future, ok: bool, value: Any) -> None:
        self._pending -= 1
        if not future.done():  # the awaiting task may have been cancelled meanwhile
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def call(self, fn, *args) -> asyncio.Future:
        future = self._loop.create_future()
        self._pending += 1
        self._jobs.put((future, fn, args))
        return future

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction may be open. Read on the loop's thread while the connection's thread is
        idle; while a call is still running (its awaiting task was cancelled, and the statement may be
        opening a transaction right now) the answer is yes, so the commit or rollback is queued behind it."""
        return self._pending > 0 or (self._db is not None and self._db.in_transaction)

    @property
    def isolation_level(self):
        return self._db.isolation_level

    def cursor(self) -> StatementResult:
        return StatementResult()

    def run(self, result: StatementResult, sql: str, params, many: bool) -> asyncio.Future:
        return self.call(self._run, result, sql, params, many)

    def _run(self, result: StatementResult, sql: str, params, many: bool) -> None:
        cur = self._db.cursor()
        try:
            if many:
                cur.executemany(sql, params)
            elif params is None:
                cur.execute(sql)
            else:
                cur.execute(sql, params)
            result.description = cur.description
            result.rows = cur.fetchall() if cur.description else ()
            result.rowcount, result.lastrowid = cur.rowcount, cur.lastrowid
        finally:
            cur.close()

    async def end(self, commit: bool) -> None:
        if self.in_transaction:  # nothing to end after reads only: no hop
            await self.call(self._end, commit)

    def _end(self, commit: bool) -> None:
        (self._db.commit if commit else self._db.rollback)()

    async def close(self) -> None:
        if self._db is not None:
            await self.call(self._db.close)
        self._jobs.put(None)


class StatementResult:
    """The DB-API cursor this driver hands SQLAlchemy: what one statement returned, read in its hop."""

    __slots__ = ("description", "rows", "rowcount", "lastrowid", "arraysize")

    def __init__(self):
        self.description = None
        self.rows = ()
        self.rowcount = -1
        self.lastrowid = None
        self.arraysize = 1

    def close(self) -> None:
        self.rows = ()


class _AdaptedCursor(AsyncAdapt_dbapi_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _aenter_cursor(self, cursor):
        return cursor

    def execute(self, operation, parameters=None):
        self._statement(operation, parameters, False)

    def executemany(self, operation, seq_of_parameters):
        self._statement(operation, seq_of_parameters, True)

    def _statement(self, operation, parameters, many: bool) -> None:
        try:
            await_(self._connection.run(self._cursor, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        if self._cursor.description:
            self._rows = collections.deque(self._cursor.rows)


class _AdaptedConnection(AsyncAdapt_dbapi_connection):
    __slots__ = ()
    _cursor_cls = _AdaptedCursor

    @property
    def isolation_level(self):
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value) -> None:
        self._call(setattr, self._connection._db, "isolation_level", value)

    def create_function(self, *args, **kwargs) -> None:
        self._call(lambda: self._connection._db.create_function(*args, **kwargs))

    def _call(self, fn, *args):
        try:
            return await_(self._connection.call(fn, *args))
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        self._end(False)

    def commit(self) -> None:
        self._end(True)

    def _end(self, commit: bool) -> None:
        try:
            await_(self._connection.end(commit))
        except Exception as error:
            self._handle_exception(error)

    def close(self) -> None:
        await_(self._connection.close())


class _Dbapi(AsyncAdapt_dbapi_module):
    def __init__(self):
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.sqlite = sqlite3
        self.paramstyle = "qmark"
        for name in ("DatabaseError", "Error", "IntegrityError", "NotSupportedError", "OperationalError",
                     "ProgrammingError", "InterfaceError", "sqlite_version", "sqlite_version_info",
                     "PARSE_COLNAMES", "PARSE_DECLTYPES", "Binary"):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args, **kwargs) -> _AdaptedConnection:
        connection = ThreadedConnection(asyncio.get_running_loop(), args, kwargs)
        try:
            await_(connection._opening)
        except BaseException:
            connection._jobs.put(None)  # the thread ends with the failed open
            raise
        return _AdaptedConnection(self, connection)


class SQLiteDialect_thread(SQLiteDialect_pysqlite):
    driver = DRIVER
    supports_statement_cache = True
    is_async = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> _Dbapi:
        return _Dbapi()

    @classmethod
    def get_pool_class(cls, url):
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def get_driver_connection(self, connection):
        return connection._connection


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_thread")
