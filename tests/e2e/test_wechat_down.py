"""WeChat down or slow (issue 16 item 4): the WeChat emulator as its own process (`csms wechat-emulator`),
really stopped, started again and slowed, under a CSMS that is a process too (`csms serve`).

What must hold: a driver sees a clear state (a 503 naming WeChat, the payment still pending, never a
500 or a hang); payments made while the CSMS could not hear of them are credited when WeChat's
notification gets through (the emulator keeps and retries it across its own restart, as WeChat
does); nothing is credited twice."""

from __future__ import annotations

import asyncio

import pytest

from chargepoint_sim import ChargePoint16
from tests.support.driver import a_priced_station, eventually, prepay_id
from tests.support.processes import CsmsProcess, EmulatorProcess, RemoteDriver

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world(tmp_path):
    emulator = EmulatorProcess(tmp_path / "var", tmp_path / "emulator.log")
    await emulator.start()
    csms = CsmsProcess(tmp_path, emulator, CSMS_WECHAT_HTTP_TIMEOUT="1")
    try:
        await csms.start()
        yield csms, emulator
    finally:
        await csms.close()
        await emulator.terminate()


async def credited_once(driver: RemoteDriver, amounts: list[int]) -> None:
    """The wallet holds exactly these top-ups, each once."""
    ledger = await driver.ledger()
    assert sorted(e["amount_fen"] for e in ledger if e["kind"] == "topup") == sorted(amounts)
    assert await driver.balance() == sum(amounts)


async def test_a_payment_made_while_the_csms_was_down_is_credited_once_after_wechat_restarts(world):
    csms, emulator = world
    amy = RemoteDriver(csms, emulator, "amy")
    await amy.login()
    status, payment = await amy.post("/api/v1/driver/wallet/topups", {"amount_fen": 800}, signed=True)
    assert status == 201, payment
    await csms.close()                               # the CSMS is down when the driver pays ...
    await emulator.pay(prepay_id(payment["pay_params"]))
    await asyncio.sleep(0.5)                         # ... so WeChat's first attempts fail
    await emulator.terminate()                       # WeChat goes down holding the unacknowledged notification
    await csms.start()                               # the CSMS starts without WeChat

    status, body = await amy.post(f"/api/v1/driver/payments/{payment['id']}/sync")
    assert status == 503 and body["error"]["code"] == "wechat_unavailable", body     # a clear answer
    _, seen = await amy.get(f"/api/v1/driver/payments/{payment['id']}")
    assert seen["state"] == "pending"                # not paid, not lost: waiting for WeChat

    await emulator.start()                           # WeChat back: its retry delivers the notification

    async def paid():
        _, p = await amy.get(f"/api/v1/driver/payments/{payment['id']}")
        return p["state"] == "paid"
    await eventually(paid, 20, "payment credited after WeChat came back")
    await credited_once(amy, [800])
    notes = [n for n in await emulator.notifications() if n["resource"]["out_trade_no"] == payment["out_trade_no"]]
    assert len(notes) == 1 and notes[0]["delivered"]
    assert any("error" in a for a in notes[0]["attempts"])       # it did fail while the CSMS was down

    status, again = await amy.post(f"/api/v1/driver/payments/{payment['id']}/sync")   # a query now changes nothing
    assert status == 200 and again["state"] == "paid"
    await credited_once(amy, [800])


async def test_wechat_down_a_top_up_or_prepaid_start_is_refused_clearly_and_works_once_it_is_back(world):
    csms, emulator = world
    bo = RemoteDriver(csms, emulator, "bo")
    await bo.login()
    station = await a_priced_station(csms)
    await csms.a_charge_point("WXDOWN-1", station_id=station["id"])
    cp = ChargePoint16(url=csms.ocpp_url, cp_id="WXDOWN-1", connectors=1)
    await cp.connect()
    await emulator.terminate()
    try:
        status, body = await bo.post("/api/v1/driver/wallet/topups", {"amount_fen": 500}, signed=True)
        assert status == 503 and body["error"]["code"] == "payment_unavailable", body
        assert await bo.balance() == 0

        status, body = await bo.start("WXDOWN-1", pay_mode="prepay", prepay_fen=500)
        assert status == 503 and body["error"]["code"] == "payment_unavailable", body
        _, orders = await bo.get("/api/v1/driver/orders")
        assert [o["state"] for o in orders] == ["cancelled"], orders      # not left open
        _, current = await bo.get("/api/v1/driver/sessions/current")
        assert current == []
    finally:
        await cp.close()

    await emulator.start()
    await bo.topup(500)
    await credited_once(bo, [500])


async def test_a_slow_wechat_times_out_clearly_and_nothing_is_credited_twice(world):
    csms, emulator = world
    cy = RemoteDriver(csms, emulator, "cy")
    await cy.login()
    payment = await cy.pay_topup(300)                # paid; the notification arrives at once

    await emulator.delay(3)                          # WeChat answers after 3 s; the CSMS waits 1 s
    status, body = await cy.post("/api/v1/driver/wallet/topups", {"amount_fen": 400}, signed=True)
    assert status == 503 and body["error"]["code"] == "payment_unavailable", body
    await emulator.delay(0)

    async def paid():
        _, p = await cy.get(f"/api/v1/driver/payments/{payment['id']}")
        return p["state"] == "paid"
    await eventually(paid, 20, "the first top-up credited")
    for note in await emulator.notifications():      # WeChat sends them again: still credited once
        await emulator.control("POST", f"notifications/{note['id']}/redeliver")
    status, again = await cy.post(f"/api/v1/driver/payments/{payment['id']}/sync")
    assert status == 200 and again["state"] == "paid"
    await asyncio.sleep(0.5)
    await credited_once(cy, [300])
