"""The batch writer when the database refuses a row, or is away."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from csms.db import tables as t
from csms.db.batch import BatchWriter

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def a_frame(i: int, **overrides) -> dict:
    return {"charge_point_id": "CP1", "direction": "in", "message_type": 2, "unique_id": str(i),
            "action": "Heartbeat", "payload": "[2,\"%d\",\"Heartbeat\",{}]" % i,
            "at": T0 + timedelta(seconds=i), **overrides}


async def count(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(t.ocpp_messages))).scalar_one()


async def test_a_row_the_database_refuses_is_dropped_and_the_others_are_written(engine):
    writer = BatchWriter(engine)
    for i in range(5):
        writer.insert("ocpp_messages", a_frame(i))
    writer.insert("ocpp_messages", a_frame(99, charge_point_id=None))   # NOT NULL column

    await writer.flush()

    assert await count(engine) == 5
    assert (writer.rows_written, writer.rows_dropped, writer.pending()) == (5, 1, 0)
    writer.insert("ocpp_messages", a_frame(100))
    await writer.flush()                       # the next flush is not held back by the bad row
    assert await count(engine) == 6


async def test_rows_are_kept_while_the_database_is_away(engine, monkeypatch):
    writer = BatchWriter(engine)
    for i in range(3):
        writer.insert("ocpp_messages", a_frame(i))
    writer.update_latest("charge_points", "CP1", {"last_seen": T0})

    async def away(*_args, **_kw):
        raise OperationalError("INSERT", {}, Exception("server has gone away"))
    monkeypatch.setattr(writer, "_commit", away)
    with pytest.raises(OperationalError):
        await writer.flush()
    assert writer.pending() == 4 and writer.failures == 1

    monkeypatch.undo()
    await writer.flush()
    assert await count(engine) == 3 and writer.pending() == 0
