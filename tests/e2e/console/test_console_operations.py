"""The console's operations pages in a real browser against a real CSMS with simulated charge points
and drivers: an alarm becomes a work order and is resolved; an abnormal order is reviewed and
refunded; a driver is found, blocked, credited and their feedback answered; the dashboard charts the
real roll-ups (read from the ECharts instances); a viewer sees no admin action and the server refuses
one anyway, which the audit log records."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import expect

from chargepoint_sim import ChargePoint16
from tests.e2e.console.conftest import login, shot, start_console_csms
from tests.e2e.test_driver_sessions import a_charger, a_driver, charging
from tests.support.driver import a_priced_station, eventually
from tests.support.server import stop_csms

pytestmark = pytest.mark.asyncio(loop_scope="module")
TIMEOUT = 15_000      # ms: a generous bound for a shared two-core machine; nothing waits for it when all is well
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def console_csms(tmp_path_factory, chromium_path):
    """The console's CSMS with alarms raised at once (no debounce) and checked often."""
    server = await start_console_csms(tmp_path_factory, **{"alarms.debounce": "connector_fault=0",
                                                          "alarms.check_interval": 0.1})
    try:
        yield server
    finally:
        await stop_csms(server)


def text_input(page, name: str):
    return page.locator(f'[data-test="{name}"] input, input[data-test="{name}"], [data-test="{name}"] textarea, '
                        f'textarea[data-test="{name}"]').first


async def _value(value):
    return value


async def a_paid_order(csms, station: dict, prefix: str) -> tuple[str, dict]:
    """A driver's wallet session on a simulated charger of ``station``, charged, stopped and paid:
    (the charge point id, the order)."""
    async with a_charger(csms, "ocpp1.6", f"{prefix}-{uuid.uuid4().hex[:6].upper()}", station["id"]) as cp:
        driver = await a_driver(csms, f"{prefix.lower()}{uuid.uuid4().hex[:4]}", topup=3000)
        _, session = await driver.start(cp.cp_id, 1)
        await charging(driver, session["order_id"])
        await driver.post(f"/api/v1/driver/sessions/{session['order_id']}/stop", signed=True)
        return cp.cp_id, await driver.wait_order(session["order_id"], "paid")


async def test_an_alarm_becomes_a_work_order_and_is_resolved(console_csms, page):
    csms = console_csms
    cp_id = f"ALM-{uuid.uuid4().hex[:6].upper()}"
    await csms.a_charge_point(cp_id)
    sim = ChargePoint16(url=csms.ocpp_url, cp_id=cp_id, connectors=2)
    await sim.connect()
    try:
        await login(page, csms, "/console/alarms")
        await expect(page.locator('[data-test="alarms"]')).to_be_visible(timeout=TIMEOUT)
        await expect(page.locator('[data-test="feed-state"]')).to_have_text("实时", timeout=TIMEOUT)
        await page.evaluate("window.__sameDocument = true")

        await sim.fault(1, "GroundFailure")            # raised on the feed, shown without a reload
        row = page.locator('[data-test="alarm-table"] tr', has_text=cp_id)
        await expect(row).to_be_visible(timeout=TIMEOUT)
        await expect(row.locator('[data-severity="major"]')).to_be_visible()
        await expect(row).to_contain_text("枪口故障")
        assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        badge = page.locator('[data-test="alarm-badge"] .el-badge__content')          # the header's bell
        await expect(badge).to_have_text("1", timeout=TIMEOUT)
        await shot(page, "alarms")

        await row.click()
        drawer = page.locator('[data-test="alarm-drawer"]')
        await expect(drawer.locator('[data-test="alarm-ack"]')).to_be_visible(timeout=TIMEOUT)
        await text_input(page, "alarm-note").fill("现场检查接地")
        await drawer.locator('[data-test="alarm-ack"]').click()
        work_order = drawer.locator('[data-test="alarm-work-order"]')
        await expect(work_order).to_contain_text("现场检查接地", timeout=TIMEOUT)
        await expect(work_order.locator('[data-status="open"]')).to_be_visible()
        await expect(row).to_contain_text("已确认", timeout=TIMEOUT)            # the list follows, live
        await expect(badge).to_be_hidden(timeout=TIMEOUT)                       # nothing waits any more

        _, (alarm,) = await csms.get(f"/api/v1/admin/alarms?charge_point_id={cp_id}")
        assert (alarm["status"], alarm["acknowledged_by"], alarm["work_order"]["assignee"]) == ("Acknowledged", "admin", "admin")
        wo_id = alarm["work_order"]["id"]

        await work_order.get_by_role("link").first.click()
        await expect(page).to_have_url(csms.api_url + f"/console/work-orders/{wo_id}")
        await page.locator('[data-wo-move="in_progress"]').click()
        await expect(page.locator('[data-test="wo-status"]')).to_have_attribute("data-status", "in_progress", timeout=TIMEOUT)
        await text_input(page, "wo-note").fill("更换漏电保护器")
        await page.locator('[data-test="wo-add-note"]').click()
        await expect(page.locator('[data-test="wo-notes"]')).to_contain_text("更换漏电保护器", timeout=TIMEOUT)
        await text_input(page, "wo-resolution").fill("已更换漏电保护器")
        await page.locator('[data-wo-move="resolved"]').click()
        await expect(page.locator('[data-test="wo-status"]')).to_have_attribute("data-status", "resolved", timeout=TIMEOUT)
        await expect(page.locator('[data-alarm-status="Resolved"]')).to_be_visible(timeout=TIMEOUT)
        await shot(page, "work-order")

        _, resolved = await csms.get(f"/api/v1/admin/alarms/{alarm['id']}")
        assert (resolved["status"], resolved["resolved_by"], resolved["resolution"]) == ("Resolved", "admin", "已更换漏电保护器")
        assert [n["text"] for n in resolved["work_order"]["notes"]] == ["现场检查接地", "更换漏电保护器"]

        await page.goto(csms.api_url + "/console/reports/response-times")
        await expect(page.locator('[data-test="mtta"]')).not_to_have_text("—", timeout=TIMEOUT)
        await expect(page.locator('[data-test="mttr"]')).not_to_have_text("—")
    finally:
        await sim.close()


