"""The batch writer on a SQLite file commits through its own connection on its own thread
(csms/db/sqlite_writer.py): what it writes reads back through SQLAlchemy exactly as SQLAlchemy would
have written it, and it waits for the engine's connection while that one holds the write lock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from csms.db import tables as t
from csms.db.batch import BatchWriter
from csms.db.session import make_engine, upgrade
from csms.db.sqlite_writer import file_of
from csms.settings import DatabaseSettings

T0 = datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)


async def sqlite_engine(tmp_path):
    engine = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(t.charge_points).values(id="CP1", created_at=T0, updated_at=T0))
    return engine


async def test_updates_read_back_as_sqlalchemy_writes_them(tmp_path):
    engine = await sqlite_engine(tmp_path)
    writer = BatchWriter(engine)
    try:
        assert writer._sqlite is not None                 # the file's own writer, not the engine's connection
        seen = T0 + timedelta(minutes=5)
        writer.update_latest("charge_points", "CP1", {"last_seen": seen, "online": True, "status": "Available",
                                                      "not_a_column": 1})
        await writer.flush()
        async with engine.connect() as conn:
            row = (await conn.execute(select(t.charge_points).where(t.charge_points.c.id == "CP1"))).one()
        assert (row.last_seen, row.online, row.status) == (seen, True, "Available")
        assert row.last_seen.tzinfo is not None and writer.rows_written == 1
    finally:
        await writer.stop()
        await engine.dispose()


async def test_a_commit_waits_while_the_engine_holds_the_write_lock(tmp_path):
    engine = await sqlite_engine(tmp_path)
    writer = BatchWriter(engine)
    try:
        async with engine.begin() as conn:               # a transaction's start written by its service
            await conn.execute(t.charge_points.update().values(status="Charging"))
            writer.update_latest("charge_points", "CP1", {"status": "Finishing"})
            flushing = asyncio.create_task(writer.flush())
            await asyncio.sleep(0.3)
            assert not flushing.done()                    # waiting for the lock, not failed
        await asyncio.wait_for(flushing, 5)
        async with engine.connect() as conn:
            status = (await conn.execute(select(t.charge_points.c.status))).scalar_one()
        assert status == "Finishing" and writer.failures == 0
    finally:
        await writer.stop()
        await engine.dispose()


def test_only_a_sqlite_file_gets_its_own_writer(tmp_path):
    from sqlalchemy.ext.asyncio import create_async_engine
    assert file_of(create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")) == tmp_path / "x.db"
    assert file_of(create_async_engine("sqlite+aiosqlite://")) is None
    assert file_of(create_async_engine("sqlite+aiosqlite:///:memory:")) is None
    assert file_of(create_async_engine("mysql+aiomysql://root@127.0.0.1/test")) is None
