"""Driver reservations over real sockets, both OCPP versions: ReserveNow accepted by the simulator,
the connector held for its driver (another driver's start is refused, the holder's start runs under
the reservation's id tag and uses it), a cancel, and a reservation fee taken from the wallet once."""

from __future__ import annotations

import pytest

from tests.e2e.test_driver_sessions import (
    VERSIONS,
    a_charger,
    a_driver,
    charging,
    ledger_consistent,
)
from tests.support.driver import eventually

FEE = 100


@pytest.fixture
async def server(csms_with):
    return await csms_with(**{"driver.reservation_fee_fen": str(FEE), "driver.start_rate": "30/60"})


async def reservation(driver, rid: int) -> dict:
    status, mine = await driver.get("/api/v1/driver/reservations")
    assert status == 200, mine
    return next(r for r in mine if r["id"] == rid)


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_reserved_connector_starts_only_for_its_holder_under_the_reservation(server, version):
    csms = server
    station = await a_priced_station_for(csms)
    async with a_charger(csms, version, f"RSV-{version[-3:]}", station["id"]) as cp:
        uma = await a_driver(csms, "uma", topup=1000)
        vic = await a_driver(csms, "vic", topup=1000)
        status, r = await uma.post("/api/v1/driver/reservations", {"charge_point_id": cp.cp_id, "connector_id": 1},
                                   signed=True)
        assert status == 201, r
        assert (r["state"], r["fee_fen"], r["connector_id"]) == ("active", FEE, 1)
        await cp.wait_for(lambda c: c.connectors[1].reservation is not None, timeout=5)
        assert cp.connectors[1].reservation["id"] == r["id"]
        stored = await csms.container.repos.reservations.get(r["id"])

        status, again = await uma.post("/api/v1/driver/reservations", {"charge_point_id": cp.cp_id, "connector_id": 1},
                                       signed=True)
        assert (status, again["error"]["code"]) == (409, "already_reserved")
        # the scan shows it reserved to others and free to its holder
        qr = f"{csms.container.settings.driver.qr_base_url}/{cp.cp_id}/1"
        _, theirs = await vic.get(f"/api/v1/driver/scan?qr={qr}")
        _, ours = await uma.get(f"/api/v1/driver/scan?qr={qr}")
        assert (theirs["can_start"], theirs["reason"], ours["can_start"]) == (False, "reserved", True)
        status, refused = await vic.start(cp.cp_id, 1)
        assert (status, refused["error"]["code"]) == (409, "reserved")
        status, other = await vic.delete(f"/api/v1/driver/reservations/{r['id']}", signed=True)
        assert (status, other["error"]["code"]) == (404, "not_found")

        status, session = await uma.start(cp.cp_id, 1)
        assert status == 201, session
        oid = session["order_id"]
        await charging(uma, oid)
        order = await csms.container.repos.orders.get(oid)
        tx = await csms.container.repos.transactions.get(order.transaction_id)
        assert tx.id_tag == order.id_tag == stored.id_tag

        async def used():
            got = await reservation(uma, r["id"])
            return got if got["state"] == "used" else None
        await eventually(used, 5, "reservation used")
        await uma.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        done = await uma.wait_order(oid, "paid", "unpaid")
        assert done["state"] == "paid"

        fees = [e for e in await uma.ledger() if e["kind"] == "charge" and e["order_id"] is None]
        assert [e["amount_fen"] for e in fees] == [-FEE]
        balance = await uma.balance()
        assert balance == 1000 - FEE - done["total_fen"]
        ledger_consistent(await uma.ledger(), balance)
        assert await vic.balance() == 1000


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_cancelled_reservation_frees_the_connector(server, version):
    csms = server
    station = await a_priced_station_for(csms)
    async with a_charger(csms, version, f"RSC-{version[-3:]}", station["id"]) as cp:
        wes = await a_driver(csms, "wes", topup=1000)
        xia = await a_driver(csms, "xia", topup=1000)
        _, r = await wes.post("/api/v1/driver/reservations", {"charge_point_id": cp.cp_id, "connector_id": 2},
                              signed=True)
        await cp.wait_for(lambda c: c.connectors[2].reservation is not None, timeout=5)
        status, cancelled = await wes.delete(f"/api/v1/driver/reservations/{r['id']}", signed=True)
        assert (status, cancelled["state"]) == (200, "cancelled"), cancelled
        await cp.wait_for(lambda c: c.connectors[2].reservation is None, timeout=5)
        qr = f"{csms.container.settings.driver.qr_base_url}/{cp.cp_id}/2"

        async def free_again():
            _, scan = await xia.get(f"/api/v1/driver/scan?qr={qr}")
            return scan["can_start"]
        await eventually(free_again, 5, "connector free after the cancel")
        status, twice = await wes.delete(f"/api/v1/driver/reservations/{r['id']}", signed=True)
        assert (status, twice["error"]["code"]) == (409, "not_cancellable")
        # its tag no longer starts anything; the connector is anyone's again
        tag = await csms.container.repos.id_tags.get((await csms.container.repos.reservations.get(r["id"])).id_tag)
        assert tag.status != "Accepted"
        status, session = await xia.start(cp.cp_id, 2)
        assert status == 201, session
        await charging(xia, session["order_id"])
        # the fee was taken once, when the charger accepted; the cancel does not give it back
        assert [e["amount_fen"] for e in await wes.ledger() if e["kind"] == "charge"] == [-FEE]


async def test_a_reservation_needs_the_fee_in_the_wallet(server):
    csms = server
    station = await a_priced_station_for(csms)
    async with a_charger(csms, "ocpp1.6", "RS-POOR", station["id"]) as cp:
        yan = await a_driver(csms, "yan")
        status, body = await yan.post("/api/v1/driver/reservations", {"charge_point_id": cp.cp_id, "connector_id": 1},
                                      signed=True)
        assert (status, body["error"]["code"]) == (402, "insufficient_funds")
        assert cp.connectors[1].reservation is None
        status, body = await yan.post("/api/v1/driver/reservations", {"charge_point_id": cp.cp_id, "connector_id": 7},
                                      signed=True)
        assert status == 404


async def a_priced_station_for(csms) -> dict:
    from tests.support.driver import a_priced_station
    return await a_priced_station(csms)
