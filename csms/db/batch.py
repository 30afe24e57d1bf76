"""Batched writes for high-volume rows: meter values, the OCPP message log, live figures.

Rows are buffered in memory and written together, one transaction and one executemany per table.
What may lag (the message log, statuses, last-seen times) is written every ``interval`` seconds (or
sooner when a buffer reaches ``max_rows``). What must be safe before it is acknowledged waits for
``durable()``: group commit, the writer commits everything queued as soon as its previous commit
ends and then releases every waiter whose rows it holds, so durability costs one commit of latency,
not a flush interval, and a busy writer commits many messages at once. ``flush()`` writes now.

Meter values are inserted idempotently (a unique key per charge point and sample: csms/services/
transactions.py ``sample_key``): a charger replaying what it was never answered stores nothing twice."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from datetime import datetime, timezone

from sqlalchemy import bindparam, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from csms.db import tables as t
from csms.db import tables_backoffice as history
from csms.db.sqlite_writer import AWAY, SqliteWriter, file_of
from csms.domain.repositories import chunks

log = logging.getLogger(__name__)

_INSERT = {"meter_values": t.meter_values, "ocpp_messages": t.ocpp_messages,
           # the statistics' history: every connector status change, every connect and disconnect
           "connector_status_log": history.connector_status_log, "presence_log": history.presence_log}
_IDEMPOTENT = {"meter_values"}
# what a durable() waiter may be waiting for: a row of these refused by the database fails the waiters
_DURABLE = {"meter_values", "transactions"}


class NotCommitted(Exception):
    """The rows a durable() waiter waits for were not committed (the database is away or refused them):
    the message must not be acknowledged; the charger sends it again."""


class _RawInsert:
    """INSERT through the driver's executemany with rows as tuples: the generic SQLAlchemy path
    (compilation, per-value bind processors) costs more CPU than the write itself at this volume.
    Datetimes go in as the dialect stores them (naive UTC; SQLite as SQLAlchemy's text format)."""

    def __init__(self, table, dialect):
        self.columns = [c.name for c in table.columns if not c.primary_key]
        self.times = {c.name for c in table.columns if isinstance(c.type, t.UTCDateTime)}
        marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in self.columns)
        quote = dialect.identifier_preparer.quote
        self.sqlite = dialect.name == "sqlite"
        verb = "INSERT"
        if table.name in _IDEMPOTENT:       # a row already stored (same unique key) is skipped, not an error
            verb = "INSERT OR IGNORE" if self.sqlite else "INSERT IGNORE"
        self.sql = f"{verb} INTO {quote(table.name)} ({', '.join(map(quote, self.columns))}) VALUES ({marks})"

    def _time(self, value: datetime | None):
        if value is None:
            return None
        if value.tzinfo is not None:     # naive values are taken as UTC, as everywhere in the domain
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds") if self.sqlite else value   # = "%Y-%m-%d %H:%M:%S.%f", faster

    def params(self, rows: list[dict]) -> list[tuple]:
        cols, times = self.columns, self.times
        return [tuple(self._time(row.get(c)) if c in times else row.get(c) for c in cols) for row in rows]


def _update_groups(name: str, by_key: dict[Any, dict]) -> dict[tuple, list[tuple[tuple, dict]]]:
    """Queued updates of ``name`` grouped by the columns they set: names -> [(key values, row)]."""
    cols = _UPDATE[name][2]
    groups: dict[tuple, list[tuple[tuple, dict]]] = {}
    for key, row in by_key.items():
        names = tuple(sorted(c for c in row if c in cols))
        if names:
            groups.setdefault(names, []).append((key if isinstance(key, tuple) else (key,), row))
    return groups


class _RawUpdates:
    """The update_latest targets as plain SQL for the SQLite writer's connection, each value bound as
    SQLAlchemy binds it (the column type's bind processor: datetimes as its text format, booleans as 0/1)."""

    def __init__(self, dialect):
        self.dialect = dialect
        self._binds: dict[tuple[str, str], Any] = {}
        self._sql: dict[tuple[str, tuple], str] = {}

    def _bind(self, table, name: str):
        key = (table.name, name)
        if key not in self._binds:
            self._binds[key] = table.c[name].type.bind_processor(self.dialect) or (lambda v: v)
        return self._binds[key]

    def _text(self, table, key_cols, names: tuple) -> str:
        key = (table.name, names)
        if key not in self._sql:
            quote = self.dialect.identifier_preparer.quote
            self._sql[key] = (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(c)} = ?' for c in names)} "
                              f"WHERE {' AND '.join(f'{quote(c.name)} = ?' for c in key_cols)}")
        return self._sql[key]

    def statements(self, name: str, by_key: dict[Any, dict]) -> list[tuple[str, list[tuple]]]:
        table, key_cols, _ = _UPDATE[name]
        return [(self._text(table, key_cols, names),
                 [tuple(self._bind(table, c)(row[c]) for c in names) + keys for keys, row in group])
                for names, group in _update_groups(name, by_key).items()]


