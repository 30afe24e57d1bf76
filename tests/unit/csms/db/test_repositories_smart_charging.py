"""The SQL repositories of the feature on a freshly migrated database (SQLite and MariaDB)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csms.db import repositories_smart_charging as repos
from csms.db.session import make_sessionmaker
from csms.domain.firmware import REQUESTED
from csms.domain.smart_charging import ChargingReport, DisplayMessage
from csms.services.clock import SystemClock
from tests.unit.csms.services.smart_charging_builders import T0, a_profile, installed, periods

CLOCK = SystemClock()


@pytest.fixture
def db(engine):
    sf = make_sessionmaker(engine)
    return SimpleNamespace(profiles=repos.SqlChargingProfileRepository(sf, CLOCK),
                           reports=repos.SqlChargingReportRepository(sf, CLOCK),
                           messages=repos.SqlDisplayMessageRepository(sf, CLOCK),
                           firmware=repos.SqlFirmwareJobRepository(sf, CLOCK), logs=repos.SqlLogJobRepository(sf, CLOCK))


async def test_profiles_round_trip_and_stack(db):
    p = a_profile(id=1, stack_level=2, kind="Recurring", recurrency_kind="Weekly", valid_from=T0,
                  periods=periods((0, 16.5), (60, 8)))
    assert await db.profiles.put(installed(p, evse_id=1)) == []
    [stored] = await db.profiles.list("CP1")
    assert (stored.profile, stored.evse_id, stored.source) == (p, 1, "CSO")
    gone = await db.profiles.put(installed(a_profile(id=2, stack_level=2), evse_id=1))
    assert [g.profile.id for g in gone] == [1]
    await db.profiles.put(installed(a_profile(id=3, purpose="TxProfile", kind="Relative", transaction_id=7), evse_id=1))
    await db.profiles.put(installed(a_profile(id=4), evse_id=2, cp_id="CP2"))
    assert [ip.profile.id for ip in await db.profiles.list("CP1", 1)] == [2, 3]
    assert [g.profile.id for g in await db.profiles.remove("CP1", transaction_id=7)] == [3]
    assert [g.profile.id for g in await db.profiles.remove("CP1")] == [2]
    assert [ip.profile.id for ip in await db.profiles.list("CP2")] == [4]


async def test_reports_display_messages_and_jobs(db):
    limit = {"chargingLimit": {"chargingLimitSource": "SO"}}
    await db.reports.add(ChargingReport("CP1", "charging_limit", 1, limit, T0))
    await db.reports.add(ChargingReport("CP1", "ev_charging_needs", 2, {"a": 1}, T0))
    assert [(r.kind, r.evse_id, r.data) for r in await db.reports.list("CP1", "charging_limit")] == [
        ("charging_limit", 1, limit)]
    assert [r.kind for r in await db.reports.list("CP1")] == ["ev_charging_needs", "charging_limit"]

    assert await db.messages.next_id("CP1") == 1
    m = DisplayMessage(id=3, priority="InFront", format="UTF8", content="你好", language="zh", start_at=T0,
                       source="csms", updated_at=T0)
    await db.messages.put("CP1", m)
    await db.messages.put("CP1", DisplayMessage(id=3, priority="InFront", format="UTF8", content="again",
                                                updated_at=T0))
    [stored] = await db.messages.list("CP1")
    assert stored.content == "again" and await db.messages.next_id("CP1") == 4
    assert await db.messages.delete("CP1", 3) and not await db.messages.delete("CP1", 3)

    # jobs: the id is the requestId; transition is a compare-and-set
    job = await db.firmware.create(charge_point_id="CP1", kind="update", location="https://fw", status=REQUESTED,
                                   retrieve_at=T0, signature="s", signing_certificate="c")
    assert job.id >= 1 and job.signed and job.retrieve_at == T0
    assert (await db.firmware.transition(job.id, REQUESTED, status="Accepted")).status == "Accepted"
    assert await db.firmware.transition(job.id, REQUESTED, status="Rejected") is None
    other = await db.firmware.create(charge_point_id="CP1", kind="publish", location="x", status=REQUESTED,
                                     checksum="abc")
    assert [j.id for j in await db.firmware.list("CP1")] == [other.id, job.id]
    assert [j.id for j in await db.firmware.list("CP1", kind="publish", checksum="abc")] == [other.id]
    await db.firmware.delete(other.id)
    assert await db.firmware.get(other.id) is None

    log = await db.logs.create(charge_point_id="CP1", log_type="SecurityLog", location="x", status=REQUESTED)
    done = await db.logs.transition(log.id, REQUESTED, status="Accepted", file_name="f.log")
    assert (done.status, done.file_name) == ("Accepted", "f.log")
