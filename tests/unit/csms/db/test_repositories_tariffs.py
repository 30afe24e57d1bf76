"""The SQL tariff repository on a migrated database (SQLite and MariaDB): the rules the in-memory one
(tests/fakes_tariffs.py) keeps, and the whole batch in one statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from csms.db import repositories as repos
from csms.db.repositories_tariffs import SqlTariffRepository
from csms.domain.repositories import Conflict
from csms.services.clock import SystemClock
from tests.unit.csms.services.billing_builders import a_version

CLOCK = SystemClock()
T0 = datetime(2030, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)


async def test_add_and_load_versions_oldest_first_with_the_station_zone(sf):
    stations = repos.SqlStationRepository(sf, CLOCK)
    a = (await stations.create(name="A", timezone="Europe/Berlin")).id
    b = (await stations.create(name="B")).id
    repo = SqlTariffRepository(sf, CLOCK)
    later = await repo.add(a_version(station_id=a, effective_from=T0 + timedelta(days=1), idle_fee_fen_per_min=7))
    first = await repo.add(a_version((("00:00", "flat"),), station_id=a, effective_from=T0))
    assert later.id is not None and later.created_at.tzinfo is not None

    loaded = await repo.load([a, b, 424242])
    assert set(loaded) == {a, b}
    assert loaded[b].timezone == "Asia/Shanghai" and loaded[b].versions == ()
    assert loaded[a].timezone == "Europe/Berlin"
    assert [v.id for v in loaded[a].versions] == [first.id, later.id]
    got = loaded[a].versions[1]
    assert (got.effective_from, got.segments, got.prices, got.idle_fee_fen_per_min, got.idle_grace_minutes) == (
        later.effective_from, later.segments, later.prices, 7, 15)


async def test_one_version_per_station_and_start(sf):
    sid = (await repos.SqlStationRepository(sf, CLOCK).create(name="A")).id
    repo = SqlTariffRepository(sf, CLOCK)
    await repo.add(a_version(station_id=sid, effective_from=T0))
    with pytest.raises(Conflict):
        await repo.add(a_version(station_id=sid, effective_from=T0))


async def test_loading_thousands_of_stations_is_one_statement(sf):
    stations = repos.SqlStationRepository(sf, CLOCK)
    ids = [(await stations.create(name=f"S{i}")).id for i in range(3)]
    repo = SqlTariffRepository(sf, CLOCK)
    for sid in ids:
        await repo.add(a_version(station_id=sid, effective_from=T0))
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(repo.engine.sync_engine, "before_cursor_execute", listener)
    try:
        loaded = await repo.load(ids + list(range(10_000, 14_000)))
    finally:
        event.remove(repo.engine.sync_engine, "before_cursor_execute", listener)
    assert set(loaded) == set(ids)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
