"""The SQLite driver with one thread hop per statement (csms/db/sqlite_async.py), on a real file."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from csms.db import sqlite_async
from csms.db.session import make_engine
from csms.settings import DatabaseSettings

meta = MetaData()
things = Table("things", meta, Column("id", Integer, primary_key=True), Column("name", String(20), unique=True))


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"))
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def counted(monkeypatch):
    """The calls handed to the connection's thread, by name."""
    calls = []
    original = sqlite_async.ThreadedConnection.call

    def counting(self, fn, *args):
        calls.append(fn.__name__)
        return original(self, fn, *args)
    monkeypatch.setattr(sqlite_async.ThreadedConnection, "call", counting)
    return calls


async def test_a_file_url_uses_the_threaded_driver_and_memory_keeps_aiosqlite(engine, tmp_path):
    assert engine.dialect.driver == sqlite_async.DRIVER
    assert engine.url.database == str(tmp_path / "a.db")
    memory = make_engine(DatabaseSettings(url="sqlite+aiosqlite://"))
    assert memory.dialect.driver == "aiosqlite"
    await memory.dispose()


async def test_rows_rowcount_and_keys(engine):
    async with engine.begin() as conn:
        key = (await conn.execute(insert(things).values(name="a"))).inserted_primary_key[0]
        await conn.execute(insert(things), [{"name": "b"}, {"name": "c"}])
        changed = (await conn.execute(things.update().where(things.c.name != "a").values(name=things.c.name + "x")))
    assert key == 1 and changed.rowcount == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(things).order_by(things.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "bx"), (3, "cx")]
        assert (await conn.execute(select(func.count()).select_from(things))).scalar_one() == 3
        assert (await conn.execute(select(things).where(things.c.id == 99))).first() is None


async def test_a_read_only_checkout_costs_one_hop_and_a_write_two(engine, counted):
    async with engine.connect() as conn:
        await conn.execute(select(things))
    assert counted == ["_run"]                      # no rollback: nothing was open
    counted.clear()
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(name="z"))
    assert counted == ["_run", "_end"]               # the statement, then the commit


async def test_an_error_rolls_back_everything_and_maps_to_sqlalchemy(engine):
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="dup"))
            await conn.execute(insert(things).values(name="dup"))
    with pytest.raises(OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT nope FROM nowhere"))
    async with engine.connect() as conn:            # the connection lives on, and nothing was half-written
        assert (await conn.execute(select(func.count()).select_from(things))).scalar_one() == 0


async def test_committed_rows_are_in_the_file_for_another_connection(engine, tmp_path):
    async with AsyncSession(engine) as session, session.begin():   # the ORM session path works too
        await session.execute(insert(things).values(name="seen"))
    other = sqlite3.connect(tmp_path / "a.db")
    try:
        assert other.execute("SELECT name FROM things").fetchall() == [("seen",)]
    finally:
        other.close()


async def test_a_cancelled_statement_leaves_no_transaction_open(engine, tmp_path):
    """A task cancelled while its INSERT runs on the thread: the rollback is queued behind the statement
    (the connection's 'in transaction' cannot be read while the statement runs), so the next user of the
    pooled connection does not inherit the open transaction and its write lock."""
    async def slow_insert():
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO things (name) SELECT 'slow' FROM "
                                    "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300000) "
                                    "SELECT max(i) FROM n)"))
            await asyncio.sleep(10)
    task = asyncio.create_task(slow_insert())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(things))).scalar_one() == 0
    other = sqlite3.connect(tmp_path / "a.db", timeout=0.5)          # the write lock is free
    try:
        other.execute("INSERT INTO things (name) VALUES ('other')")
        other.commit()
    finally:
        other.close()


async def test_the_thread_ends_with_the_engine(tmp_path):
    import threading
    engine = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"))
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert any(t.name == "sqlite-conn" for t in threading.enumerate())
    await engine.dispose()
    for _ in range(100):
        if not any(t.name == "sqlite-conn" and t.is_alive() for t in threading.enumerate()):
            break
        await asyncio.sleep(0.01)
    assert not any(t.name == "sqlite-conn" and t.is_alive() for t in threading.enumerate())


async def test_a_file_that_cannot_be_opened_fails_without_a_thread_left(tmp_path):
    import threading
    before = sum(t.name == "sqlite-conn" for t in threading.enumerate())
    engine = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"))
    (tmp_path / "c.db").mkdir()                      # a directory where the file should be
    with pytest.raises(OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    await engine.dispose()
    await asyncio.sleep(0.05)
    assert sum(t.name == "sqlite-conn" and t.is_alive() for t in threading.enumerate()) == before
