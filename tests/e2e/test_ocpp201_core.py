"""OCPP 2.0.1 core over real sockets: inbound B/C/G/J/P actions and the typed commands, whose bodies
are the same as for 1.6 (the exact 2.0.1 frame the station receives is checked)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.ocpp_client import RawClient

V201 = "ocpp2.0.1"
T = "2026-06-01T08:00:00Z"


@pytest.fixture
async def station(csms):
    await csms.a_charge_point("C201")
    client = await RawClient.open(csms.ocpp_url, "C201", protocol=V201)
    boot = await client.result("BootNotification", {"reason": "PowerUp", "chargingStation": {
        "model": "M2", "vendorName": "V2", "serialNumber": "SN-9", "firmwareVersion": "2.0.0"}})
    assert boot["status"] == "Accepted" and boot["interval"] > 0
    yield client
    await client.close()


async def command(csms, client, name: str, body: dict, reply: dict):
    """POST a typed command, answer the CALL it causes; returns (frame received, status, body)."""
    request = asyncio.create_task(csms.post(f"/api/v1/admin/charge-points/C201/commands/{name}", body))
    call = await client.next_call()
    await client.reply(call, reply)
    status, result = await request
    return call, status, result


async def test_TC_B_01_boot_is_stored_and_heartbeat_answers(csms, station):
    hb = await station.result("Heartbeat", {})
    assert hb["currentTime"].endswith("Z")
    _, cp = await csms.get("/api/v1/admin/charge-points/C201")
    assert (cp["vendor"], cp["model"], cp["serial_number"], cp["firmware_version"], cp["protocol"], cp["online"]) == \
        ("V2", "M2", "SN-9", "2.0.0", V201, True)


async def test_TC_G_01_status_notification_per_evse_and_connector(csms, station):
    for evse, status in ((1, "Available"), (2, "Occupied")):
        await station.result("StatusNotification", {"timestamp": T, "connectorStatus": status, "evseId": evse,
                                                    "connectorId": 1})
    _, cp = await csms.get("/api/v1/admin/charge-points/C201")
    assert [(c["evse_id"], c["connector_id"], c["status"]) for c in cp["connectors"]] == \
        [(1, 1, "Available"), (2, 1, "Occupied")]


async def test_TC_C_authorize_known_unknown_blocked(csms, station):
    ok = await csms.an_id_tag(group_id="FLEET-1")
    blocked = await csms.an_id_tag(status="Blocked")
    answers = [await station.result("Authorize", {"idToken": {"idToken": t, "type": "ISO14443"}})
               for t in (ok, "NEVER-SEEN", blocked)]
    assert [a["idTokenInfo"]["status"] for a in answers] == ["Accepted", "Unknown", "Blocked"]
    assert answers[0]["idTokenInfo"]["groupIdToken"] == {"idToken": "FLEET-1", "type": "Central"}


async def test_TC_J_meter_values_with_multiplier_are_stored_in_wh(csms, station):
    await station.result("TransactionEvent", {
        "eventType": "Started", "timestamp": T, "triggerReason": "CablePluggedIn", "seqNo": 0,
        "transactionInfo": {"transactionId": "mv-1"}, "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": T, "sampledValue": [
            {"value": 1.5, "context": "Transaction.Begin", "unitOfMeasure": {"unit": "kWh", "multiplier": 1}}]}]})
    await station.result("MeterValues", {"evseId": 1, "meterValue": [{"timestamp": T, "sampledValue": [
        {"value": 7.2, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "kW"}}]}]})
    _, txs = await csms.get("/api/v1/admin/transactions?charge_point_id=C201")
    assert txs[0]["meter_start_wh"] == 15000           # 1.5 kWh x 10^1


async def test_TC_P_data_transfer_unknown_vendor(station):
    answer = await station.result("DataTransfer", {"vendorId": "com.example.unknown", "messageId": "x"})
    assert answer["status"] == "UnknownVendorId"


@pytest.mark.parametrize("name, body, action, payload, reply, result", [
    ("reset", {"type": "Hard"}, "Reset", {"type": "Immediate"}, {"status": "Accepted"}, {"status": "Accepted"}),
    ("reset", {}, "Reset", {"type": "OnIdle"}, {"status": "Scheduled"}, {"status": "Scheduled"}),
    ("unlock", {"connector_id": 2}, "UnlockConnector", {"evseId": 2, "connectorId": 1}, {"status": "Unlocked"},
     {"status": "Unlocked", "ocpp_status": "Unlocked"}),
    ("change-availability", {"connector_id": 1, "operative": False}, "ChangeAvailability",
     {"operationalStatus": "Inoperative", "evse": {"id": 1}}, {"status": "Scheduled"}, {"status": "Scheduled"}),
    ("change-availability", {"type": "Operative"}, "ChangeAvailability", {"operationalStatus": "Operative"},
     {"status": "Accepted"}, {"status": "Accepted"}),
    ("trigger-message", {"message": "StatusNotification", "connector_id": 1}, "TriggerMessage",
     {"requestedMessage": "StatusNotification", "evse": {"id": 1}}, {"status": "Accepted"}, {"status": "Accepted"}),
    ("trigger-message", {"message": "DiagnosticsStatusNotification"}, "TriggerMessage",
     {"requestedMessage": "LogStatusNotification"}, {"status": "Accepted"}, {"status": "Accepted"}),
    ("clear-cache", {}, "ClearCache", {}, {"status": "Rejected"}, {"status": "Rejected"}),
    ("data-transfer", {"vendor_id": "com.acme", "message_id": "ping", "data": "1"}, "DataTransfer",
     {"vendorId": "com.acme", "messageId": "ping", "data": "1"}, {"status": "Accepted", "data": "pong"},
     {"status": "Accepted", "data": "pong"}),
    ("change-configuration", {"key": "HeartbeatInterval", "value": "60"}, "SetVariables",
     {"setVariableData": [{"attributeValue": "60", "component": {"name": "OCPPCommCtrlr"},
                           "variable": {"name": "HeartbeatInterval"}}]},
     {"setVariableResult": [{"attributeStatus": "RebootRequired", "component": {"name": "OCPPCommCtrlr"},
                             "variable": {"name": "HeartbeatInterval"}}]},
     {"status": "RebootRequired", "ocpp_status": "RebootRequired"}),
    ("get-configuration", {"keys": ["HeartbeatInterval", "EVSE.Power.2"]}, "GetVariables",
     {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                          {"component": {"name": "EVSE"}, "variable": {"name": "Power", "instance": "2"}}]},
     {"getVariableResult": [
         {"attributeStatus": "Accepted", "attributeValue": "300", "component": {"name": "OCPPCommCtrlr"},
          "variable": {"name": "HeartbeatInterval"}},
         {"attributeStatus": "UnknownVariable", "component": {"name": "EVSE"},
          "variable": {"name": "Power", "instance": "2"}}]},
     {"status": "Accepted", "configuration": [{"key": "HeartbeatInterval", "value": "300", "readonly": None}],
      "unknown_keys": ["EVSE.Power.2"]}),
    ("get-configuration", {}, "GetBaseReport", None, {"status": "Accepted"},
     {"status": "Accepted", "configuration": [], "unknown_keys": [], "report": "requested"}),
])
async def test_typed_commands_send_the_201_frame(csms, station, name, body, action, payload, reply, result):
    call, status, answer = await command(csms, station, name, body, reply)
    assert call[2] == action
    if payload is not None:
        assert call[3] == payload
    assert (status, answer) == (200, result)


async def test_TC_F_remote_stop_sends_the_stations_transaction_id(csms, station):
    await station.result("TransactionEvent", {
        "eventType": "Started", "timestamp": T, "triggerReason": "Authorized", "seqNo": 0,
        "transactionInfo": {"transactionId": "stop-me"}, "evse": {"id": 1, "connectorId": 1}})
    _, txs = await csms.get("/api/v1/admin/transactions?charge_point_id=C201&status=Active")
    call, status, answer = await command(csms, station, "remote-stop", {"transaction_id": txs[0]["id"]},
                                         {"status": "Accepted"})
    assert (call[2], call[3], status, answer) == ("RequestStopTransaction", {"transactionId": "stop-me"}, 200,
                                                  {"status": "Accepted"})


async def test_a_16_payload_sent_raw_to_a_201_station_is_400(csms, station):
    status, body = await csms.post("/api/v1/admin/charge-points/C201/calls/RemoteStartTransaction", {"idTag": "X"})
    assert status == 400 and body["error"]["code"] == "unknown_action"
    status, body = await csms.post("/api/v1/admin/charge-points/C201/calls/Reset", {"type": "Hard"})
    assert status == 400 and body["error"]["code"] == "invalid_payload"
