"""B02.FR.09 (OCPP 2.0.1) and OCPP 1.6 4.2: while a charge point's BootNotification was answered Pending,
every CALL but BootNotification gets CALLERROR SecurityError, except what the CSMS asked it for."""

from __future__ import annotations

from tests.e2e.helpers import BOOT, a_time, answer

V201_BOOT = {"chargingStation": {"vendorName": "Acme", "model": "X2"}, "reason": "PowerUp"}


async def _pending(csms, open_client, protocol: str):
    client = await open_client(csms, protocol=protocol, boot=False)
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Pending"})
    boot = await client.result("BootNotification", BOOT if protocol == "ocpp1.6" else V201_BOOT)
    assert boot["status"] == "Pending"
    return client


def _refused(frame: list) -> bool:
    return frame[0] == 4 and frame[2] == "SecurityError"


async def test_B02_FR_09_pending_201_station_sends_only_boot_and_what_the_csms_asked_for(csms, open_client):
    client = await _pending(csms, open_client, "ocpp2.0.1")
    status = {"timestamp": a_time(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
    assert _refused(await client.call("StatusNotification", status))
    assert _refused(await client.call("Heartbeat", {}))
    report = {"requestId": 1, "generatedAt": a_time(), "seqNo": 0}
    assert _refused(await client.call("NotifyReport", report))      # nobody asked for a report yet

    # TriggerMessage: the message it asks for is admitted, nothing else
    frame, code, _ = await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/commands/"
                                                    "trigger-message", {"message": "StatusNotification",
                                                                        "connector_id": 1}), {"status": "Accepted"})
    assert code == 200
    assert frame[2:] == ["TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": 1}}]
    assert (await client.call("StatusNotification", status))[0] == 3
    assert _refused(await client.call("Heartbeat", {}))

    # GetBaseReport: its NotifyReport parts are admitted
    frame, code, body = await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/commands/"
                                                       "get-base-report", {"report_base": "FullInventory"}),
                                     {"status": "Accepted"})
    assert frame[2] == "GetBaseReport" and code == 200
    part = {"requestId": body["request_id"], "generatedAt": a_time(), "seqNo": 0, "tbc": False}
    reported = await client.call("NotifyReport", part)
    assert reported[0] == 3, reported

    # accepted at the next boot: everything is admitted again
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Accepted"})
    assert (await client.result("BootNotification", V201_BOOT))["status"] == "Accepted"
    assert (await client.call("Heartbeat", {}))[0] == 3


async def test_B02_FR_09_pending_16_charge_point_sends_only_boot_and_what_was_triggered(csms, open_client):
    client = await _pending(csms, open_client, "ocpp1.6")
    assert _refused(await client.call("Heartbeat", {}))
    assert _refused(await client.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                             "status": "Available"}))
    trigger = csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/commands/trigger-message",
                        {"message": "Heartbeat"})
    frame, code, _ = await answer(client, trigger, {"status": "Accepted"})
    assert frame[2:] == ["TriggerMessage", {"requestedMessage": "Heartbeat"}] and code == 200
    assert (await client.call("Heartbeat", {}))[0] == 3
    assert _refused(await client.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                             "status": "Available"}))