async def test_an_abnormal_order_is_reviewed_and_refunded(console_csms, page):
    csms = console_csms
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", f"REV-{uuid.uuid4().hex[:6].upper()}", station["id"]) as cp:
        driver = await a_driver(csms, f"rev{uuid.uuid4().hex[:4]}", topup=5000)
        _, session = await driver.start(cp.cp_id, 1)
        oid = session["order_id"]
        live = await charging(driver, oid)
        meter = cp.connectors[1].meter
        before = meter.energy_wh
        await eventually(lambda: _value(meter.energy_wh > before + 3000), 10, "meter moving")
        meter._energy -= 2000                # the register drops: a faulty meter
        seen = live["energy_wh"]

        async def reported_lower():
            s = await driver.session(oid)
            return s["energy_wh"] != seen and s
        await eventually(reported_lower, 10, "a reading after the drop")
        await driver.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        order = await driver.wait_order(oid, "paid")

    async def flagged():
        _, reviews = await csms.get(f"/api/v1/admin/order-reviews?user_id={driver.id}")
        return reviews
    (review,) = await eventually(flagged, 10, "the order flagged")
    balance = await driver.balance()

    await login(page, csms, "/console/order-reviews")
    row = page.locator(f'[data-review-row="{review["id"]}"]')
    await expect(row).to_be_visible(timeout=TIMEOUT)
    await expect(page.locator('[data-test="review-table"]')).to_contain_text("电表倒走")
    await row.click()
    drawer = page.locator('[data-test="review-drawer"]')
    await expect(drawer.locator('[data-anomaly="meter_backwards"]')).to_be_visible(timeout=TIMEOUT)
    await expect(drawer.locator('[data-test="review-order-total"]')).to_have_text(f"¥{order['total_fen'] / 100:.2f}")
    await shot(page, "order-review")

    await drawer.locator('[data-decision="refund"]').click()
    amount = text_input(page, "decision-amount")
    await amount.fill("1.00")
    await amount.press("Tab")
    await drawer.locator('[data-test="decision-send"]').click()
    await expect(drawer.locator('[data-test="decision-error"]')).to_contain_text("请填写原因")   # a reason first
    await text_input(page, "decision-note").fill("电表故障，退还 1 元")
    await drawer.locator('[data-test="decision-send"]').click()
    await expect(drawer.locator('[data-test="review-state"]')).to_have_attribute("data-status", "refunded", timeout=TIMEOUT)
    await expect(drawer.locator('[data-test="review-order-refunded"]')).to_have_text("¥1.00")
    await expect(drawer.locator('[data-decision]')).to_have_count(0)

    _, decided = await csms.get(f"/api/v1/admin/order-reviews/{review['id']}")
    assert (decided["state"], decided["refund_fen"], decided["decided_by"]) == ("refunded", 100, "admin")
    assert (decided["order"]["state"], decided["order"]["refunded_fen"]) == ("refunded", 100)
    assert await driver.balance() == balance + 100               # a wallet order: back to the wallet

    await page.goto(csms.api_url + f"/console/users/{driver.id}")
    await page.get_by_role("tab", name="钱包流水").click()
    ledger = page.locator('[data-test="user-ledger"]')
    await expect(ledger).to_contain_text("+¥1.00", timeout=TIMEOUT)
    await expect(page.locator('[data-test="user-balance"]')).to_have_text(f"¥{(balance + 100) / 100:.2f}")
    await shot(page, "user")


