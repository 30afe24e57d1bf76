"""Driver sessions over real sockets, both OCPP versions: wallet sessions stopped by the driver, by
the funds and by the stop-at limits; every refusal before an order; a remote start the charger
rejects, one that never comes (timeout) and a transaction that starts too late; scoping."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.support.driver import Driver, a_priced_station, eventually, prepay_id

VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}
COMPLETE = "TPL-COMPLETE-01"
FAST = {"meter_interval": 0.3, "time_scale": 60, "max_power_w": 60000, "ramp_s": 0.5}


@contextlib.asynccontextmanager
async def a_charger(csms, version: str, cp_id: str, station_id: int, connectors: int = 2, **kw):
    """A registered, connected simulator (closed at the end)."""
    await csms.a_charge_point(cp_id, station_id=station_id)
    cp = VERSIONS[version](url=csms.ocpp_url, cp_id=cp_id, connectors=connectors, **{**FAST, **kw})
    await cp.connect()
    try:
        yield cp
    finally:
        await cp.close()


async def a_driver(csms, name: str, topup: int = 0) -> Driver:
    driver = Driver(csms, name)
    await driver.login(nickname=name.title())
    if topup:
        await driver.topup(topup)
    return driver


async def open_orders(csms) -> list:
    return await csms.container.repos.orders.open_orders()


async def all_orders(csms) -> int:
    return (await csms.container.repos.orders.list(limit=1)).total


def ledger_consistent(ledger: list[dict], balance: int) -> None:
    assert sum(e["amount_fen"] for e in ledger) == balance
    assert ledger == [] or ledger[0]["balance_after_fen"] == balance


async def charging(driver: Driver, order_id: int) -> dict:
    async def moving():
        s = await driver.session(order_id)
        return s if s["state"] == "charging" and s["energy_wh"] > 0 else None
    return await eventually(moving, 10, f"order {order_id} charging")


# --- wallet sessions --------------------------------------------------------------------------------

@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_wallet_session_stopped_by_the_driver_is_paid_from_the_wallet(csms_with, version):
    csms = await csms_with(**{"wechat.complete_template_id": COMPLETE})
    station = await a_priced_station(csms)
    async with a_charger(csms, version, f"W-{version[-3:]}", station["id"]) as cp:
        alice = await a_driver(csms, "alice", topup=2000)
        csms.container.wechat.emulator.accept_subscribe(alice.openid, COMPLETE)
        await alice.post("/api/v1/driver/me/subscriptions", {"results": {COMPLETE: "accept"}})
        status, session = await alice.start(cp.cp_id, 1)
        assert status == 201, session
        assert (session["state"], session["pay_mode"], session["payment"]) == ("starting", "wallet", None)
        assert session["funds_fen"] == 2000
        oid = session["order_id"]
        live = await charging(alice, oid)
        assert live["step"] == "charging" and live["started_at"] is not None
        # the transaction runs under the order's own id tag
        tx = await csms.container.repos.transactions.get((await alice.order(oid))["transaction_id"])
        assert tx.id_tag == (await csms.container.repos.orders.get(oid)).id_tag

        status, stopping = await alice.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        assert status == 202 and stopping["step"] == "stopping", stopping
        order = await alice.wait_order(oid, "paid", "unpaid")
        assert order["state"] == "paid" and order["stop_reason"] == "driver", order
        assert order["energy_wh"] > 0 and order["total_fen"] > 0
        assert order["paid_fen"] == order["total_fen"] == sum(ln["amount_fen"] for ln in order["bill_lines"])
        live = await alice.session(oid)
        assert (live["state"], live["step"], live["cost_fen"]) == ("paid", "finished", order["total_fen"])

        ledger = await alice.ledger()
        charges = [e for e in ledger if e["kind"] == "charge"]
        assert [(e["amount_fen"], e["order_id"]) for e in charges] == [(-order["total_fen"], oid)]
        balance = await alice.balance()
        assert balance == 2000 - order["total_fen"]
        ledger_consistent(ledger, balance)
        # stopping again is refused; the session is over
        status, again = await alice.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        assert (status, again["error"]["code"]) == (409, "not_running")
        _, current = await alice.get("/api/v1/driver/sessions/current")
        assert current == []

        # charging complete: the subscribe message of that template went out
        async def completed():
            return [m for m in csms.container.wechat.emulator.messages
                    if m["touser"] == alice.openid and m["template_id"] == COMPLETE]
        sent = await eventually(completed, 5, "charging-complete message")
        assert len(sent) == 1 and str(oid) in str(sent[0]["data"]) and str(oid) in sent[0]["page"]


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_wallet_session_stops_at_the_balance(csms, version):
    station = await a_priced_station(csms)
    async with a_charger(csms, version, f"F-{version[-3:]}", station["id"], max_power_w=120000) as cp:
        bob = await a_driver(csms, "bob", topup=600)
        status, session = await bob.start(cp.cp_id, 2)
        assert status == 201, session
        order = await bob.wait_order(session["order_id"], "paid", "unpaid")
        assert (order["state"], order["stop_reason"]) == ("paid", "funds"), order
        assert 0 < order["total_fen"] <= 600
        balance = await bob.balance()
        assert balance == 600 - order["total_fen"]
        ledger_consistent(await bob.ledger(), balance)


@pytest.mark.parametrize("version", list(VERSIONS))
@pytest.mark.parametrize("limit, reason", [({"energy_wh": 800}, "stop_at_energy"),
                                           ({"amount_fen": 120}, "stop_at_amount")])
async def test_stop_at_limits_stop_the_session(csms, version, limit, reason):
    station = await a_priced_station(csms)
    async with a_charger(csms, version, f"L-{version[-3:]}", station["id"]) as cp:
        carol = await a_driver(csms, "carol", topup=5000)
        status, session = await carol.start(cp.cp_id, 1, stop_at=limit)
        assert status == 201 and session["stop_at"] == {"energy_wh": None, "amount_fen": None, "minutes": None,
                                                        **limit}
        order = await carol.wait_order(session["order_id"], "paid", "unpaid")
        assert (order["state"], order["stop_reason"]) == ("paid", reason), order
        if "energy_wh" in limit:
            assert order["energy_wh"] >= 800
        else:
            assert order["total_fen"] >= 120


async def test_stop_at_set_while_charging_applies_at_once(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "L-SET", station["id"]) as cp:
        dave = await a_driver(csms, "dave", topup=5000)
        _, session = await dave.start(cp.cp_id, 1)
        oid = session["order_id"]
        live = await charging(dave, oid)
        status, body = await dave.put(f"/api/v1/driver/sessions/{oid}/stop-at", {"energy_wh": 1}, signed=True)
        assert status == 200 and body["stop_at"]["energy_wh"] == 1, body
        order = await dave.wait_order(oid, "paid", "unpaid")
        assert order["stop_reason"] == "stop_at_energy" and order["energy_wh"] >= live["energy_wh"]


# --- refusals before any order ------------------------------------------------------------------------

async def test_every_refusal_before_an_order_leaves_no_order(csms_with):
    csms = await csms_with(**{"driver.start_rate": "30/60"})
    station = await a_priced_station(csms)
    bare = await csms.a_station(name="No tariff")
    eve = await a_driver(csms, "eve", topup=1000)
    poor = await a_driver(csms, "poor", topup=100)
    await csms.a_charge_point("R-OFF", station_id=station["id"])      # never connected
    async with a_charger(csms, "ocpp1.6", "R-GONE", station["id"]):    # was online, now gone
        pass
    await eventually(lambda: _offline(csms, "R-GONE"), 5, "R-GONE offline")
    async with a_charger(csms, "ocpp1.6", "R-ON", station["id"], connectors=3) as cp, \
            a_charger(csms, "ocpp2.0.1", "R-FREE", bare["id"]) as free_cp:
        await cp.fault(2)
        other = await csms.an_id_tag()
        await cp.start_session(3, other)        # somebody charging with a card
        container = csms.container

        async def stored(cp_id, n, status):
            await container.batch.flush()
            return any(c.connector_id == n and c.status == status for c in await container.repos.connectors.list_for(cp_id))
        await eventually(lambda: stored("R-ON", 2, "Faulted"), 5, "faulted stored")
        await eventually(lambda: stored("R-ON", 3, "Charging"), 5, "charging stored")
        before = await all_orders(csms)

        cases = [
            ({"charge_point_id": "R-OFF", "connector_id": 1}, eve, 409, "offline"),
            ({"charge_point_id": "R-GONE", "connector_id": 1}, eve, 409, "offline"),
            ({"charge_point_id": "R-ON", "connector_id": 2}, eve, 409, "faulted"),
            ({"charge_point_id": "R-ON", "connector_id": 3}, eve, 409, "occupied"),
            ({"charge_point_id": "R-ON", "connector_id": 9}, eve, 404, "not_found"),
            ({"charge_point_id": "NO-SUCH-CP", "connector_id": 1}, eve, 404, "not_found"),
            ({"charge_point_id": "R-ON", "connector_id": 1}, poor, 402, "insufficient_funds"),
            ({"charge_point_id": free_cp.cp_id, "connector_id": 1}, eve, 409, "no_tariff"),
            ({"charge_point_id": "R-ON", "connector_id": 1, "pay_mode": "prepay", "prepay_fen": 50}, eve, 400,
             "validation_error"),
            ({"charge_point_id": "R-ON", "connector_id": 1, "pay_mode": "prepay", "prepay_fen": 100001}, eve, 400,
             "validation_error"),
            ({"charge_point_id": "R-ON", "connector_id": 1, "pay_mode": "prepay"}, eve, 400, "validation_error"),
        ]
        for fields, who, status, code in cases:
            body = {"pay_mode": "wallet", **fields}
            got, answer = await who.post("/api/v1/driver/sessions", body, signed=True)
            assert (got, answer["error"]["code"]) == (status, code), (fields, answer)
        assert await all_orders(csms) == before

        # one open session per driver
        status, first = await eve.start("R-ON", 1, pay_mode="prepay", prepay_fen=300)
        assert status == 201, first
        status, second = await eve.start("R-ON", 1)
        assert (status, second["error"]["code"]) == (409, "session_in_progress")
        status, other_conn = await eve.start(free_cp.cp_id, 2)
        assert (status, other_conn["error"]["code"]) == (409, "session_in_progress")
        # a connector with an order waiting for its payment is not free for someone else
        status, taken = await poor.start("R-ON", 1, pay_mode="prepay", prepay_fen=300)
        assert (status, taken["error"]["code"]) == (409, "occupied")
        assert await all_orders(csms) == before + 1


async def _offline(csms, cp_id: str) -> bool:
    return csms.container.gateway.protocol_of(cp_id) is None


async def test_a_double_tap_and_two_drivers_at_once_make_one_order_each(csms_with):
    csms = await csms_with(**{"driver.start_rate": "30/60"})
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "TAP", station["id"]) as cp:
        ann, ben, cat = [await a_driver(csms, name, topup=1000) for name in ("ann", "ben", "cat")]
        taps = await asyncio.gather(ann.start(cp.cp_id, 1), ann.start(cp.cp_id, 2))
        assert sorted(status for status, _ in taps) == [201, 409], taps
        assert [b["error"]["code"] for status, b in taps if status == 409] == ["session_in_progress"]
        free = 2 if taps[0][0] == 201 else 1
        race = await asyncio.gather(ben.start(cp.cp_id, free), cat.start(cp.cp_id, free))
        assert sorted(status for status, _ in race) == [201, 409], race
        assert [b["error"]["code"] for status, b in race if status == 409] == ["occupied"]
        assert sorted(o.connector_id for o in await open_orders(csms)) == [1, 2]


async def test_starts_over_the_rate_limit_get_429(csms_with):
    csms = await csms_with(**{"driver.start_rate": "2/60"})
    station = await a_priced_station(csms)
    await csms.a_charge_point("RL-1", station_id=station["id"])
    frank = await a_driver(csms, "frank")
    statuses = []
    for _ in range(3):
        status, body = await frank.start("RL-1", 1)
        statuses.append((status, body["error"]["code"]))
    assert statuses == [(409, "offline"), (409, "offline"), (429, "rate_limited")]
    assert await all_orders(csms) == 0


# --- starts that fail ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_remote_start_the_charger_rejects_cancels_the_order_and_refunds_the_prepayment(csms, version):
    station = await a_priced_station(csms)
    async with a_charger(csms, version, f"REJ-{version[-3:]}", station["id"]) as cp:
        async def reject(payload):
            return {"status": "Rejected"}
        setattr(cp, "on_RemoteStartTransaction" if version == "ocpp1.6" else "on_RequestStartTransaction", reject)
        gina = await a_driver(csms, "gina")
        status, session = await gina.start(cp.cp_id, 1, pay_mode="prepay", prepay_fen=300)
        assert status == 201, session
        emulator = csms.container.wechat.emulator
        emulator.pay(prepay_id(session["payment"]["pay_params"]), "SUCCESS")
        oid = session["order_id"]
        order = await gina.wait_order(oid, "cancelled")
        live = await gina.session(oid)
        assert (live["step"], live["reason"]) == ("failed", "rejected")

        async def refunded():
            _, p = await gina.get(f"/api/v1/driver/payments/{session['payment']['id']}")
            return p if p["state"] == "refunded" else None
        payment = await eventually(refunded, 10, "full refund")
        assert payment["refunded_fen"] == 300
        # the order follows its payment's refund (a subscriber of the refund's success event)
        async def order_refunded():
            o = await gina.order(oid)
            return o if o["refunded_fen"] else None
        order = await eventually(order_refunded, 10, "the order showing the refund")
        assert (order["refunded_fen"], order["total_fen"], order["paid_fen"]) == (300, 0, 0)
        assert any(n.event_type == "REFUND.SUCCESS" for n in emulator.notifications)
        assert await gina.ledger() == []
        # the id tag of the failed session no longer starts anything
        tag = await csms.container.repos.id_tags.get((await csms.container.repos.orders.get(oid)).id_tag)
        assert tag.status != "Accepted"


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_a_start_that_never_comes_times_out_and_a_late_transaction_is_stopped(csms_with, version):
    csms = await csms_with(**{"driver.start_timeout": "1"})
    station = await a_priced_station(csms)
    async with a_charger(csms, version, f"TO-{version[-3:]}", station["id"], auto_plug=False) as cp:
        hana = await a_driver(csms, "hana", topup=1000)
        status, session = await hana.start(cp.cp_id, 1)
        assert status == 201, session
        oid = session["order_id"]

        async def plug_in_step():
            s = await hana.session(oid)
            return s if s["step"] == "plug_in" else None
        await eventually(plug_in_step, 5, "plug_in step")     # accepted: waiting for the cable
        await asyncio.sleep(1.1)
        await csms.container.charging.stop.tick()
        order = await hana.wait_order(oid, "cancelled", timeout=2)
        live = await hana.session(oid)
        assert (live["step"], live["reason"]) == ("failed", "timeout")
        assert order["total_fen"] == 0 and await hana.balance() == 1000

        # the driver plugs in after all and the charger starts charging although told the tag is no
        # longer valid (it keeps going on an invalid id): the CSMS stops it
        cp.config.set("StopTransactionOnInvalidId" if version == "ocpp1.6" else "TxCtrlr.StopTxOnInvalidId", False)
        await cp.plug_in(1)
        stop = {"ocpp1.6": "RemoteStopTransaction", "ocpp2.0.1": "RequestStopTransaction"}[version]
        await cp.wait_for(lambda c: any(action == stop for action, _ in c.received), timeout=10)
        await cp.wait_for(lambda c: c.connectors[1].last_transaction is not None
                          and c.connectors[1].transaction is None, timeout=10)
        await csms.container.bus.drain()
        await csms.container.background.drain()
        order = await hana.order(oid)
        assert (order["state"], order["total_fen"], order["transaction_id"]) == ("cancelled", 0, None)
        assert await hana.balance() == 1000 and await hana.ledger() != []
        assert [e["kind"] for e in await hana.ledger()] == ["topup"]


# --- scoping ------------------------------------------------------------------------------------------

async def test_a_driver_cannot_see_or_stop_another_drivers_session(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "SCOPE", station["id"]) as cp:
        ivan = await a_driver(csms, "ivan", topup=1000)
        judy = await a_driver(csms, "judy")
        _, session = await ivan.start(cp.cp_id, 1)
        oid = session["order_id"]
        await charging(ivan, oid)
        for method, path, body, signed in (
                ("GET", f"/api/v1/driver/sessions/{oid}", None, False),
                ("GET", f"/api/v1/driver/orders/{oid}", None, False),
                ("POST", f"/api/v1/driver/sessions/{oid}/stop", {}, True),
                ("PUT", f"/api/v1/driver/sessions/{oid}/stop-at", {"energy_wh": 1}, True),
                ("POST", f"/api/v1/driver/orders/{oid}/pay", {}, True),
                ("POST", f"/api/v1/driver/orders/{oid}/rating", {"station_stars": 5, "experience_stars": 5}, False)):
            status, answer = await judy.request(method, path, body, signed=signed)
            assert (status, answer["error"]["code"]) == (404, "not_found"), (path, answer)
        _, current = await judy.get("/api/v1/driver/sessions/current")
        assert current == []
        _, theirs = await judy.get("/api/v1/driver/orders")
        assert theirs == []
        assert (await ivan.session(oid))["state"] == "charging"     # untouched
        await ivan.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        await ivan.wait_order(oid, "paid")
