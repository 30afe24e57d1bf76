"""Logs an operator can ship to ELK / Loki: one JSON object per line, with the charge point, the
OCPP message id and action, the request id (echoed as X-Request-Id) and the caller; and no secret in
any line, even at DEBUG for every library, through a whole run (operator login, a charge point with
a password, a driver's login, phone binding and top-up, a remote command)."""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path

import pytest

from csms import logging_setup
from csms.settings import LogSettings, secret_values
from tests.e2e.helpers import BOOT, answer, new_id
from tests.support.driver import Driver
from tests.support.ocpp_client import RawClient
from tests.support.server import ADMIN, make_settings, start_csms, stop_csms

NOISY = ("websockets", "aiohttp", "sqlalchemy", "apscheduler", "alembic", "asyncio", "aiosqlite")


@pytest.fixture
async def logged(tmp_path):
    """A CSMS whose every log record (DEBUG, all loggers) is captured as JSON lines."""
    stream = io.StringIO()
    settings = make_settings(tmp_path)
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in NOISY}
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.NOTSET)
    handler = logging_setup.configure(LogSettings(level="DEBUG", json=True, levels=""), secret_values(settings),
                                      stream=stream)
    server = await start_csms(settings)
    try:
        yield server, stream
    finally:
        await stop_csms(server)
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_line_is_one_json_object_with_the_context_of_its_request_and_frame(logged):
    csms, stream = logged
    cp_id = (await csms.a_charge_point())["id"]
    client = await RawClient.open(csms.ocpp_url, cp_id)
    try:
        await client.result("BootNotification", BOOT)
        _, status, _ = await answer(client, csms.post(
            f"/api/v1/admin/charge-points/{cp_id}/commands/get-configuration", {},
            headers={"X-Request-Id": "rid-ops-42"}), {"configurationKey": []})
    finally:
        await client.close()
    assert status == 200
    records = lines(stream)         # every line parsed as JSON: nothing else was written

    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    of_request = [r for r in records if r.get("request_id") == "rid-ops-42"]
    access = [r for r in of_request if r["logger"] == "csms.access"]
    assert len(access) == 1 and access[0]["status"] == 200 and access[0]["method"] == "POST"
    assert access[0]["actor"].startswith("operator:") and access[0]["duration_ms"] >= 0
    call = [r for r in of_request if r.get("ocpp_action") == "GetConfiguration"]
    assert call and call[0]["charge_point_id"] == cp_id and call[0]["ocpp_message_id"]
    boot = [r for r in records if r.get("ocpp_action") == "BootNotification"]
    assert boot and all(r["charge_point_id"] == cp_id and r["ocpp_message_id"] for r in boot)
    assert not any("request_id" in r for r in boot)       # a charge point's frame is no API request


async def test_the_request_id_is_echoed_or_generated_on_every_response(logged):
    csms, _ = logged
    async with csms.http.get(csms.api_url + "/healthz", headers={"X-Request-Id": "given-1"}) as resp:
        assert resp.headers["X-Request-Id"] == "given-1"
    async with csms.http.get(csms.api_url + "/api/v1/admin/stations") as resp:       # 401: errors too
        assert resp.status == 401 and len(resp.headers["X-Request-Id"]) == 32
    async with csms.http.get(csms.api_url + "/nowhere", headers={"X-Request-Id": "bad id\twith space"}) as resp:
        assert resp.status == 404 and resp.headers["X-Request-Id"] != "bad id\twith space"


async def test_no_secret_reaches_a_log_line(logged, tmp_path):
    csms, stream = logged
    cp_password = "cp-Pa55word-not-for-logs"
    cp = await csms.a_charge_point(new_id(), password=cp_password, security_profile=1)
    client = await RawClient.open(csms.ocpp_url, cp["id"], password=cp_password)
    try:
        await client.result("BootNotification", BOOT)
        await answer(client, csms.post(f"/api/v1/admin/charge-points/{cp['id']}/commands/get-configuration", {}),
                     {"configurationKey": []})
    finally:
        await client.close()
    driver = Driver(csms, "alice")
    await driver.login()
    phone = "13912345678"
    status, _ = await driver.post("/api/v1/driver/me/phone", {"code": csms.container.wechat.emulator.phone_code(phone)})
    assert status == 200
    await driver.topup(3000)
    status, refreshed = await csms.post("/api/v1/driver/auth/refresh",
                                        {"refresh_token": driver.tokens["refresh_token"]}, token=None)
    assert status == 200, refreshed
    settings = csms.container.settings
    keys = csms.container.wechat.emulator.keys
    secrets = {
        "admin password": ADMIN[1],
        "operator token": csms.token,
        "charge point password": cp_password,
        "basic credentials": base64.b64encode(f"{cp['id']}:{cp_password}".encode()).decode(),
        "driver access token": driver.tokens["access_token"],
        "driver refresh token": driver.tokens["refresh_token"],
        "rotated refresh token": refreshed["refresh_token"],
        "driver signing key": driver.tokens["sign_key"],
        "jwt secret": settings.api.jwt_secret,
        "pii key": Path(settings.data_dir / "pii_key").read_text().strip(),
        "apiv3 key": keys.apiv3_key,
        "merchant private key": keys.merchant_key_pem.strip().splitlines()[1],
        "phone number": phone,
    }
    text = stream.getvalue()
    assert len(text.splitlines()) > 50 and '"level": "DEBUG"' in text       # DEBUG really was on

    leaked = {name for name, value in secrets.items() if value in text}
    assert not leaked, f"secrets in the logs: {sorted(leaked)}"
    assert "139****5678" in text or "phone" not in text      # a phone, when logged at all, is masked