async def test_a_driver_is_found_blocked_credited_and_their_feedback_answered(console_csms, page):
    csms = console_csms
    nickname = f"Fay{uuid.uuid4().hex[:4]}"
    driver = await a_driver(csms, nickname.lower(), topup=1000)
    status, fb = await driver.post("/api/v1/driver/feedback", {"category": "station", "content": f"{nickname}: 车位被燃油车占用"})
    assert status == 201

    await login(page, csms, "/console/users")
    await text_input(page, "user-search").fill(nickname.lower())
    await text_input(page, "user-search").press("Enter")
    table = page.locator('[data-test="user-table"]')
    await expect(table.locator("tbody tr")).to_have_count(1, timeout=TIMEOUT)
    await table.locator("tbody tr").first.click()
    await expect(page).to_have_url(csms.api_url + f"/console/users/{driver.id}")

    await page.locator('[data-test="user-block"]').click()
    await text_input(page, "block-reason").fill("恶意占位")
    await page.locator('[data-test="block-send"]').click()
    await expect(page.locator('[data-test="user-blocked"]')).to_be_visible(timeout=TIMEOUT)
    _, me = await driver.get("/api/v1/driver/me")
    assert (me["blocked"], me["blocked_reason"]) == (True, "恶意占位")

    await page.locator('[data-test="user-adjust"]').click()
    amount = text_input(page, "adjust-amount")
    await amount.fill("5")
    await amount.press("Tab")
    await text_input(page, "adjust-reason").fill("占位纠纷补偿")
    await page.locator('[data-test="adjust-send"]').click()
    await expect(page.locator('[data-test="user-balance"]')).to_have_text("¥15.00", timeout=TIMEOUT)
    await page.get_by_role("tab", name="钱包流水").click()
    await expect(page.locator('[data-test="user-ledger"]')).to_contain_text("占位纠纷补偿", timeout=TIMEOUT)
    assert await driver.balance() == 1500

    await page.goto(csms.api_url + "/console/feedback")
    row = page.locator('[data-test="feedback-table"] tr', has_text=nickname)
    await expect(row).to_be_visible(timeout=TIMEOUT)
    await row.click()
    await page.locator('[data-test="feedback-new-status"]').click()
    await page.get_by_role("option", name="处理中").click()
    await text_input(page, "feedback-reply").fill("已联系物业处理")
    await expect(page.locator(".el-select-dropdown").first).to_be_hidden()
    await shot(page, "feedback")
    await page.locator('[data-test="feedback-send"]').click()
    await expect(page.locator('[data-test="feedback-send"]')).to_be_hidden(timeout=TIMEOUT)
    _, mine = await driver.get(f"/api/v1/driver/feedback/{fb['id']}")
    assert (mine["status"], mine["reply"]) == ("processing", "已联系物业处理")


async def test_the_dashboard_charts_the_days_roll_ups(console_csms, page):
    csms = console_csms
    station = await a_priced_station(csms, name=f"看板站-{uuid.uuid4().hex[:4]}")
    _, order = await a_paid_order(csms, station, "DASH")
    today = datetime.now(UTC).astimezone(BEIJING).date().isoformat()

    await login(page, csms, "/console/dashboard")
    await expect(page.locator('[data-test="dashboard"]')).to_be_visible(timeout=TIMEOUT)
    for end in (0, 1):                                                # the range: the last 7 days
        day = (datetime.now(UTC).astimezone(BEIJING) - timedelta(days=6 * (1 - end))).date().isoformat()
        await page.locator(".el-range-input").nth(end).fill(day)
        await page.locator(".el-range-input").nth(end).press("Enter")
    await page.get_by_role("button", name="重新统计").click()           # roll those days up, now
    await expect(page.locator(".el-alert", has_text="已重新统计 7 天")).to_be_visible(timeout=2 * TIMEOUT)
    await page.locator('[data-test="dash-station"]').click()
    await page.get_by_role("option", name=station["name"]).click()
    await page.locator('[data-test="dash-apply"]').click()

    async def series(name: str):
        return await page.evaluate("""(name) => {
            const el = document.querySelector(`[data-chart="${name}"]`)
            const option = el && el.__chart && el.__chart.getOption()
            return option ? { x: (option.xAxis[0] || {}).data, y: (option.yAxis[0] || {}).data,
                              series: option.series.map((s) => ({ id: s.id, data: s.data })) } : null
        }""", name)

    # as the chart rounds (console/src/lib/stats.ts kwhOf: half up on tens of Wh; Python's round() on the float
    # kWh gave 0.47 for 475 Wh where the chart shows 0.48)
    expected = {"energy": math.floor(order["energy_wh"] / 10 + 0.5) / 100, "revenue": order["total_fen"] / 100}
    last: list[dict] = []

    async def charted():          # the station's chart once the filtered query has answered
        chart = await series("energy-revenue")
        if not chart or today not in chart["x"]:
            return None
        i = chart["x"].index(today)
        last[:] = [{s["id"]: s["data"][i] for s in chart["series"]}]
        return last[0] == expected
    try:
        await eventually(charted, TIMEOUT / 1000, "the station's figures of today on the energy chart")
    except AssertionError:
        raise AssertionError(f"charted {last}, expected {expected}") from None

    sessions = await series("sessions")
    i = sessions["x"].index(today)
    assert {s["id"]: s["data"][i] for s in sessions["series"]}["sessions"] == 1
    top = await series("top-stations")
    assert station["name"] in top["y"]
    assert top["series"][0]["data"][top["y"].index(station["name"])] >= order["total_fen"] / 100
    users = await series("users")
    assert sum(next(s for s in users["series"] if s["id"] == "new_users")["data"]) >= 1
    await expect(page.locator('[data-test="kpi-revenue"]')).to_contain_text(f"{order['total_fen'] / 100:.2f}")
    await shot(page, "dashboard", full_page=True)


