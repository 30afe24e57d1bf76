"""Tolerant mode: a charge point known to break the spec is understood; strict ones are not."""

from __future__ import annotations

from tests.support.ocpp_client import RawClient
from tests.support.server import make_settings, start_csms, stop_csms

DEVIANT_STATUS = {"connectorId": "1", "errorCode": "Error", "status": "available",
                  "timestamp": "2026-01-01 08:00:00", "vendorTemperature": 41}


async def metric(csms, kind: str) -> float:
    _, text = await csms.get("/metrics", token=None)
    for line in text.splitlines():
        if line.startswith(f'csms_ocpp_deviations_total{{kind="{kind}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_strict_by_default_the_deviant_frame_is_refused(csms):
    await csms.a_charge_point("STRICT-1")
    client = await RawClient.open(csms.ocpp_url, "STRICT-1")
    try:
        answer = await client.call("StatusNotification", DEVIANT_STATUS)
        assert answer[0] == 4 and answer[2] in ("TypeConstraintViolation", "PropertyConstraintViolation",
                                                "FormationViolation")
        assert (await client.call("Heartbeat", {}))[0] == 3
    finally:
        await client.close()


async def test_a_tolerant_charge_point_has_its_deviations_repaired_and_counted(csms):
    await csms.a_charge_point("TOLERANT-1", tolerant=True)
    before = await metric(csms, "unknown_error_code")
    client = await RawClient.open(csms.ocpp_url, "TOLERANT-1")
    try:
        assert (await client.call("StatusNotification", DEVIANT_STATUS))[0] == 3
        tag = await csms.an_id_tag()
        start = await client.result("StartTransaction", {"connectorId": "1", "idTag": tag, "meterStart": "1000",
                                                         "timestamp": "2026-01-01T08:01:00"})
        stop = await client.call("StopTransaction", {"transactionId": str(start["transactionId"]),
                                                     "meterStop": 4000.0, "timestamp": "2026-01-01T08:31:00+0800"})
        assert stop[0] == 3
        # a violation that is not a known deviation is still refused
        missing = await client.call("StartTransaction", {"connectorId": 1, "idTag": tag,
                                                         "timestamp": "2026-01-01T09:00:00Z"})
        assert missing[:3] == [4, missing[1], "ProtocolError"]
    finally:
        await client.close()
    _, cp = await csms.get("/api/v1/admin/charge-points/TOLERANT-1")
    assert cp["tolerant"] is True
    assert cp["connectors"][0]["status"] == "Available" and cp["connectors"][0]["error_code"] == "OtherError"
    assert cp["connectors"][0]["vendor_error_code"] == "Error"
    _, tx = await csms.get(f"/api/v1/admin/transactions/{start['transactionId']}")
    assert (tx["meter_start_wh"], tx["energy_wh"], tx["started_at"]) == (1000, 3000, "2026-01-01T08:01:00.000Z")
    assert tx["stopped_at"] == "2026-01-01T00:31:00.000Z"        # +0800 understood, stored in UTC
    assert await metric(csms, "unknown_error_code") == before + 1


async def test_tolerant_by_vendor_setting(tmp_path):
    server = await start_csms(make_settings(tmp_path, **{"ocpp.tolerant_models": "QuirkyCo/Q1, OtherVendor"}))
    try:
        await server.a_charge_point("QUIRKY-1")
        client = await RawClient.open(server.ocpp_url, "QUIRKY-1")
        try:
            boot = await client.result("BootNotification", {"chargePointVendor": "QuirkyCo", "chargePointModel": "Q1",
                                                            "firmwareVersion": 12})
            assert boot["status"] == "Accepted"
            assert (await client.call("StatusNotification", DEVIANT_STATUS))[0] == 3
        finally:
            await client.close()
        _, cp = await server.get("/api/v1/admin/charge-points/QUIRKY-1")
        assert cp["firmware_version"] == "12" and cp["tolerant"] is False
    finally:
        await stop_csms(server)


async def test_switching_tolerant_mode_on_over_the_api(csms):
    await csms.a_charge_point("SWITCH-1")
    status, cp = await csms.patch("/api/v1/admin/charge-points/SWITCH-1", {"tolerant": True})
    assert status == 200 and cp["tolerant"] is True
    client = await RawClient.open(csms.ocpp_url, "SWITCH-1")
    try:
        assert (await client.call("StatusNotification", DEVIANT_STATUS))[0] == 3
    finally:
        await client.close()
