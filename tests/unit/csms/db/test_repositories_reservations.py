"""The SQL repositories of the reservations feature on a migrated database (SQLite and MariaDB);
the rules are the ones tests/fakes_reservations.py keeps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from csms.db import repositories as repos
from csms.db.repositories_reservations import (
    SqlLocalListRepository,
    SqlReservationRepository,
)
from csms.db.session import make_sessionmaker
from csms.domain.reservations import LocalAuthEntry
from csms.services.clock import SystemClock

CLOCK = SystemClock()
T0 = datetime(2030, 5, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)


@pytest.fixture
async def sf(engine):
    sf = make_sessionmaker(engine)
    for cp_id in ("CP1", "CP2"):
        await repos.SqlChargePointRepository(sf, CLOCK).create(id=cp_id)
    return sf


async def test_reservations_create_transition_list_and_accepted(sf):
    repo = SqlReservationRepository(sf, CLOCK)
    a = await repo.create(charge_point_id="CP1", connector_id=1, id_tag="T", expiry_date=T0)
    b = await repo.create(charge_point_id="CP2", connector_id=0, id_tag="U", expiry_date=T0 + timedelta(hours=1),
                          parent_id_tag="P", connector_type="cCCS2")
    assert (a.status, a.expiry_date, a.created_at.tzinfo is not None) == ("Requested", T0, True)
    assert await repo.transition(a.id, "Accepted", status="Used") is None          # compare-and-set
    assert (await repo.transition(a.id, "Requested", status="Accepted", ocpp_status="Accepted")).status == "Accepted"
    await repo.transition(b.id, "Requested", status="Accepted")
    assert [r.id for r in (await repo.list()).items] == [b.id, a.id]
    assert [r.id for r in (await repo.list(charge_point_id="CP1", status="Accepted")).items] == [a.id]
    assert (await repo.list(status="Used")).total == 0
    assert [r.id for r in await repo.accepted(expiring_by=T0)] == [a.id]
    assert [r.id for r in await repo.accepted(charge_point_id="CP2")] == [b.id]
    assert (await repo.get(b.id)).connector_type == "cCCS2" and await repo.get(999) is None


async def test_local_lists_replace_and_apply(sf):
    repo = SqlLocalListRepository(sf, CLOCK)
    assert (await repo.get("CP1")).version == 0 and (await repo.get("CP1")).entries == ()
    a, b = LocalAuthEntry("A", "Accepted", T0, "G"), LocalAuthEntry("B", "Blocked", token_type="eMAID")
    await repo.replace("CP1", 1, [b, a], T0)
    await repo.replace("CP1", 1, [b, a], T0)                     # the same again: no duplicate
    stored = await repo.get("CP1")
    assert (stored.version, stored.entries, stored.updated_at) == (1, (a, b), T0)
    await repo.apply("CP1", 2, [LocalAuthEntry("C", "Accepted"), a], ["B"], T0)   # an unchanged upsert too
    assert [e.id_tag for e in (await repo.get("CP1")).entries] == ["A", "C"]
    assert (await repo.get("CP1")).version == 2 and (await repo.get("CP2")).version == 0
    await repo.replace("CP1", 3, [], T0)
    assert (await repo.get("CP1")).entries == ()