async def test_a_viewer_sees_no_admin_action_and_the_server_refuses_one(console_csms, page):
    csms = console_csms
    name = f"viewer-{uuid.uuid4().hex[:6]}"
    status, _ = await csms.post("/api/v1/admin/operators", {"username": name, "password": "viewer-pass-1", "role": "viewer"})
    assert status == 201
    station = await a_priced_station(csms)
    cp_id, order = await a_paid_order(csms, station, "VIEW")
    cp = {"id": cp_id}

    await login(page, csms, "/console/board", user=(name, "viewer-pass-1"))
    await expect(page.locator('[data-test="whoami"]')).to_have_attribute("data-role", "viewer", timeout=TIMEOUT)
    for hidden in ("operators", "audit"):
        await expect(page.locator(f'[data-nav="{hidden}"]')).to_have_count(0)
    for shown in ("board", "alarms", "order-reviews", "users", "dashboard", "charge-points"):
        await expect(page.locator(f'[data-nav="{shown}"]')).to_have_count(1)
    await page.goto(csms.api_url + f"/console/charge-points/{cp['id']}")
    await expect(page.get_by_text(cp["id"]).first).to_be_visible(timeout=TIMEOUT)
    await expect(page.locator("button[data-cmd]")).to_have_count(0)              # no remote control
    await page.goto(csms.api_url + f"/console/orders/{order['id']}")
    await expect(page.locator('[data-test="bill-lines"]')).to_be_visible(timeout=TIMEOUT)
    await expect(page.locator('[data-test="payments"]')).to_contain_text("支付记录仅财务和管理员可见")
    await expect(page.locator('[data-test="refund"]')).to_have_count(0)          # money is finance's
    await expect(page.locator(".el-alert--error")).to_have_count(0)
    await page.goto(csms.api_url + "/console/audit")
    await expect(page).to_have_url(csms.api_url + "/console/board")              # kept out

    # a client that shows the button anyway (its stored grants tampered with): the server refuses
    await page.evaluate("""() => {
        const key = 'csms.console.session'
        const s = JSON.parse(localStorage.getItem(key))
        localStorage.setItem(key, JSON.stringify({ ...s, role: 'admin', permissions: ['viewer', 'operator', 'finance', 'admin'] }))
    }""")
    await page.goto(csms.api_url + "/console/master/operators")
    await text_input(page, "op-username").fill("intruder")
    await text_input(page, "op-password").fill("intruder-pass-1")
    await page.locator('[data-test="op-create"]').click()
    await expect(page.locator(".el-alert--error").first).to_contain_text("当前角色没有此权限，服务器已拒绝", timeout=TIMEOUT)
    await shot(page, "viewer-refused")
    _, operators = await csms.get("/api/v1/admin/operators")
    assert "intruder" not in [o["username"] for o in operators]

    # the admin finds the refusal in the audit log
    await page.evaluate("localStorage.clear()")
    await login(page, csms, "/console/audit")
    await text_input(page, "audit-actor").fill(name)
    await page.locator('[data-test="audit-apply"]').click()
    table = page.locator('[data-test="audit-table"]')
    await expect(table.locator('[data-audit-status="403"]')).to_have_count(1, timeout=TIMEOUT)
    await expect(table).to_contain_text("POST /api/v1/admin/operators")
    await shot(page, "audit")
