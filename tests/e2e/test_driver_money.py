"""Money over real sockets: a prepayment the payer gives up, an order the wallet cannot pay (unpaid,
then paid after a top-up), operators' orders, refunds (WeChat and wallet), wallet adjustments,
payments and the reconciliation with the emulator's trade bill, replays and races that must move
money once, and the idle fee after an unplug."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_driver_sessions import (
    a_charger,
    a_driver,
    charging,
    ledger_consistent,
)
from tests.support.driver import Driver, a_priced_station, eventually, prepay_id

BEIJING = ZoneInfo("Asia/Shanghai")


async def refs(csms, user_id: int) -> list[str]:
    page = await csms.container.repos.wallet.entries(user_id, limit=100)
    return [e.ref for e in page.items]


async def a_finished_wallet_order(csms, driver: Driver, cp, connector_id: int = 1) -> dict:
    _, session = await driver.start(cp.cp_id, connector_id)
    oid = session["order_id"]
    await charging(driver, oid)
    await driver.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
    return await driver.wait_order(oid, "paid", "unpaid")


# --- prepayments ------------------------------------------------------------------------------------------

async def test_a_prepayment_the_payer_cancels_cancels_the_order_and_charges_nothing(csms):
    station = await a_priced_station(csms)
    await csms.a_charge_point("PP-CANCEL", station_id=station["id"])
    async with a_charger(csms, "ocpp1.6", "PP-C", station["id"]) as cp:
        kim = await a_driver(csms, "kim")
        status, session = await kim.start(cp.cp_id, 1, pay_mode="prepay", prepay_fen=500)
        assert status == 201, session
        payment = session["payment"]
        csms.container.wechat.emulator.pay(prepay_id(payment["pay_params"]), "CANCEL")   # closes the pay sheet
        status, closed = await kim.post(f"/api/v1/driver/payments/{payment['id']}/cancel", signed=True)
        assert (status, closed["state"]) == (200, "closed"), closed
        order = await kim.wait_order(session["order_id"], "cancelled")
        live = await kim.session(session["order_id"])
        assert (live["step"], live["reason"]) == ("failed", "payment_failed")
        assert (order["total_fen"], order["paid_fen"], order["refunded_fen"]) == (0, 0, 0)
        assert await kim.ledger() == [] and await kim.balance() == 0
        assert not [a for a, _ in cp.received if a == "RemoteStartTransaction"]
        # the connector is free again, and the driver may start anew
        status, again = await kim.start(cp.cp_id, 1, pay_mode="prepay", prepay_fen=500)
        assert status == 201, again


# --- unpaid orders ----------------------------------------------------------------------------------------

async def test_an_order_the_wallet_cannot_cover_is_unpaid_until_the_driver_pays_it(csms):
    station = await a_priced_station(csms)
    # a charger that sends no meter values: the funds watch sees no cost until the stop
    async with a_charger(csms, "ocpp1.6", "UNPAID", station["id"], meter_interval=None, max_power_w=350000,
                         time_scale=120) as cp:
        lee = await a_driver(csms, "lee", topup=600)
        _, session = await lee.start(cp.cp_id, 1)
        oid = session["order_id"]

        async def started():
            return (await lee.session(oid))["state"] == "charging"
        await eventually(started, 10, "charging")
        await asyncio.sleep(1.0)
        await lee.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        order = await lee.wait_order(oid, "paid", "unpaid")
        assert order["state"] == "unpaid" and order["total_fen"] > 600, order
        assert order["paid_fen"] == 0
        assert await lee.balance() == 600                  # nothing taken: all or nothing
        status, short = await lee.post(f"/api/v1/driver/orders/{oid}/pay", signed=True)
        assert (status, short["error"]["code"]) == (402, "insufficient_funds")
        # an unpaid order does not block the next start check, but the driver settles it first here
        await lee.topup(order["total_fen"])
        status, paid = await lee.post(f"/api/v1/driver/orders/{oid}/pay", signed=True)
        assert (status, paid["state"], paid["paid_fen"]) == (200, "paid", order["total_fen"]), paid
        status, again = await lee.post(f"/api/v1/driver/orders/{oid}/pay", signed=True)
        assert (status, again["error"]["code"]) == (409, "not_unpaid")
        balance = await lee.balance()
        assert balance == 600
        ledger = await lee.ledger()
        assert [e["kind"] for e in ledger] == ["charge", "topup", "topup"]
        assert ledger[0]["amount_fen"] == -order["total_fen"] and ledger[0]["order_id"] == oid
        ledger_consistent(ledger, balance)


# --- operators ------------------------------------------------------------------------------------------

async def test_operators_list_orders_and_refund_a_prepaid_order_through_wechat(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp2.0.1", "OP-PRE", station["id"]) as cp:
        mia = await a_driver(csms, "mia")
        _, session = await mia.start(cp.cp_id, 1, pay_mode="prepay", prepay_fen=400)
        csms.container.wechat.emulator.pay(prepay_id(session["payment"]["pay_params"]), "SUCCESS")
        oid = session["order_id"]
        await charging(mia, oid)
        await mia.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        order = await mia.wait_order(oid, "refunded")          # the unused part went back
        remainder = 400 - order["total_fen"]
        assert order["refunded_fen"] == remainder > 0

        status, listed = await csms.get(f"/api/v1/admin/orders?user_id={mia.id}")
        assert status == 200 and [o["id"] for o in listed] == [oid] and listed[0]["user_id"] == mia.id
        status, by_state = await csms.get("/api/v1/admin/orders?state=refunded")
        assert oid in [o["id"] for o in by_state]
        status, one = await csms.get(f"/api/v1/admin/orders/{oid}")
        assert status == 200 and one["total_fen"] == order["total_fen"] and one["bill_lines"]

        status, too_much = await csms.post(f"/api/v1/admin/orders/{oid}/refund",
                                           {"amount_fen": order["total_fen"] + 1, "reason": "goodwill"})
        assert (status, too_much["error"]["code"]) == (409, "refund_exceeds_payment")
        # two refunds one after the other, the first still processing at WeChat: two refunds
        for amount in (10, 20):
            status, payment = await csms.post(f"/api/v1/admin/orders/{oid}/refund",
                                              {"amount_fen": amount, "reason": "goodwill"})
            assert status == 200 and payment["kind"] == "prepay", payment

        async def refunded_more():
            o = await mia.order(oid)
            return o if o["refunded_fen"] == remainder + 30 else None
        order = await eventually(refunded_more, 10, "operator refunds")
        _, p = await mia.get(f"/api/v1/driver/payments/{session['payment']['id']}")
        assert (p["state"], p["refunded_fen"]) == ("refunded", remainder + 30)
        notes = [n for n in csms.container.wechat.emulator.notifications if n.event_type == "REFUND.SUCCESS"]
        assert len(notes) == 3
        assert await mia.ledger() == []                    # WeChat refunds never touch the wallet


async def test_operators_refund_a_wallet_order_to_the_wallet_and_adjust_balances(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "OP-WAL", station["id"]) as cp:
        ned = await a_driver(csms, "ned", topup=1000)
        order = await a_finished_wallet_order(csms, ned, cp)
        oid = order["id"]
        status, entry = await csms.post(f"/api/v1/admin/orders/{oid}/refund", {"amount_fen": 5, "reason": "sorry"})
        assert status == 200 and entry["state"] == "refunded" and entry["refunded_fen"] == 5, entry
        status, over = await csms.post(f"/api/v1/admin/orders/{oid}/refund",
                                       {"amount_fen": order["total_fen"], "reason": "again"})
        assert (status, over["error"]["code"]) == (409, "refund_exceeds_payment")
        balance = await ned.balance()
        assert balance == 1000 - order["total_fen"] + 5

        status, up = await csms.post(f"/api/v1/admin/users/{ned.id}/wallet/adjustments", {"amount_fen": 200,
                                                                                          "note": "compensation"})
        assert status == 201 and (up["kind"], up["amount_fen"], up["balance_after_fen"]) == \
            ("adjustment", 200, balance + 200), up
        status, below = await csms.post(f"/api/v1/admin/users/{ned.id}/wallet/adjustments",
                                        {"amount_fen": -(balance + 201), "note": "too much"})
        assert (status, below["error"]["code"]) == (409, "insufficient_funds")
        status, _ = await csms.post(f"/api/v1/admin/users/{ned.id}/wallet/adjustments", {"amount_fen": 0, "note": "x"})
        assert status == 400
        status, _ = await csms.post("/api/v1/admin/users/999999/wallet/adjustments", {"amount_fen": 1, "note": "x"})
        assert status == 404
        ledger = await ned.ledger()
        assert [e["kind"] for e in ledger] == ["adjustment", "refund", "charge", "topup"]
        ledger_consistent(ledger, await ned.balance())
        status, users = await csms.get("/api/v1/admin/users?q=Ned")
        assert status == 200 and users[0]["balance_fen"] == balance + 200


async def test_payments_and_the_days_reconciliation_with_the_trade_bill(csms):
    emulator = csms.container.wechat.emulator
    olga = await a_driver(csms, "olga")
    await olga.topup(300)
    await olga.topup(700)
    _, pending = await olga.post("/api/v1/driver/wallet/topups", {"amount_fen": 900}, signed=True)   # never paid
    status, payments = await csms.get(f"/api/v1/admin/payments?user_id={olga.id}")
    assert status == 200 and [(p["amount_fen"], p["state"]) for p in payments] == \
        [(900, "pending"), (700, "paid"), (300, "paid")]
    status, paid_only = await csms.get("/api/v1/admin/payments?state=paid")
    assert {p["amount_fen"] for p in paid_only} == {300, 700}

    today = datetime.now(timezone.utc).astimezone(BEIJING).date().isoformat()
    status, report = await csms.get(f"/api/v1/admin/reconciliation?date={today}")
    assert status == 200, report
    assert (report["balanced"], report["matched"], report["ours_total_fen"], report["wechat_total_fen"]) == \
        (True, 2, 1000, 1000), report

    # a payment WeChat knows and we do not (another system on the same merchant account)
    pay = csms.container.wechat.pay
    stranger = await pay.jsapi_prepay("XSTRANGER0000001", 123, "other", olga.openid,
                                      datetime.now(timezone.utc) + timedelta(minutes=5), None)
    emulator.pay(stranger, "SUCCESS")
    status, report = await csms.get(f"/api/v1/admin/reconciliation?date={today}")
    assert (report["balanced"], report["matched"], report["missing_here"]) == (False, 2, ["XSTRANGER0000001"])
    assert report["wechat_total_fen"] == 1123 and report["missing_at_wechat"] == []

    status, bad = await csms.get("/api/v1/admin/reconciliation?date=yesterday")
    assert (status, bad["error"]["code"]) == (400, "validation_error")
    status, empty = await csms.get("/api/v1/admin/reconciliation?date=2001-01-01")
    assert status == 200 and (empty["balanced"], empty["matched"]) == (True, 0)
    assert pending["state"] == "pending"


# --- replays and races ---------------------------------------------------------------------------------

async def test_a_redelivered_notification_and_syncs_racing_it_credit_once(csms):
    emulator = csms.container.wechat.emulator
    pat = await a_driver(csms, "pat")
    _, payment = await pat.post("/api/v1/driver/wallet/topups", {"amount_fen": 800}, signed=True)
    emulator.pay(prepay_id(payment["pay_params"]), "SUCCESS")     # the notification is on its way ...
    results = await asyncio.gather(*(pat.post(f"/api/v1/driver/payments/{payment['id']}/sync") for _ in range(4)))
    assert {(status, body["state"]) for status, body in results} == {(200, "paid")}
    note = next(n for n in emulator.notifications if n.event_type == "TRANSACTION.SUCCESS")
    await emulator.wait_delivered(note.id)
    emulator.redeliver(note.id)
    await emulator.wait_delivered(note.id)
    assert await pat.balance() == 800
    assert await refs(csms, pat.id) == [f"pay:{payment['id']}"]


async def test_a_prepayment_confirmed_by_syncs_and_the_notification_at_once_starts_one_session(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp2.0.1", "PP-RACE", station["id"]) as cp:
        uli = await a_driver(csms, "uli")
        _, session = await uli.start(cp.cp_id, 1, pay_mode="prepay", prepay_fen=300)
        pid = session["payment"]["id"]
        csms.container.wechat.emulator.pay(prepay_id(session["payment"]["pay_params"]), "SUCCESS")
        results = await asyncio.gather(*(uli.post(f"/api/v1/driver/payments/{pid}/sync") for _ in range(4)))
        assert {body["state"] for _, body in results} == {"paid"}
        oid = session["order_id"]
        await charging(uli, oid)
        note = next(n for n in csms.container.wechat.emulator.notifications if n.event_type == "TRANSACTION.SUCCESS")
        await csms.container.wechat.emulator.wait_delivered(note.id)
        await csms.container.background.drain()
        assert [a for a, _ in cp.received if a == "RequestStartTransaction"] == ["RequestStartTransaction"]
        await uli.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        order = await uli.wait_order(oid, "refunded")
        assert order["paid_fen"] + order["refunded_fen"] == 300 and await uli.ledger() == []


async def test_a_repeated_stop_transaction_moves_money_once(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "REP-16", station["id"]) as cp:
        quinn = await a_driver(csms, "quinn", topup=1000)
        order = await a_finished_wallet_order(csms, quinn, cp)
        tx = await csms.container.repos.transactions.get(order["transaction_id"])
        stop = {"transactionId": tx.id, "meterStop": tx.meter_stop_wh + 5000, "timestamp":
                tx.stopped_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "reason": "Remote"}
        topup_ref = (await refs(csms, quinn.id))[-1]
        for _ in range(2):
            await cp.call("StopTransaction", stop)
        await csms.container.bus.drain()
        await csms.container.background.drain()
        assert await quinn.order(order["id"]) == order
        assert await refs(csms, quinn.id) == [f"order:{order['id']}:charge", topup_ref]
        assert await quinn.balance() == 1000 - order["total_fen"]


async def test_a_repeated_transaction_event_ended_moves_money_once(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp2.0.1", "REP-201", station["id"]) as cp:
        rosa = await a_driver(csms, "rosa", topup=1000)
        order = await a_finished_wallet_order(csms, rosa, cp)
        tx = await csms.container.repos.transactions.get(order["transaction_id"])
        ended = {"eventType": "Ended", "timestamp": tx.stopped_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "triggerReason": "RemoteStop", "seqNo": 9000,
                 "transactionInfo": {"transactionId": tx.ocpp_tx_id, "stoppedReason": "Remote"},
                 "meterValue": [{"timestamp": tx.stopped_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                 "sampledValue": [{"value": tx.meter_stop_wh + 5000,
                                                   "measurand": "Energy.Active.Import.Register",
                                                   "context": "Transaction.End"}]}]}
        for _ in range(2):
            await cp.call("TransactionEvent", ended)
        await csms.container.bus.drain()
        await csms.container.background.drain()
        assert await rosa.order(order["id"]) == order
        charges = [e for e in await rosa.ledger() if e["kind"] == "charge"]
        assert [e["amount_fen"] for e in charges] == [-order["total_fen"]]


# --- idle fee -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_the_idle_fee_runs_from_the_stop_to_the_unplug_and_is_taken_from_the_wallet(csms, version):
    station = await a_priced_station(csms, idle_fee_fen_per_min=30, idle_grace_minutes=0)
    async with a_charger(csms, version, f"IDLE-{version[-3:]}", station["id"]) as cp:
        sam = await a_driver(csms, "sam", topup=1000)
        order = await a_finished_wallet_order(csms, sam, cp)
        assert order["state"] == "paid" and order["idle_fee_fen"] == 0
        bill = order["total_fen"]
        await cp.unplug(1)               # within the first minute after the stop: one started minute
        oid = order["id"]

        async def idle_billed():
            o = await sam.order(oid)
            return o if o["idle_fee_fen"] else None
        order = await eventually(idle_billed, 5, "idle fee")
        assert (order["state"], order["idle_fee_fen"], order["total_fen"], order["paid_fen"]) == \
            ("paid", 30, bill + 30, bill + 30), order
        assert order["total_fen"] == sum(ln["amount_fen"] for ln in order["bill_lines"]) + order["idle_fee_fen"]
        assert await refs(csms, sam.id) == [f"order:{oid}:idle", f"order:{oid}:charge",
                                            (await refs(csms, sam.id))[-1]]
        balance = await sam.balance()
        assert balance == 1000 - bill - 30
        ledger_consistent(await sam.ledger(), balance)
        # plugging in and out again later is no new idle time of this order
        await cp.plug_in(1)
        await cp.unplug(1)
        await asyncio.sleep(0.3)
        await csms.container.bus.drain()
        assert await sam.order(oid) == order and await sam.balance() == balance


async def test_an_idle_fee_the_wallet_cannot_pay_leaves_the_order_unpaid_until_paid(csms):
    station = await a_priced_station(csms, idle_fee_fen_per_min=30, idle_grace_minutes=0)
    async with a_charger(csms, "ocpp1.6", "IDLE-OWE", station["id"]) as cp:
        tom = await a_driver(csms, "tom", topup=1000)
        order = await a_finished_wallet_order(csms, tom, cp)
        oid, bill = order["id"], order["total_fen"]
        left = await tom.balance()
        status, _ = await csms.post(f"/api/v1/admin/users/{tom.id}/wallet/adjustments",
                                    {"amount_fen": -left, "note": "spent elsewhere"})
        assert status == 201
        await cp.unplug(1)
        order = await tom.wait_order(oid, "unpaid", timeout=5)
        assert (order["idle_fee_fen"], order["total_fen"], order["paid_fen"]) == (30, bill + 30, bill)
        await tom.topup(100)
        status, paid = await tom.post(f"/api/v1/driver/orders/{oid}/pay", signed=True)
        assert (status, paid["state"], paid["paid_fen"]) == (200, "paid", bill + 30), paid
        assert await tom.balance() == 70
        charges = [e for e in await tom.ledger() if e["kind"] == "charge"]
        assert [e["amount_fen"] for e in charges] == [-30, -bill]
        ledger_consistent(await tom.ledger(), 70)
