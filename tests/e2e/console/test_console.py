"""The operator console in a real browser against a real CSMS with simulated charge points: log in,
a charger going Faulted shows on the board without a reload, a remote start and stop from the charge
point page with the charger's answers, the message log of that session, a tariff edited and the
server's validation error shown on its field."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import expect

from chargepoint_sim import ChargePoint16
from tests.e2e.console.conftest import login, shot
from tests.e2e.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")
TIMEOUT = 15_000      # ms: a generous bound for a shared two-core machine; nothing waits for it when all is well


def field(page, name: str):
    return page.locator(f'input[data-field="{name}"], [data-field="{name}"] input').first


async def a_simulated_charger(csms, station_id: int | None = None, **kw) -> ChargePoint16:
    cp_id = f"SIM-{uuid.uuid4().hex[:6].upper()}"
    await csms.a_charge_point(cp_id, **({"station_id": station_id} if station_id else {}))
    sim = ChargePoint16(url=csms.ocpp_url, cp_id=cp_id, connectors=2, meter_interval=1, time_scale=30, **kw)
    await sim.connect()
    return sim


async def test_login_refuses_a_wrong_password_then_lets_the_operator_in(console_csms, page):
    await page.goto(console_csms.api_url + "/console/board")
    await expect(page).to_have_url(console_csms.api_url + "/console/login?redirect=/board")
    await page.locator('[data-test="username"] input, input[data-test="username"]').first.fill("admin")
    await page.locator('[data-test="password"] input, input[data-test="password"]').first.fill("not-the-password")
    await page.locator('[data-test="login-submit"]').click()
    await expect(page.locator('[data-test="login-error"]')).to_contain_text("用户名或密码错误")
    await shot(page, "login")

    await login(page, console_csms, "/console/board")
    await expect(page).to_have_url(console_csms.api_url + "/console/board")
    await expect(page.locator('[data-test="board"]')).to_be_visible()
    await expect(page.locator('[data-test="feed-state"]')).to_have_text("实时", timeout=TIMEOUT)


async def test_a_charger_going_faulted_shows_on_the_board_without_a_reload(console_csms, page):
    station = await console_csms.a_station(name="浦东测试站", lat=31.2304, lng=121.4737)
    sim = await a_simulated_charger(console_csms, station["id"])
    try:
        await login(page, console_csms)
        row = page.locator(f'[data-connector="{sim.cp_id}/1"]')
        await expect(row.locator('[data-status="Available"]')).to_be_visible(timeout=TIMEOUT)
        await page.evaluate("window.__sameDocument = true")
        await expect(page.locator('[data-test="feed-state"]')).to_have_text("实时", timeout=TIMEOUT)

        await sim.fault(1, "GroundFailure")
        await expect(row.locator('[data-status="Faulted"]')).to_be_visible(timeout=TIMEOUT)
        await expect(row).to_contain_text("GroundFailure")
        assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        await expect(page.locator('[data-count="faulted"] .value')).not_to_have_text("0")
        await shot(page, "board")

        await page.locator('[data-test="view-map"]').click()
        dot = page.locator(f'[data-test="offline-map"] [data-station="{station["id"]}"]')
        await expect(dot).to_have_attribute("data-health", "faulted", timeout=TIMEOUT)
        await shot(page, "board-map")
    finally:
        await sim.close()


async def test_remote_start_and_stop_from_the_charge_point_page_and_its_message_log(console_csms, page):
    sim = await a_simulated_charger(console_csms)
    tag = await console_csms.an_id_tag()
    try:
        await login(page, console_csms, f"/console/charge-points/{sim.cp_id}")
        await expect(page.locator('[data-test="cp-online"]')).to_be_visible(timeout=TIMEOUT)

        await page.locator('button[data-cmd="remote-start"]').click()
        await field(page, "id_tag").fill(tag)
        await page.locator('[data-test="command-review"]').click()
        await expect(page.locator('[data-test="command-confirm"]')).to_contain_text(sim.cp_id)
        await page.locator('[data-test="command-send"]').click()
        await expect(page.locator('[data-test="command-status"]')).to_contain_text("Accepted", timeout=TIMEOUT)
        await page.locator('[data-test="command-close"]').click()

        session = page.locator('[data-session]').first          # the running transaction, pushed live
        await expect(session).to_be_visible(timeout=TIMEOUT)
        await expect(session).to_contain_text("kWh")
        await shot(page, "charge-point")

        async def meter_values_sent():          # the session has sent meter values before it is stopped
            status, frames = await console_csms.get(f"/api/v1/admin/charge-points/{sim.cp_id}/messages"
                                                    "?action=MeterValues")
            return status == 200 and frames
        await eventually(meter_values_sent, timeout=TIMEOUT / 1000, interval=0.2, what="a MeterValues frame")

        await page.locator('button[data-cmd="remote-stop"]').click()
        await page.locator('[data-test="command-review"]').click()
        await page.locator('[data-test="command-send"]').click()
        await expect(page.locator('[data-test="command-status"]')).to_contain_text("Accepted", timeout=TIMEOUT)
        await page.locator('[data-test="command-close"]').click()
        await expect(page.locator('[data-session]')).to_have_count(0, timeout=TIMEOUT)

        await page.get_by_role("tab", name="OCPP 报文").click()
        log = page.locator('[data-test="msg-table"]')
        for action in ("RemoteStartTransaction", "StartTransaction", "MeterValues", "RemoteStopTransaction",
                       "StopTransaction"):
            await expect(log.locator(f'[data-msg-action="{action}"]').first).to_be_visible(timeout=TIMEOUT)
        await page.locator('[data-test="msg-direction"]').click()
        await page.get_by_role("option", name="下行").click()
        # only frames the CSMS sent: its CALLs and its answers (the answer to StartTransaction included)
        await expect(log.locator(".el-tag").filter(has_text="上行")).to_have_count(0, timeout=TIMEOUT)
        await expect(log.locator('[data-msg-action="RemoteStopTransaction"]').first).to_be_visible()
        await expect(log.locator(".el-tag").filter(has_text="下行").first).to_be_visible()
        await shot(page, "messages")
    finally:
        await sim.close()


async def test_a_tariff_is_saved_and_the_servers_validation_error_shows_on_its_field(console_csms, page):
    station = await console_csms.a_station(name="电价测试站")
    await login(page, console_csms, f"/console/master/tariffs?station={station['id']}")
    editor = page.locator('[data-test="tariff-editor"]')
    await expect(editor).to_be_visible(timeout=TIMEOUT)

    # paint 18:00-20:00 valley over the default day (17:00-19:00 sharp, 19:00-22:00 peak)
    await page.locator('[data-test="tariff-brush"] label').filter(has_text="谷").click()
    await page.locator('[data-slot="36"]').hover()
    await page.mouse.down()
    await page.locator('[data-slot="39"]').hover()
    await page.mouse.up()
    await expect(page.locator('[data-slot="39"]')).to_have_class("slot period-valley")

    effective = page.locator('[data-error-field="effective_from"] input').first
    await effective.fill("2031-01-01 00:00:00")
    await effective.press("Enter")
    await page.locator('[data-test="tariff-save"]').click()
    await expect(page.locator('[data-test="tariff-saved"]')).to_be_visible(timeout=TIMEOUT)
    code, versions = await console_csms.get(f"/api/v1/admin/stations/{station['id']}/tariffs")
    assert code == 200 and len(versions) == 1
    segments = versions[0]["segments"]
    assert {"start": "17:00", "end": "18:00", "period": "sharp"} in segments
    assert {"start": "18:00", "end": "20:00", "period": "valley"} in segments
    assert {"start": "20:00", "end": "22:00", "period": "peak"} in segments
    assert versions[0]["prices"]["valley"] == {"energy_fen_per_kwh": 35, "service_fen_per_kwh": 40}

    # the same effective date again: the server refuses it, and says so under that field
    await effective.fill("2031-01-01 00:00:00")
    await effective.press("Enter")
    await page.locator('[data-test="tariff-save"]').click()
    error = page.locator('[data-error-field="effective_from"] .el-form-item__error')
    await expect(error).to_be_visible(timeout=TIMEOUT)
    await expect(error).to_contain_text("effective_from")
    code, versions = await console_csms.get(f"/api/v1/admin/stations/{station['id']}/tariffs")
    assert len(versions) == 1
    await shot(page, "tariffs")
