"""The mini-program's own services/ and pages, run by jest over real HTTP and WebSocket (a wx shim),
against this CSMS with its WeChat emulator and a simulated charge point: scan -> pay -> charge ->
stop -> bill (miniprogram/test/e2e/). Needs miniprogram/node_modules (`make test-miniprogram`
installs it; `make test` runs that first)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chargepoint_sim import ChargePoint16

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
JEST = MINIPROGRAM / "node_modules" / ".bin" / "jest"


def _require_node() -> None:
    if JEST.exists() and shutil.which("node"):
        return
    why = "miniprogram/node_modules missing (run make test-miniprogram) or node not installed"
    if os.environ.get("CSMS_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(why)
    pytest.skip(why)


async def test_the_miniprogram_drives_the_real_api(csms_with):
    _require_node()
    csms = await csms_with(**{"wechat.bill_template_id": "TPL-BILL-0001", "wechat.complete_template_id": "TPL-DONE-0001"})
    station = await csms.a_station(name="小程序测试站", timezone="Asia/Shanghai")
    since = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    status, body = await csms.put(f"/api/v1/admin/stations/{station['id']}/tariff", {
        "effective_from": since, "segments": [{"start": "00:00", "end": "24:00", "period": "flat"}],
        "prices": {"flat": {"energy_fen_per_kwh": 80, "service_fen_per_kwh": 40}}})
    assert status == 201, body
    await csms.a_charge_point("MP-E2E", station_id=station["id"])
    cp = ChargePoint16(url=csms.ocpp_url, cp_id="MP-E2E", connectors=3, meter_interval=0.3, time_scale=60,
                       max_power_w=60000, ramp_s=1)
    await cp.connect()
    try:
        env = {**os.environ, "CSMS_E2E_URL": csms.api_url,
               "CSMS_E2E_EMULATOR_URL": csms.container.wechat.emulator.url, "CSMS_E2E_CHARGE_POINT": "MP-E2E"}
        proc = await asyncio.create_subprocess_exec(
            str(JEST), "--runInBand", "test/e2e", cwd=MINIPROGRAM, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 240)
        text = out.decode(errors="replace")
    finally:
        await cp.close()
    assert proc.returncode == 0, text[-4000:]
    passed = re.search(r"Tests:\s+(?:\d+ skipped, )?(\d+) passed", text)
    assert passed and int(passed.group(1)) >= 9 and "skipped" not in text.split("Tests:")[-1].split("\n")[0], text[-2000:]
