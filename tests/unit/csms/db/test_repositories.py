"""csms/db/repositories.py and csms/db/batch.py against real databases (each test runs on SQLite and
MariaDB). The rules checked are the ones the in-memory fakes of tests/fakes.py also keep."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from csms.db import tables as t
from csms.db.batch import BatchWriter
from csms.domain.models import IdTag
from csms.domain.repositories import Conflict

T0 = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)
CST = timezone(timedelta(hours=8))


async def count(engine, table) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def a_start(db, cp_id="CP1", **overrides):
    args = dict(charge_point_id=cp_id, evse_id=1, connector_id=1, id_tag="TAG1", started_at=T0, meter_start_wh=1000,
                ocpp_tx_id=None, reservation_id=None)
    args.update(overrides)
    return await db.transactions.start(**args)


# -- stations and charge points ----------------------------------------------------------------------
async def test_stations_crud_and_paging(db):
    made = [await db.stations.create(name=f"Depot {i}", address=f"{i} Harbour Rd", lat=31.2 + i / 100, lng=121.5)
            for i in range(5)]
    await db.stations.create(name="Airport", address="Terminal 2")

    assert (await db.stations.get(made[0].id)).name == "Depot 0"
    assert made[0].created_at is not None and made[0].created_at.tzinfo is not None
    page = await db.stations.list(q="Depot", limit=2, offset=2)
    assert (page.total, [s.name for s in page.items]) == (5, ["Depot 2", "Depot 3"])
    assert (await db.stations.list(q="Terminal")).total == 1

    updated = await db.stations.update(made[1].id, name="Depot One")
    assert updated.name == "Depot One" and updated.address == "1 Harbour Rd"
    assert await db.stations.delete(made[1].id) is True
    assert await db.stations.delete(made[1].id) is False
    assert await db.stations.get(made[1].id) is None
    assert await db.stations.update(made[1].id, name="ghost") is None


async def test_charge_points_crud_filters_and_conflict(db):
    station = await db.stations.create(name="Depot", address="")
    for i in range(3):
        await db.charge_points.create(id=f"CP{i}", station_id=station.id, online=i == 0)
    await db.charge_points.create(id="LONER")

    with pytest.raises(Conflict):
        await db.charge_points.create(id="CP1")
    page = await db.charge_points.list(station_id=station.id, limit=2)
    assert (page.total, [cp.id for cp in page.items]) == (3, ["CP0", "CP1"])
    assert [cp.id for cp in (await db.charge_points.list(online=True)).items] == ["CP0"]

    cp = await db.charge_points.update("CP2", vendor="ACME", security_profile=2)
    assert (cp.vendor, cp.security_profile, cp.registration_status) == ("ACME", 2, "Accepted")
    assert await db.charge_points.mark_all_offline() == 1
    assert (await db.charge_points.list(online=True)).total == 0

    await db.charge_points.touch_many({"CP1": T0, "CP2": T0 + timedelta(seconds=1)})
    assert [(await db.charge_points.get(i)).last_seen for i in ("CP1", "CP2")] == [T0, T0 + timedelta(seconds=1)]

    assert await db.charge_points.delete("LONER") is True
    assert await db.charge_points.get("LONER") is None


async def test_all_credentials_of_charge_points_in_one_read(db):
    await db.charge_points.create(id="CP1", registration_status="Accepted", security_profile=1, password_hash="h1")
    await db.charge_points.create(id="CP2", registration_status="Pending")

    assert sorted(await db.charge_points.all_credentials()) == [("CP1", "Accepted", 1, "h1"), ("CP2", "Pending", 0, None)]


async def test_deleting_a_station_keeps_its_charge_points(db):
    station = await db.stations.create(name="Depot", address="")
    await db.charge_points.create(id="CP1", station_id=station.id)

    await db.stations.delete(station.id)

    assert (await db.charge_points.get("CP1")).station_id is None


# -- connectors --------------------------------------------------------------------------------------
async def test_connector_status_keeps_the_newest_report(db):
    await db.charge_points.create(id="CP1")
    status = dict(error_code="NoError", info=None, vendor_error_code=None)

    first = await db.connectors.set_status("CP1", 1, 1, status="Available", at=T0, **status)
    newer = await db.connectors.set_status("CP1", 1, 1, status="Charging", at=T0 + timedelta(seconds=10), **status)
    older = await db.connectors.set_status("CP1", 1, 1, status="Preparing", at=T0 + timedelta(seconds=5), **status)
    same_time = await db.connectors.set_status("CP1", 1, 1, status="SuspendedEV", at=T0 + timedelta(seconds=10),
                                               **status)
    await db.connectors.set_status("CP1", 2, 2, status="Faulted", at=T0, **{**status, "error_code": "GroundFailure"})

    assert (first, newer, older, same_time) == ((None, True), ("Available", True), ("Charging", False),
                                                ("Charging", True))
    stored = await db.connectors.get("CP1", 1, 1)
    assert (stored.status, stored.status_at) == ("SuspendedEV", T0 + timedelta(seconds=10))
    assert [(c.connector_id, c.status, c.error_code) for c in await db.connectors.list_for("CP1")] == \
        [(1, "SuspendedEV", "NoError"), (2, "Faulted", "GroundFailure")]
    assert await db.connectors.get("CP1", 3, 3) is None


# -- id tags -----------------------------------------------------------------------------------------
async def test_id_tags_put_is_an_upsert(db):
    tag = IdTag("TAG1", "Accepted", expiry_date=T0, group_id="FLEET")

    stored, created = await db.id_tags.put(tag)
    _, created_again = await db.id_tags.put(IdTag("TAG1", "Blocked"))
    await db.id_tags.put(IdTag("TAG2", "Blocked"))
    await db.id_tags.put(IdTag("TAG3"))

    assert (stored, created, created_again) == (tag, True, False)
    assert await db.id_tags.get("TAG1") == IdTag("TAG1", "Blocked")
    blocked = await db.id_tags.list(status="Blocked", limit=1)
    assert (blocked.total, [t.id_tag for t in blocked.items]) == (2, ["TAG1"])
    assert await db.id_tags.delete("TAG3") is True
    assert await db.id_tags.get("TAG3") is None


# -- transactions ------------------------------------------------------------------------------------
async def test_the_same_start_is_the_same_transaction(db, engine):
    await db.charge_points.create(id="CP1")

    tx, created = await a_start(db)
    again, created_again = await a_start(db, id_tag="OTHER")
    other, created_other = await a_start(db, meter_start_wh=1001)

    assert (created, created_again, created_other) == (True, False, True)
    assert again == tx and other.id != tx.id
    assert (tx.status, tx.last_meter_wh, tx.started_at) == ("Active", 1000, T0)
    assert await count(engine, t.transactions) == 2


async def test_a_charge_point_named_transaction_is_found_by_its_name(db, engine):
    await db.charge_points.create(id="CP1")

    tx, _ = await a_start(db, ocpp_tx_id="abc-1")
    again, created = await a_start(db, ocpp_tx_id="abc-1", started_at=T0 + timedelta(seconds=3), meter_start_wh=5)

    assert (again.id, created) == (tx.id, False)
    assert (await db.transactions.get_by_ocpp_id("CP1", "abc-1")).id == tx.id
    assert await db.transactions.get_by_ocpp_id("CP2", "abc-1") is None
    assert await count(engine, t.transactions) == 1


async def test_two_concurrent_identical_starts_make_one_transaction(db, engine):
    await db.charge_points.create(id="CP1")

    results = await asyncio.gather(*(a_start(db) for _ in range(2)))

    assert results[0][0].id == results[1][0].id
    assert sorted(created for _, created in results) == [False, True]
    assert await count(engine, t.transactions) == 1


async def test_transition_is_a_compare_and_set(db):
    await db.charge_points.create(id="CP1")
    tx, _ = await a_start(db)

    done = await db.transactions.transition(tx.id, "Active", status="Completed", meter_stop_wh=3000, energy_wh=2000,
                                            stopped_at=T0 + timedelta(hours=1))
    lost = await db.transactions.transition(tx.id, "Active", status="Abandoned")

    assert (done.status, done.energy_wh, done.stopped_at) == ("Completed", 2000, T0 + timedelta(hours=1))
    assert lost is None
    assert (await db.transactions.get(tx.id)).status == "Completed"
    assert await db.transactions.transition(tx.id + 99, "Active", status="Completed") is None


async def test_active_on_and_list_filters(db):
    for cp_id in ("CP1", "CP2"):
        await db.charge_points.create(id=cp_id)
    first, _ = await a_start(db, started_at=T0)
    second, _ = await a_start(db, connector_id=2, evse_id=2, started_at=T0 + timedelta(hours=1), id_tag="TAG2")
    theirs, _ = await a_start(db, "CP2", started_at=T0 + timedelta(hours=2))
    await db.transactions.transition(first.id, "Active", status="Completed")

    assert [tx.id for tx in await db.transactions.active_on("CP1", 2)] == [second.id]
    assert await db.transactions.active_on("CP1", 1) == []
    assert [tx.id for tx in await db.transactions.active_with_id_tag("TAG1")] == [theirs.id]   # first is over
    assert [tx.id for tx in await db.transactions.active_with_id_tag("TAG2")] == [second.id]
    assert len(await db.transactions.active_with_id_tag("TAG1", limit=0)) == 0
    newest_first = await db.transactions.list(limit=2)
    assert (newest_first.total, [tx.id for tx in newest_first.items]) == (3, [theirs.id, second.id])
    assert [tx.id for tx in (await db.transactions.list(charge_point_id="CP1", status="Active")).items] == [second.id]
    assert [tx.id for tx in (await db.transactions.list(id_tag="TAG2")).items] == [second.id]
    window = await db.transactions.list(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2))
    assert [tx.id for tx in window.items] == [second.id]


async def test_times_come_back_utc_aware_with_their_microseconds(db):
    await db.charge_points.create(id="CP1")
    local = datetime(2024, 5, 1, 16, 0, 0, 654321, tzinfo=CST)      # 08:00:00.654321 UTC

    tx, _ = await a_start(db, started_at=local)
    stored = await db.transactions.get(tx.id)
    again, created = await a_start(db, started_at=local.astimezone(timezone.utc))

    assert stored.started_at == local
    assert stored.started_at.utcoffset() == timedelta(0)
    assert stored.started_at.microsecond == 654321
    assert (again.id, created) == (tx.id, False)


async def test_a_naive_time_is_refused(db):
    await db.charge_points.create(id="CP1")

    with pytest.raises(Exception, match="naive"):
        await a_start(db, started_at=datetime(2024, 5, 1, 8, 0))


# -- batch writer, meter values, message log -------------------------------------------------------------
async def test_the_batch_writer_inserts_thousands_of_meter_values_in_one_flush(db, engine):
    await db.charge_points.create(id="CP1")
    tx, _ = await a_start(db)
    writer = BatchWriter(engine, chunk=1000)
    n = 3500
    for i in range(n):
        writer.insert("meter_values", {
            "charge_point_id": "CP1", "evse_id": 1, "connector_id": 1, "transaction_id": tx.id,
            "timestamp": T0 + timedelta(seconds=i), "measurand": "Energy.Active.Import.Register", "phase": None,
            "unit": "Wh", "context": "Sample.Periodic", "location": "Outlet", "format": None, "value": str(1000 + i),
            "value_num": float(1000 + i)})

    await writer.flush()

    assert (writer.pending(), writer.rows_written, writer.failures) == (0, n, 0)
    assert await count(engine, t.meter_values) == n
    samples = await db.meter_values.list_for_transaction(tx.id)
    assert [s["value"] for s in samples[:2]] == ["1000", "1001"] and samples[-1]["value"] == str(1000 + n - 1)
    assert samples[0]["timestamp"] == T0 and samples[0]["location"] == "Outlet"
    assert await db.meter_values.list_for_transaction(tx.id + 1) == []


async def test_update_latest_coalesces_to_one_update_per_row(db, engine):
    await db.charge_points.create(id="CP1")
    tx, _ = await a_start(db)
    writer = BatchWriter(engine)

    writer.update_latest("transactions", tx.id, {"last_meter_wh": 1500, "updated_at": T0})
    writer.update_latest("transactions", tx.id, {"power_w": 7000})
    writer.update_latest("transactions", tx.id, {"last_meter_wh": 2500, "soc": 60, "status": "Completed"})
    writer.update_latest("charge_points", "CP1", {"last_seen": T0 + timedelta(minutes=1)})
    writer.update_latest("charge_points", "CP1", {"status": "Unavailable", "error_code": "OtherError"})
    for connector_id in (1, 2):
        await db.connectors.set_status("CP1", connector_id, connector_id, status="Available", error_code="NoError",
                                       info=None, vendor_error_code=None, at=T0)
    writer.update_latest("connectors", ("CP1", 2, 2), {"status": "Preparing", "status_at": T0 + timedelta(seconds=5)})
    writer.update_latest("connectors", ("CP1", 2, 2), {"status": "Charging", "status_at": T0 + timedelta(seconds=9),
                                                       "info": "fast"})
    assert writer.pending() == 3
    await writer.flush()

    live = await db.transactions.get(tx.id)
    assert (live.last_meter_wh, live.power_w, live.soc, live.updated_at) == (2500, 7000, 60, T0)
    assert live.status == "Active"                    # only live figures are written this way
    cp = await db.charge_points.get("CP1")
    assert (cp.last_seen, cp.status, cp.error_code) == (T0 + timedelta(minutes=1), "Unavailable", "OtherError")
    assert [(c.connector_id, c.status, c.info, c.status_at) for c in await db.connectors.list_for("CP1")] == \
        [(1, "Available", None, T0), (2, "Charging", "fast", T0 + timedelta(seconds=9))]
    assert writer.rows_written == 3
    await writer.flush()                              # nothing pending: nothing written
    assert writer.rows_written == 3


async def test_message_log_lists_newest_first_and_purges_what_is_old(db, engine):
    writer = BatchWriter(engine)
    for i in range(6):
        writer.insert("ocpp_messages", {
            "charge_point_id": "CP1" if i < 5 else "CP2", "direction": "in" if i % 2 else "out", "message_type": 2,
            "unique_id": str(i), "action": "Heartbeat" if i else "Boot",
            "payload": "[]" * 40000 if i == 1 else "[]", "at": T0 + timedelta(days=i)})
    await writer.flush()

    page = await db.message_log.list("CP1", limit=2)
    assert (page.total, [m.unique_id for m in page.items]) == (5, ["4", "3"])
    assert [m.unique_id for m in (await db.message_log.list("CP1", direction="in")).items] == ["3", "1"]
    assert [m.unique_id for m in (await db.message_log.list("CP1", action="Boot")).items] == ["0"]
    assert len((await db.message_log.list("CP1", action="Heartbeat", direction="in")).items[-1].payload) == 80000

    assert await db.message_log.purge_before(T0 + timedelta(days=3)) == 3
    assert [m.unique_id for m in (await db.message_log.list("CP1")).items] == ["4", "3"]
    assert (await db.message_log.list("CP2")).total == 1


# -- operators ---------------------------------------------------------------------------------------
async def test_operators_create_count_update_and_conflict(db):
    admin = await db.operators.create("root", "hash-1", "admin")
    await db.operators.create("alice", "hash-2", "operator")

    with pytest.raises(Conflict):
        await db.operators.create("alice", "hash-3", "operator")
    assert (await db.operators.count(), await db.operators.count("admin")) == (2, 1)
    assert (await db.operators.get_by_username("root")) == admin
    assert (admin.role, admin.active) == ("admin", True)
    assert (await db.operators.update(admin.id, active=False)).active is False
    assert await db.operators.get(admin.id + 100) is None
