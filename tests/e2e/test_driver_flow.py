"""The whole driver flow over real sockets, for OCPP 1.6 and 2.0.1: WeChat login -> nearby stations ->
scan -> prepay through the WeChat Pay emulator -> a simulated charge point charges across a tariff
boundary (peak until 22:00, valley after, by the station's clock) -> automatic stop at the funds cap ->
settlement -> refund of the remainder -> bill pushed as a subscribe message; and a replayed payment
notification or signed request changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.e2e.helpers import eventually
from tests.support.driver import Driver

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}
SHANGHAI = ZoneInfo("Asia/Shanghai")
BILL = "TPL-BILL-0001"
PEAK = {"energy_fen_per_kwh": 100, "service_fen_per_kwh": 50}     # 150 fen/kWh until 22:00
VALLEY = {"energy_fen_per_kwh": 30, "service_fen_per_kwh": 20}    # 50 fen/kWh from 22:00
PREPAY = 500


def before_ten_pm(seconds: float) -> float:
    """The clock offset that puts a station at ``seconds`` before 22:00 Shanghai time today."""
    now = datetime.now(UTC)
    target = now.astimezone(SHANGHAI).replace(hour=22, minute=0, second=0, microsecond=0) - timedelta(seconds=seconds)
    return (target - now).total_seconds()


@pytest.fixture
async def server(csms_with):
    return await csms_with(**{"wechat.bill_template_id": BILL})


async def a_priced_station(csms) -> dict:
    station = await csms.a_station(name="Riverside Supercharge", lat=31.2304, lng=121.4737, timezone="Asia/Shanghai")
    since = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    status, body = await csms.put(f"/api/v1/admin/stations/{station['id']}/tariff", {
        "effective_from": since,
        "segments": [{"start": "00:00", "end": "22:00", "period": "peak"},
                     {"start": "22:00", "end": "24:00", "period": "valley"}],
        "prices": {"peak": PEAK, "valley": VALLEY}})
    assert status == 201, body
    return station


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_scan_prepay_charge_across_a_boundary_stop_at_funds_settle_refund_and_bill(server, version):
    csms = server
    emulator = csms.container.wechat.emulator
    station = await a_priced_station(csms)
    cp_id = f"DRV-{version[-3:].replace('.', '')}"
    await csms.a_charge_point(cp_id, station_id=station["id"])
    cp = VERSIONS[version](url=csms.ocpp_url, cp_id=cp_id, connectors=2, meter_interval=0.3, time_scale=60,
                           max_power_w=60000, ramp_s=1, clock_offset=before_ten_pm(1.5))
    await cp.connect()
    try:
        alice = Driver(csms, "alice")
        await alice.login(nickname="Alice")
        emulator.accept_subscribe(alice.openid, BILL)
        status, quota = await alice.post("/api/v1/driver/me/subscriptions", {"results": {BILL: "accept"}})
        assert (status, quota["quota"]) == (200, {BILL: 1})
        push = await alice.socket()

        status, nearby = await alice.get("/api/v1/driver/stations/nearby?lat=31.2310&lng=121.4740&radius_m=2000")
        assert status == 200 and nearby[0]["id"] == station["id"], nearby
        assert nearby[0]["free"] == 2 and nearby[0]["price_now"] is not None

        qr = f"{csms.container.settings.driver.qr_base_url}/{cp_id}/1"
        status, scan = await alice.get(f"/api/v1/driver/scan?qr={qr}")
        assert status == 200 and scan["can_start"] is True, scan

        start = {"charge_point_id": cp_id, "connector_id": 1, "pay_mode": "prepay", "prepay_fen": PREPAY}
        status, session = await alice.post("/api/v1/driver/sessions", start, signed=True)
        assert status == 201, session
        assert (session["state"], session["step"]) == ("created", "awaiting_payment")
        params = session["payment"]["pay_params"]
        assert params["signType"] == "RSA" and params["package"].startswith("prepay_id=")
        order_id = session["order_id"]

        emulator.pay(params["package"].split("=", 1)[1], "SUCCESS")     # the driver confirms in WeChat

        seen = []

        async def settled():
            _, order = await alice.get(f"/api/v1/driver/orders/{order_id}")
            _, live = await alice.get(f"/api/v1/driver/sessions/{order_id}")
            seen.append((live["state"], live["step"], live["reason"], live["energy_wh"], live["cost_fen"]))
            return order if order["state"] in ("paid", "refunded", "unpaid") else None
        try:
            order = await eventually(settled, 30, what="settlement")
        except AssertionError:
            raise AssertionError(sorted(set(seen), key=seen.index)) from None

        # stopped by the funds watch, before the prepayment ran out
        assert order["stop_reason"] == "funds", order
        assert 0 < order["total_fen"] <= PREPAY
        assert order["paid_fen"] == order["total_fen"]
        # billed across 22:00: the peak part and the valley part each at its own price
        lines = order["bill_lines"]
        assert [ln["period"] for ln in lines] == ["peak", "valley"], lines
        for ln, price in zip(lines, (PEAK, VALLEY)):
            assert ln["energy_price_fen_per_kwh"] == price["energy_fen_per_kwh"]
            assert ln["service_price_fen_per_kwh"] == price["service_fen_per_kwh"]
            assert ln["energy_fen"] == (ln["energy_wh"] * price["energy_fen_per_kwh"] * 2 + 1000) // 2000
            assert ln["amount_fen"] == ln["energy_fen"] + ln["service_fen"]
        assert lines[0]["end"] == lines[1]["start"]
        assert sum(ln["energy_wh"] for ln in lines) == order["energy_wh"] > 0
        assert order["total_fen"] == sum(ln["amount_fen"] for ln in lines) + order["idle_fee_fen"]

        # the unused part of the prepayment comes back
        async def refunded():
            _, o = await alice.get(f"/api/v1/driver/orders/{order_id}")
            return o if o["state"] == "refunded" else None
        order = await eventually(refunded, 15, what="refund")
        assert order["refunded_fen"] == PREPAY - order["total_fen"]
        status, payment = await alice.get(f"/api/v1/driver/payments/{session['payment']['id']}")
        assert (payment["state"], payment["refunded_fen"]) == ("refunded", PREPAY - order["total_fen"])

        # the bill went out as a subscribe message
        async def billed():
            return [m for m in emulator.messages if m.get("touser") == alice.openid]
        sent = await eventually(billed, 5, what="bill message")
        assert sent[0]["template_id"] == BILL
        page, _, query = sent[0]["page"].partition("?")      # opens a page the mini-program has
        assert page in orjson.loads((MINIPROGRAM / "app.json").read_bytes())["pages"]
        assert query == f"id={order_id}"
        assert str(order_id) in orjson.dumps(sent[0]["data"]).decode()

        # live push saw the session move on and the order settle
        kinds, steps = set(), set()
        while True:
            try:
                msg = await push.receive_json(timeout=0.5)
            except TimeoutError:
                break
            kinds.add(msg["type"])
            if msg["type"] == "session":
                steps.add(msg["data"]["step"])
        assert {"session", "order"} <= kinds
        assert {"charging", "finished"} <= steps, steps
        await push.close()

        # replays change nothing: the payment notification again, and the exact signed request again
        before = (order, await alice.get("/api/v1/driver/wallet/ledger"))
        paid_note = next(n for n in emulator.notifications if n.event_type == "TRANSACTION.SUCCESS")
        emulator.redeliver(paid_note.id)
        await emulator.wait_delivered(paid_note.id)
        _, after_order = await alice.get(f"/api/v1/driver/orders/{order_id}")
        assert (after_order, await alice.get("/api/v1/driver/wallet/ledger")) == before
        _, payment_again = await alice.get(f"/api/v1/driver/payments/{session['payment']['id']}")
        assert payment_again == payment
    finally:
        await cp.close()


async def test_a_replayed_signed_request_is_refused_and_starts_nothing(server):
    csms = server
    station = await a_priced_station(csms)
    await csms.a_charge_point("DRV-REPLAY", station_id=station["id"])
    bob = Driver(csms, "bob")
    await bob.login()
    raw = orjson.dumps({"amount_fen": 500})
    from api.signing import signed_headers
    headers = {"Authorization": f"Bearer {bob.tokens['access_token']}", "Content-Type": "application/json",
               **signed_headers(bob.tokens["sign_key"], "POST", "/api/v1/driver/wallet/topups", raw,
                                timestamp=int(datetime.now(UTC).timestamp()), nonce="n" * 20)}
    status, first = await bob.raw("POST", "/api/v1/driver/wallet/topups", raw, headers)
    assert status == 201, first
    status, second = await bob.raw("POST", "/api/v1/driver/wallet/topups", raw, headers)
    assert (status, second["error"]["code"]) == (409, "replayed_request")
    status, page = await csms.get(f"/api/v1/admin/payments?user_id={bob.id}")
    assert status == 200 and len(page) == 1
