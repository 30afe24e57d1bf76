"""The back office over real sockets with simulated chargers: a meter that runs backwards flags its
order and a reviewer's adjustment gives the driver money back and tells them; a blocked driver is
refused and told why, and found by their phone number; an answer to feedback reaches the driver; the
roll-ups of a simulated day match its orders (SQLite and MariaDB), as JSON and CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import orjson

from tests.e2e.test_driver_sessions import a_charger, a_driver, charging
from tests.support.driver import a_priced_station, eventually

REVIEW, FEEDBACK = "TPL-REVIEW-01", "TPL-FEEDBACK-01"
TEMPLATES = {"wechat.review_template_id": REVIEW, "wechat.feedback_template_id": FEEDBACK}
BEIJING = ZoneInfo("Asia/Shanghai")


async def subscribed(driver, template: str) -> None:
    driver.emulator.accept_subscribe(driver.openid, template)
    status, _ = await driver.post("/api/v1/driver/me/subscriptions", {"results": {template: "accept"}})
    assert status == 200


async def notice(ws, kind: str, timeout: float = 10.0) -> dict:
    """The next live-push notice of ``kind`` (other messages skipped)."""
    async def read():
        while True:
            msg = orjson.loads((await ws.receive()).data)
            if msg["type"] == "notice" and msg["data"]["kind"] == kind:
                return msg["data"]
    return await asyncio.wait_for(read(), timeout)


def messages_to(csms, openid: str, template: str) -> list[dict]:
    return [m for m in csms.container.wechat.emulator.messages
            if m.get("touser") == openid and m.get("template_id") == template]


async def test_a_meter_running_backwards_flags_the_order_and_an_adjustment_gives_money_back(csms_with):
    csms = await csms_with(**TEMPLATES)
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "BACKWARDS", station["id"]) as cp:
        ann = await a_driver(csms, "ann", topup=5000)
        await subscribed(ann, REVIEW)
        ws = await ann.socket()
        _, session = await ann.start(cp.cp_id, 1)
        oid = session["order_id"]
        live = await charging(ann, oid)
        meter = cp.connectors[1].meter
        before = meter.energy_wh
        await eventually(lambda: _async(meter.energy_wh > before + 3000), 10, "meter moving")
        meter._energy -= 2000                # the register drops: a faulty meter (it gains ~300 Wh a reading)
        seen = live["energy_wh"]

        async def reported_lower():
            s = await ann.session(oid)
            return s["energy_wh"] != seen and s
        await eventually(reported_lower, 10, "a reading after the drop")
        await ann.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        order = await ann.wait_order(oid, "paid")

        async def flagged():
            _, reviews = await csms.get(f"/api/v1/admin/order-reviews?code=meter_backwards&user_id={ann.id}")
            return reviews
        (review,) = await eventually(flagged, 10, "the order flagged")
        assert (review["order_id"], review["state"], review["charge_point_id"]) == (oid, "flagged", cp.cp_id)
        assert "went back" in review["anomalies"][0]["detail"]
        status, one = await csms.get(f"/api/v1/admin/order-reviews/{review['id']}")
        assert status == 200 and one["order"]["id"] == oid

        target = order["total_fen"] - 10
        status, decided = await csms.post(f"/api/v1/admin/order-reviews/{review['id']}/adjust",
                                          {"total_fen": target, "reason": "电表故障"})
        assert status == 200, decided
        assert (decided["state"], decided["total_before_fen"], decided["total_after_fen"], decided["note"]) == \
            ("adjusted", order["total_fen"], target, "电表故障")
        after = await ann.order(oid)
        assert (after["state"], after["total_fen"], after["paid_fen"], after["refunded_fen"]) == \
            ("refunded", target, target, 10)
        assert await ann.balance() == 5000 - target
        told = await notice(ws, "order_review")
        assert (told["order_id"], told["outcome"], told["total_fen"]) == (oid, "adjusted", target)
        (message,) = await eventually(lambda: _async(messages_to(csms, ann.openid, REVIEW)), 5, "review message")
        assert message["data"]["phrase2"] == "已调整"
        await ws.close()

        status, again = await csms.post(f"/api/v1/admin/order-reviews/{review['id']}/close", {})
        assert (status, again["error"]["code"]) == (409, "already_decided")
        status, records = await csms.get(f"/api/v1/admin/audit?target_type=order&target_id={oid}")
        adjust = next(r for r in records if r["action"].endswith("_adjust"))
        assert (adjust["before"]["total_fen"], adjust["after"]["total_fen"], adjust["after"]["review"]) == \
            (order["total_fen"], target, "adjusted")


async def _async(value):
    return value


async def test_a_blocked_driver_is_refused_and_told_why_and_found_by_phone(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp2.0.1", "BLOCKED", station["id"]) as cp:
        bob = await a_driver(csms, "bob", topup=2000)
        status, _ = await bob.post("/api/v1/driver/me/phone", {"code": bob.emulator.phone_code("13912345678")})
        assert status == 200
        status, found = await csms.get("/api/v1/admin/users?q=%2B86%20139-1234-5678")
        assert status == 200 and [(u["id"], u["phone"]) for u in found] == [(bob.id, "139****5678")]

        ws = await bob.socket()
        status, blocked = await csms.post(f"/api/v1/admin/users/{bob.id}/block", {"reason": "disputed payments"})
        assert status == 200 and (blocked["blocked"], blocked["blocked_reason"]) == (True, "disputed payments")
        assert (await notice(ws, "account_blocked"))["reason"] == "disputed payments"
        await ws.close()
        status, refused = await bob.start(cp.cp_id, 1)
        assert (status, refused["error"]["code"]) == (403, "account_blocked")
        assert "disputed payments" in refused["error"]["message"]
        status, no_reservation = await bob.post("/api/v1/driver/reservations",
                                                {"charge_point_id": cp.cp_id, "connector_id": 1}, signed=True)
        assert (status, no_reservation["error"]["code"]) == (403, "account_blocked")
        _, me = await bob.get("/api/v1/driver/me")
        assert (me["blocked"], me["blocked_reason"]) == (True, "disputed payments")
        status, listed = await csms.get("/api/v1/admin/users?blocked=true")
        assert [u["id"] for u in listed] == [bob.id]

        status, _ = await csms.post(f"/api/v1/admin/users/{bob.id}/unblock", {})
        assert status == 200
        status, session = await bob.start(cp.cp_id, 1)
        assert status == 201, session
        status, ledger = await csms.get(f"/api/v1/admin/users/{bob.id}/ledger")
        assert status == 200 and [e["kind"] for e in ledger] == ["topup"]


async def test_an_answer_to_feedback_reaches_the_driver(csms_with):
    csms = await csms_with(**TEMPLATES)
    cat = await a_driver(csms, "cat")
    await subscribed(cat, FEEDBACK)
    status, fb = await cat.post("/api/v1/driver/feedback", {"category": "station", "content": "车位被占"})
    assert status == 201
    status, counts = await csms.get("/api/v1/admin/feedback/counts")
    assert status == 200 and counts == {"open": 1, "processing": 0, "resolved": 0, "closed": 0}
    ws = await cat.socket()
    status, answered = await csms.patch(f"/api/v1/admin/feedback/{fb['id']}",
                                        {"status": "processing", "reply": "已联系物业处理"})
    assert status == 200 and answered["reply"] == "已联系物业处理"
    told = await notice(ws, "feedback")
    assert (told["feedback_id"], told["status"], told["reply"]) == (fb["id"], "processing", "已联系物业处理")
    await ws.close()
    (message,) = messages_to(csms, cat.openid, FEEDBACK)
    assert message["data"]["thing2"] == "已联系物业处理"
    _, mine = await cat.get(f"/api/v1/driver/feedback/{fb['id']}")
    assert (mine["status"], mine["reply"]) == ("processing", "已联系物业处理")


async def test_the_rollups_of_a_simulated_day_match_its_orders(csms_any_db):
    csms = csms_any_db
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", f"DAY-{station['id']}", station["id"]) as cp:
        orders = []
        for name, connector in (("dee", 1), ("eve", 2)):
            driver = await a_driver(csms, name, topup=3000)
            _, session = await driver.start(cp.cp_id, connector)
            await charging(driver, session["order_id"])
            await driver.post(f"/api/v1/driver/sessions/{session['order_id']}/stop", signed=True)
            orders.append(await driver.wait_order(session["order_id"], "paid"))
    today = datetime.now(timezone.utc).astimezone(BEIJING).date().isoformat()
    status, done = await csms.post("/api/v1/admin/stats/recompute", {"from": today})
    assert status == 200 and done["days"] == 1 and done["charge_point_rows"] >= 1
    status, again = await csms.post("/api/v1/admin/stats/recompute", {"from": today})      # idempotent
    assert status == 200

    query = f"from={today}&to={today}&station_id={station['id']}"
    status, (day,) = await csms.get(f"/api/v1/admin/stats/series?{query}")
    assert status == 200 and day["period"] == today
    assert day["revenue_fen"] == sum(o["total_fen"] for o in orders) > 0
    assert day["service_fen"] == sum(o["service_fen"] for o in orders)
    assert day["energy_wh"] == sum(o["energy_wh"] for o in orders) > 0
    assert (day["sessions"], day["charge_points"], day["active_users"]) == (2, 1, 2)
    assert day["occupied_minutes"] + day["available_minutes"] <= day["connector_minutes"] == 2 * 1440
    status, (cp_day,) = await csms.get(f"/api/v1/admin/stats/series?{query}&charge_point_id={cp.cp_id}")
    assert cp_day["revenue_fen"] == day["revenue_fen"] and cp_day["charge_point_id"] == cp.cp_id

    async with csms.http.get(csms.api_url + f"/api/v1/admin/stats/series?{query}",
                             headers={**csms.auth, "Accept": "text/csv"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(r["period"], int(r["revenue_fen"]), int(r["energy_wh"])) for r in rows] == \
        [(today, day["revenue_fen"], day["energy_wh"])]

    status, month = await csms.get(f"/api/v1/admin/stats/series?from={today}&to={today}&by=month")
    assert status == 200 and month[0]["period"] == today[:7] and month[0]["revenue_fen"] >= day["revenue_fen"]
    status, top = await csms.get(f"/api/v1/admin/stats/top-stations?from={today}&to={today}&metric=energy_wh")
    assert status == 200 and top[0]["energy_wh"] >= day["energy_wh"]
    status, users = await csms.get(f"/api/v1/admin/stats/users?from={today}&to={today}&format=csv")
    assert status == 200 and users.splitlines()[0] == "period,new_users,active_users,total_users"
    assert int(users.splitlines()[1].split(",")[1]) >= 2
    status, bad = await csms.get("/api/v1/admin/stats/series?from=2026-13-01")
    assert (status, bad["error"]["code"]) == (400, "validation_error")


async def test_qr_codes_list_known_connectors_and_driver_signatures_are_as_the_contract_says(csms):
    station = await a_priced_station(csms)
    await csms.a_charge_point("QR-NEW", station_id=station["id"])
    status, codes = await csms.get(f"/api/v1/admin/stations/{station['id']}/qr-codes")
    assert (status, codes) == (200, [])                          # never connected, nothing declared
    async with csms.http.get(csms.api_url + "/api/v1/admin/charge-points/QR-NEW/connectors/1/qr.png",
                             headers=csms.auth) as resp:
        assert resp.status == 200 and resp.content_type == "image/png"       # a label can be printed ahead
    status, _ = await csms.patch("/api/v1/admin/charge-points/QR-NEW/connectors/1", {"type": "GBT_DC"})
    assert status == 200
    status, codes = await csms.get(f"/api/v1/admin/stations/{station['id']}/qr-codes")
    assert [(c["charge_point_id"], c["connector_id"]) for c in codes] == [("QR-NEW", 1)]

    async with a_charger(csms, "ocpp1.6", "SIGNED", station["id"]) as cp:
        fay = await a_driver(csms, "fay", topup=2000)
        _, session = await fay.start(cp.cp_id, 1)
        oid = session["order_id"]
        await charging(fay, oid)
        path = f"/api/v1/driver/sessions/{oid}/stop"
        status, unsigned = await fay.request("POST", path, None)
        assert (status, unsigned["error"]["code"]) == (401, "signature_required")
        status, stopped = await fay.request("POST", path, None, signed=True)      # no body: signed over b""
        assert status == 202 and stopped["order_id"] == oid
        await fay.wait_order(oid, "paid")

        _, prepaid = await fay.start(cp.cp_id, 2, pay_mode="prepay", prepay_fen=500)
        pid = prepaid["payment"]["id"]
        status, synced = await fay.post(f"/api/v1/driver/payments/{pid}/sync")              # not signed
        assert (status, synced["state"]) == (200, "pending")
        status, refused = await fay.post(f"/api/v1/driver/payments/{pid}/cancel")
        assert (status, refused["error"]["code"]) == (401, "signature_required")
        status, cancelled = await fay.post(f"/api/v1/driver/payments/{pid}/cancel", signed=True)
        assert (status, cancelled["state"]) == (200, "closed")