# update_latest targets: table -> (table, key columns, updatable columns)
_UPDATE = {
    "transactions": (t.transactions, (t.transactions.c.id,),
                     ("last_meter_wh", "power_w", "soc", "updated_at", "seq_no", "offline")),
    "charge_points": (t.charge_points, (t.charge_points.c.id,),
                      ("last_seen", "status", "error_code", "online", "protocol", "vendor", "model", "serial_number",
                       "firmware_version", "last_boot_at")),
    "connectors": (t.connectors, (t.connectors.c.charge_point_id, t.connectors.c.evse_id, t.connectors.c.connector_id),
                   ("status", "error_code", "info", "vendor_error_code", "status_at")),
}


class BatchWriter:
    def __init__(self, engine: AsyncEngine, interval: float = 0.2, max_rows: int = 5000, chunk: int = 1000):
        self.engine = engine
        self.interval = interval
        self.max_rows = max_rows
        self.chunk = chunk
        self._inserts: dict[str, list[dict]] = {name: [] for name in _INSERT}
        self._updates: dict[str, dict[Any, dict]] = {name: {} for name in _UPDATE}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._raw = {name: _RawInsert(table, engine.dialect) for name, table in _INSERT.items()}
        # SQLite on a file: commits go through the writer's own connection, one thread hop each
        path = file_of(engine)
        self._sqlite = SqliteWriter(path) if path is not None else None
        self._raw_updates = _RawUpdates(engine.dialect)
        self.rows_written = 0
        self.rows_dropped = 0
        self.failures = 0
        self._since: float | None = None     # monotonic time the oldest queued row was queued
        self._waiting: list[asyncio.Future] = []   # durable() callers: released by the commit of their rows

    def insert(self, table: str, row: dict) -> None:
        if self._since is None:
            self._since = time.monotonic()
        buf = self._inserts[table]
        buf.append(row)
        if len(buf) >= self.max_rows:
            self._wake.set()

    def update_latest(self, table: str, key: Any, row: dict) -> None:
        if self._since is None:
            self._since = time.monotonic()
        pending = self._updates[table]
        if key in pending:
            pending[key].update(row)
        else:
            pending[key] = dict(row)

    def durable(self) -> asyncio.Future:
        """Resolves once everything queued so far is committed (the writer is woken at once)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._wake.set()
        return waiter

    def take_latest(self, table: str, key: Any) -> dict | None:
        """Take a queued update out of the queue (its owner is about to write the row itself)."""
        return self._updates[table].pop(key, None)

    def pending(self) -> int:
        return sum(map(len, self._inserts.values())) + sum(map(len, self._updates.values()))

    def lag(self) -> float:
        """Seconds the oldest queued row has waited (0 when nothing waits): the write-behind delay."""
        return 0.0 if self._since is None or not self.pending() else time.monotonic() - self._since

    async def flush(self) -> None:
        async with self._lock:
            inserts = {k: v for k, v in self._inserts.items() if v}
            updates = {k: v for k, v in self._updates.items() if v}
            waiting, self._waiting = self._waiting, []
            if not inserts and not updates:
                _release(waiting)
                return
            self._inserts = {name: [] for name in _INSERT}
            self._updates = {name: {} for name in _UPDATE}
            since, self._since = self._since, None
            try:
                await self._commit(inserts, updates)
            except (OperationalError, InterfaceError, *AWAY) as exc:   # the database is away or busy: keep the rows
                self.failures += 1
                self._since = since
                log.error("batch write failed (%s); %d rows kept for the next attempt", type(exc).__name__,
                          sum(map(len, inserts.values())) + sum(map(len, updates.values())))
                for name, rows in inserts.items():
                    self._inserts[name][:0] = rows
                for name, by_key in updates.items():
                    for key, row in by_key.items():
                        self._updates[name][key] = {**row, **self._updates[name].get(key, {})}
                _fail(waiting, NotCommitted(f"commit failed: {type(exc).__name__}"))   # not answered: resent
                raise
            except Exception:   # a row the database refuses must not hold the others back: one by one
                self.failures += 1
                log.exception("batch write refused; writing its %d rows one by one",
                              sum(map(len, inserts.values())) + sum(map(len, updates.values())))
                dropped = await self._write_each(inserts, updates)
                if dropped & _DURABLE:     # what some waiter acknowledges may be lost: none is answered
                    _fail(waiting, NotCommitted(f"the database refused rows of {', '.join(sorted(dropped))}"))
                else:
                    _release(waiting)
                return
            self.rows_written += sum(map(len, inserts.values())) + sum(map(len, updates.values()))
            _release(waiting)

    async def _commit(self, inserts: dict[str, list[dict]], updates: dict[str, dict]) -> None:
        """Write the rows in one transaction, committed when this returns."""
        if self._sqlite is not None:
            await self._sqlite.commit(self._write_sqlite, inserts, updates)
            return
        async with self.engine.begin() as conn:
            await self.write(conn, inserts, updates)

    def _write_sqlite(self, db, inserts: dict[str, list[dict]], updates: dict[str, dict]) -> None:
        """``write`` on the SQLite writer's thread (csms/db/sqlite_writer.py)."""
        for name, rows in inserts.items():
            raw = self._raw[name]
            for part in chunks(rows, self.chunk):
                db.executemany(raw.sql, raw.params(part))
        for name, by_key in updates.items():
            for sql, params in self._raw_updates.statements(name, by_key):
                for part in chunks(params, self.chunk):
                    db.executemany(sql, part)

    async def write(self, conn, inserts: dict[str, list[dict]], updates: dict[str, dict]) -> None:
        """Write these rows (``inserts``: table -> rows; ``updates``: table -> key -> columns, the
        shapes ``insert`` and ``update_latest`` queue) on ``conn``, in the caller's transaction: the
        queue's flush on a server database, and the RabbitMQ ingest worker's batch together with its
        inbox rows."""
        for name, rows in inserts.items():
            raw = self._raw[name]
            for part in chunks(rows, self.chunk):
                await conn.exec_driver_sql(raw.sql, raw.params(part))
        for name, by_key in updates.items():
            table, key_cols, _ = _UPDATE[name]
            for names, group in _update_groups(name, by_key).items():
                params = [{**{f"k_{i}": k for i, k in enumerate(keys)}, **{f"b_{c}": row[c] for c in names}}
                          for keys, row in group]
                stmt = (update(table).where(*(col == bindparam(f"k_{i}") for i, col in enumerate(key_cols)))
                        .values({c: bindparam(f"b_{c}") for c in names}))
                for part in chunks(params, self.chunk):
                    await conn.execute(stmt, part)

    async def _write_each(self, inserts: dict[str, list[dict]], updates: dict[str, dict]) -> set[str]:
        """Write row by row; returns the tables of the rows the database refused (dropped)."""
        items = [({name: [row]}, {}) for name, rows in inserts.items() for row in rows]
        items += [({}, {name: {key: row}}) for name, by_key in updates.items() for key, row in by_key.items()]
        dropped: set[str] = set()
        for ins, upd in items:
            try:
                await self._commit(ins, upd)
                self.rows_written += 1
            except Exception as exc:
                self.rows_dropped += 1
                dropped.update(ins or upd)
                log.error("dropped a row the database refuses (%s): %r", exc.__class__.__name__, ins or upd)
        return dropped

    async def _run(self) -> None:
        while True:
            if not self._waiting:       # write-behind rows wait for the interval; a durable() wakes at once
                try:
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                except asyncio.TimeoutError:
                    pass
            self._wake.clear()
            try:
                await self.flush()      # what arrived meanwhile goes in the next commit, right after this
            except Exception:
                await asyncio.sleep(min(1.0, self.interval * 10))   # the database is away: retry soon, not in a loop

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="batch-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.error("final flush failed; %d rows lost", self.pending())
        waiting, self._waiting = self._waiting, []    # never answered: the charge point sends them again
        _fail(waiting, NotCommitted("the writer stopped"))
        if self._sqlite is not None:      # a later flush (none is expected) takes the engine's path
            sqlite, self._sqlite = self._sqlite, None
            await sqlite.close()


def _release(waiting: list[asyncio.Future]) -> None:
    for waiter in waiting:
        if not waiter.done():
            waiter.set_result(None)


def _fail(waiting: list[asyncio.Future], exc: Exception) -> None:
    for waiter in waiting:
        if not waiter.done():
            waiter.set_exception(exc)
