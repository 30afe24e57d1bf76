"""Secrets over a whole run (issue 16 item 9): an operator logs in (once with a wrong password), a charge
point with a password boots and has its password rotated, a driver logs in through WeChat, binds a phone,
tops up (WeChat Pay signs and encrypts the notification) and refreshes its token. Then everything an
operator or a log shipper can read is scanned: every log line (DEBUG, every library), /metrics, the OCPP
message log, the audit log and the error bodies. No password, token, key or full phone number is in any
of them. (Phone numbers encrypted at rest: tests/unit/csms/services/test_pii.py and test_driver_accounts.)"""

from __future__ import annotations

import base64
from pathlib import Path

from tests.e2e.helpers import BOOT, answer, new_id
from tests.e2e.test_logs import logged  # noqa: F401  (the fixture: a CSMS whose every log line is captured)
from tests.support.driver import Driver
from tests.support.ocpp_client import RawClient
from tests.support.server import ADMIN


async def test_no_secret_in_logs_metrics_message_log_audit_or_errors(logged):  # noqa: F811
    csms, stream = logged
    readable = []
    status, body = await csms.post("/api/v1/auth/login", {"username": ADMIN[0], "password": ADMIN[1] + "x"}, token=None)
    assert status == 401
    readable.append(str(body))
    cp_password = "cp-Pa55word-not-for-logs"
    cp = await csms.a_charge_point(new_id("SEC"), password=cp_password, security_profile=1)
    client = await RawClient.open(csms.ocpp_url, cp["id"], password=cp_password)
    try:
        await client.result("BootNotification", BOOT)
        _, status, rotated = await answer(
            client, csms.post(f"/api/v1/admin/charge-points/{cp['id']}/commands/rotate-password", {}),
            {"status": "Accepted"})
        assert status == 200
        new_password = rotated["password"]
    finally:
        await client.close()
    wrong = await RawClient.open(csms.ocpp_url, cp["id"], password=new_password)
    await wrong.close()
    driver = Driver(csms, "secret-alice")
    await driver.login()
    phone = "13912345678"
    status, _ = await driver.post("/api/v1/driver/me/phone", {"code": csms.container.wechat.emulator.phone_code(phone)})
    assert status == 200
    await driver.topup(3000)
    status, refreshed = await csms.post("/api/v1/driver/auth/refresh",
                                        {"refresh_token": driver.tokens["refresh_token"]}, token=None)
    assert status == 200
    status, body = await csms.post("/api/v1/driver/auth/refresh", {"refresh_token": driver.tokens["refresh_token"]},
                                   token=None)
    assert status == 401
    readable.append(str(body))

    for path in (f"/api/v1/admin/charge-points/{cp['id']}/messages?limit=500", "/api/v1/admin/audit?limit=500",
                 "/metrics"):
        status, body = await csms.get(path)
        assert status == 200, path
        readable.append(str(body))
    settings = csms.container.settings
    keys = csms.container.wechat.emulator.keys
    secrets = {
        "admin password": ADMIN[1], "operator token": csms.token, "charge point password": cp_password,
        "rotated charge point password": new_password,
        "basic credentials": base64.b64encode(f"{cp['id']}:{cp_password}".encode()).decode(),
        "driver access token": driver.tokens["access_token"], "driver refresh token": driver.tokens["refresh_token"],
        "rotated refresh token": refreshed["refresh_token"], "driver signing key": driver.tokens["sign_key"],
        "jwt secret": settings.api.jwt_secret, "pii key": Path(settings.data_dir / "pii_key").read_text().strip(),
        "apiv3 key": keys.apiv3_key, "merchant private key": keys.merchant_key_pem.strip().splitlines()[1],
        "phone number": phone,
    }
    where = {"logs": stream.getvalue(), "operator-readable answers": "\n".join(readable)}
    assert len(where["logs"].splitlines()) > 50
    leaked = {(name, place) for name, value in secrets.items() for place, text in where.items() if value in text}
    assert not leaked, f"secrets found: {sorted(leaked)}"
