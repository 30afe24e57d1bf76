"""Group commit: ``durable()`` resolves only once the rows queued before it are committed; the writer
commits as soon as its previous commit ends (no flush interval in the way), many waiters share one
commit, and a failed commit fails its waiters (never released as if safe). Meter values are stored once, however
often a charger replays them. On SQLite and MariaDB (the ``engine`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from csms.db import tables as t
from csms.db.batch import BatchWriter, NotCommitted
from csms.domain.models import MeterSample, SampledValue
from csms.services.transactions import rows

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def meter_rows(i: int, cp_id: str = "CP1") -> list[dict]:
    sample = MeterSample(T0 + timedelta(seconds=i), (SampledValue(value=str(1000 + i)),))
    return rows(cp_id, 1, 1, None, [sample])


async def stored(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(t.meter_values))).scalar_one()


async def test_durable_resolves_once_the_rows_are_committed_without_waiting_for_the_interval(engine):
    writer = BatchWriter(engine, interval=3600)        # the interval never fires in this test
    writer.start()
    try:
        for row in meter_rows(1):
            writer.insert("meter_values", row)
        await asyncio.wait_for(writer.durable(), 5)
        assert await stored(engine) == 1              # visible to another connection: committed
    finally:
        await writer.stop()


async def test_many_waiters_share_few_commits(engine, monkeypatch):
    writer = BatchWriter(engine, interval=3600)
    commits = []
    write = writer._commit

    async def counted(inserts, updates):
        commits.append(sum(map(len, inserts.values())))
        await asyncio.sleep(0.02)                      # a commit that takes a while: others queue up
        await write(inserts, updates)
    monkeypatch.setattr(writer, "_commit", counted)
    writer.start()
    try:
        async def message(i: int) -> None:
            for row in meter_rows(i):
                writer.insert("meter_values", row)
            await writer.durable()

        await asyncio.wait_for(asyncio.gather(*(message(i) for i in range(200))), 10)

        assert await stored(engine) == 200
        assert sum(commits) == 200 and len(commits) < 20        # grouped, not one commit per message
    finally:
        await writer.stop()


async def test_a_failed_commit_fails_its_waiters_at_once_and_keeps_the_rows(engine, monkeypatch):
    writer = BatchWriter(engine, interval=0.01)
    away = True
    write = writer._commit

    async def flaky(inserts, updates):
        if away:
            raise OperationalError("INSERT", {}, Exception("server has gone away"))
        await write(inserts, updates)
    monkeypatch.setattr(writer, "_commit", flaky)
    writer.start()
    try:
        for row in meter_rows(7):
            writer.insert("meter_values", row)
        with pytest.raises(NotCommitted):          # never released as if safe: the message is not answered
            await asyncio.wait_for(writer.durable(), 5)
        assert writer.failures >= 1 and await stored(engine) == 0

        away = False                                # the database is back: the kept rows go in with the retry
        for row in meter_rows(7):                   # and the charger's resend of the same sample
            writer.insert("meter_values", row)
        await asyncio.wait_for(writer.durable(), 5)
        assert await stored(engine) == 1
    finally:
        await writer.stop()


async def test_a_meter_value_the_database_refuses_fails_its_waiters(engine, monkeypatch):
    writer = BatchWriter(engine, interval=3600)
    write = writer._commit
    monkeypatch.setattr(writer, "_commit", _refuses("meter_values", write))
    writer.start()
    try:
        for row in meter_rows(8):
            writer.insert("meter_values", row)
        writer.insert("ocpp_messages", message_row())
        with pytest.raises(NotCommitted):
            await asyncio.wait_for(writer.durable(), 5)
        assert writer.rows_dropped == 1 and writer.rows_written == 1    # the message log row went in

        writer.insert("ocpp_messages", message_row())       # a refused write-behind row holds nobody back
        monkeypatch.setattr(writer, "_commit", _refuses("ocpp_messages", write))
        await asyncio.wait_for(writer.durable(), 5)
        assert writer.rows_dropped == 2
    finally:
        await writer.stop()


def _refuses(table: str, write):
    async def refuse(inserts, updates):
        if table in inserts:
            raise ValueError("refused")
        await write(inserts, updates)
    return refuse


def message_row() -> dict:
    return {"charge_point_id": "CP1", "direction": "in", "message_type": 2, "unique_id": "u1",
            "action": "Heartbeat", "payload": "[2,\"u1\",\"Heartbeat\",{}]", "at": T0}


async def test_a_replayed_sample_is_stored_once(engine):
    writer = BatchWriter(engine)
    for _ in range(3):                                # sent, committed, replayed twice after a crash
        for row in meter_rows(5) + meter_rows(6):
            writer.insert("meter_values", row)
        await writer.flush()
    for row in meter_rows(5, cp_id="CP2"):            # the same sample of another charge point is its own
        writer.insert("meter_values", row)
    await writer.flush()

    assert await stored(engine) == 3 and writer.rows_dropped == 0
