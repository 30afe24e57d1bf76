"""Commands from the REST API to a connected charge point, over a real socket: the exact OCPP 1.6
frame the charge point receives, and what the API answers for each way the charge point reacts."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.helpers import BOOT, a_time, answer, eventually, new_id, no_frame
from tests.support.ocpp_client import RawClient

# Every test here brings its own charge points and looks at nothing server-wide: one server for the
# module, and the tests run in the module's event loop (see shared_csms in conftest.py).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


def _commands(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


def _calls(cp_id: str, action: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/calls/{action}"


async def _tx(csms, tx_id: int) -> dict:
    code, body = await csms.get(f"/api/v1/admin/transactions/{tx_id}")
    assert code == 200, body
    return body


def _remote_started(body: dict, status: str) -> bool:
    """A remote-start result: the charge point's verdict and the id that correlates the transaction."""
    return set(body) == {"status", "remote_start_id"} and body["status"] == status \
        and isinstance(body["remote_start_id"], int)


async def _status(client, connector: int, status: str) -> None:
    assert await client.result("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                                      "status": status}) == {}


# -- the raw CALL -----------------------------------------------------------------------------------

async def test_raw_call_round_trip(csms, open_client):
    client = await open_client(csms)
    reply = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
             "unknownKey": ["NoSuchKey"]}
    frame, status, body = await answer(
        client, csms.post(_calls(client.cp_id, "GetConfiguration"), {"key": ["HeartbeatInterval", "NoSuchKey"]}),
        reply)
    assert frame[0] == 2 and isinstance(frame[1], str) and frame[1]
    assert frame[2:] == ["GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]}]
    assert (status, body) == (200, {"response": reply})


async def test_raw_call_with_an_invalid_payload_is_400_and_nothing_is_sent(csms, open_client):
    client = await open_client(csms)
    for payload in ({"type": "Sideways"}, {}, {"type": "Hard", "extra": 1}, {"type": 1}):
        status, body = await csms.post(_calls(client.cp_id, "Reset"), payload)
        assert status == 400, (payload, body)
        assert body["error"]["code"] == "invalid_payload" and body["error"]["message"]
    # the first CALL the charge point sees is the valid one that follows
    frame, status, _ = await answer(client, csms.post(_calls(client.cp_id, "Reset"), {"type": "Soft"}),
                                    {"status": "Accepted"})
    assert frame[2:] == ["Reset", {"type": "Soft"}] and status == 200


@pytest.mark.parametrize("action", ["FlyToTheMoon", "reset", "Reset!", "X", "Heartbeat", "StartTransaction"])
async def test_raw_call_of_an_unknown_action_is_400(csms, open_client, action):
    client = await open_client(csms)
    status, body = await csms.post(_calls(client.cp_id, action), {})
    assert status == 400 and body["error"]["code"] == "unknown_action", body
    await no_frame(client, 0.05)


async def test_raw_call_to_an_offline_charge_point_is_409(csms):
    cp_id = (await csms.a_charge_point())["id"]
    status, body = await csms.post(_calls(cp_id, "ClearCache"), {})
    assert status == 409 and body["error"]["code"] == "charge_point_offline"
    status, body = await csms.post(_commands(cp_id, "clear-cache"), {})
    assert status == 409 and body["error"]["code"] == "charge_point_offline"


async def test_raw_call_to_an_unknown_charge_point_is_404(csms):
    status, body = await csms.post(_calls("NOBODY-HERE", "ClearCache"), {})
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_callerror_from_the_charge_point_is_502_with_its_code(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_calls(client.cp_id, "ClearCache"), {}),
        [4, "{id}", "NotSupported", "no cache here", {"hint": "none"}])
    assert frame[2] == "ClearCache"
    assert status == 502
    assert body["error"]["code"] == "NotSupported"
    assert body["error"]["ocpp_code"] == "NotSupported"
    assert "no cache here" in body["error"]["message"]
    assert body["error"]["details"] == {"hint": "none"}


async def test_invalid_response_from_the_charge_point_is_502(csms, open_client):
    client = await open_client(csms)
    _, status, body = await answer(client, csms.post(_commands(client.cp_id, "clear-cache"), {}),
                                   {"status": "Perhaps"})
    assert status == 502 and body["error"]["code"] == "PropertyConstraintViolation", body


@pytest.mark.asyncio(loop_scope="function")
async def test_no_answer_is_504_and_a_late_answer_is_ignored(csms_with):
    csms = await csms_with(**{"ocpp.call_timeout": 0.5})
    await csms.a_charge_point("CP-SILENT")
    client = await RawClient.open(csms.ocpp_url, "CP-SILENT")
    client.cp_id = "CP-SILENT"
    await client.result("BootNotification", BOOT)
    task = asyncio.ensure_future(csms.post(_calls(client.cp_id, "ClearCache"), {}))
    unanswered = await client.next_call()
    status, body = await asyncio.wait_for(task, 5)
    assert status == 504 and body["error"]["code"] == "timeout", body
    await client.reply(unanswered, {"status": "Accepted"})        # too late: dropped
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "clear-cache"), {}),
                                       {"status": "Rejected"})
    assert frame[1] != unanswered[1]
    assert (status, body) == (200, {"status": "Rejected"})
    await client.close()


async def test_one_outstanding_call_at_a_time(csms, open_client):
    client = await open_client(csms)
    first = asyncio.ensure_future(csms.post(_commands(client.cp_id, "clear-cache"), {}))
    second = asyncio.ensure_future(csms.post(_commands(client.cp_id, "reset"), {"type": "Hard"}))
    call_1 = await client.next_call()
    await no_frame(client, 0.2)                 # the second waits for the first to be answered
    await client.reply(call_1, {"status": "Accepted"})
    call_2 = await client.next_call()
    await client.reply(call_2, {"status": "Rejected"})
    assert {call_1[2], call_2[2]} == {"ClearCache", "Reset"}
    verdict = {call_1[2]: "Accepted", call_2[2]: "Rejected"}
    assert await first == (200, {"status": verdict["ClearCache"]})
    assert await second == (200, {"status": verdict["Reset"]})


async def test_disconnect_while_waiting_fails_the_command(csms, open_client):
    client = await open_client(csms)
    task = asyncio.ensure_future(csms.post(_commands(client.cp_id, "reset"), {"type": "Hard"}))
    await client.next_call()
    await client.close()
    status, body = await asyncio.wait_for(task, 5)
    assert status == 504, body


# -- typed commands, named after the conformance cases ---------------------------------------------

async def test_TC_010_remote_start_cable_plugged_in_first(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    await _status(client, 1, "Preparing")
    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "remote-start"), {"id_tag": tag, "connector_id": 1}),
        {"status": "Accepted"})
    assert frame[2:] == ["RemoteStartTransaction", {"idTag": tag, "connectorId": 1}]
    assert status == 200 and _remote_started(body, "Accepted")
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time()})
    assert start["idTagInfo"]["status"] == "Accepted"
    await _status(client, 1, "Charging")
    tx = await _tx(csms, start["transactionId"])
    assert (tx["status"], tx["id_tag"], tx["connector_id"]) == ("Active", tag, 1)


async def test_TC_011_remote_start_remote_stop(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "remote-start"), {"id_tag": tag}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["RemoteStartTransaction", {"idTag": tag}]       # no connector: the charge point chooses
    assert status == 200 and _remote_started(body, "Accepted")
    await _status(client, 1, "Preparing")
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 10,
                                                     "timestamp": a_time(0)})
    tx_id = start["transactionId"]
    await _status(client, 1, "Charging")

    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "remote-stop"),
                                                         {"transaction_id": tx_id}), {"status": "Accepted"})
    assert frame[2:] == ["RemoteStopTransaction", {"transactionId": tx_id}]
    assert (status, body) == (200, {"status": "Accepted"})
    await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 510, "timestamp": a_time(9),
                                            "reason": "Remote"})
    await _status(client, 1, "Finishing")
    tx = await _tx(csms, tx_id)
    assert (tx["status"], tx["stop_reason"], tx["energy_wh"]) == ("Completed", "Remote", 500)


async def test_remote_start_with_charging_profile(csms, open_client):
    client = await open_client(csms)
    profile = {"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
               "chargingProfileKind": "Relative",
               "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                                          "limit": 16.0}]}}
    frame, status, _ = await answer(
        client, csms.post(_commands(client.cp_id, "remote-start"),
                          {"id_tag": "TAG-1", "connector_id": 2, "charging_profile": profile}),
        {"status": "Accepted"})
    assert frame[2:] == ["RemoteStartTransaction", {"idTag": "TAG-1", "connectorId": 2, "chargingProfile": profile}]
    assert status == 200


async def test_TC_026_remote_start_rejected(csms, open_client):
    client = await open_client(csms)
    _, status, body = await answer(client, csms.post(_commands(client.cp_id, "remote-start"),
                                                     {"id_tag": "TAG-1", "connector_id": 1}), {"status": "Rejected"})
    assert status == 200 and _remote_started(body, "Rejected")


async def test_TC_028_remote_stop_rejected(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time()})
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "remote-stop"),
                                                         {"transaction_id": start["transactionId"]}),
                                       {"status": "Rejected"})
    assert frame[2:] == ["RemoteStopTransaction", {"transactionId": start["transactionId"]}]
    assert (status, body) == (200, {"status": "Rejected"})
    assert (await _tx(csms, start["transactionId"]))["status"] == "Active"


async def test_remote_stop_of_an_unknown_transaction_is_404(csms, open_client):
    client = await open_client(csms)
    other = await open_client(csms)
    tag = await csms.an_id_tag()
    theirs = await other.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time()})
    for tx_id in (999_999, theirs["transactionId"]):
        status, body = await csms.post(_commands(client.cp_id, "remote-stop"), {"transaction_id": tx_id})
        assert status == 404 and body["error"]["code"] == "not_found", body
    await no_frame(client, 0.05)
    await no_frame(other, 0.05)


async def test_TC_013_hard_reset(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "reset"), {"type": "Hard"}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["Reset", {"type": "Hard"}]
    assert (status, body) == (200, {"status": "Accepted"})
    # the charge point reboots: a new connection and a new boot
    await client.close()
    again = await open_client(csms, client.cp_id, register=False)
    _code, cp = await csms.get(f"/api/v1/admin/charge-points/{again.cp_id}")
    assert cp["online"] is True


async def test_TC_014_soft_reset_is_the_default(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "reset"), {}),
                                       {"status": "Rejected"})
    assert frame[2:] == ["Reset", {"type": "Soft"}]
    assert (status, body) == (200, {"status": "Rejected"})


@pytest.mark.parametrize("outcome", ["Unlocked", "UnlockFailed", "NotSupported"],
                         ids=["TC_017_unlocked", "TC_030_unlock_failed", "TC_031_unknown_connector"])
async def test_unlock_connector(csms, open_client, outcome):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "unlock"), {"connector_id": 1}),
                                       {"status": outcome})
    assert frame[2:] == ["UnlockConnector", {"connectorId": 1}]
    assert (status, body) == (200, {"status": outcome})


async def test_unlock_connector_0_is_400(csms, open_client):
    client = await open_client(csms)
    status, body = await csms.post(_commands(client.cp_id, "unlock"), {"connector_id": 0})
    assert status == 400 and body["error"]["code"] == "validation_error"
    await no_frame(client, 0.05)


async def test_TC_040_change_availability(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "change-availability"), {"connector_id": 0, "operative": False}),
        {"status": "Accepted"})
    assert frame[2:] == ["ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}]
    assert (status, body) == (200, {"status": "Accepted"})
    await _status(client, 0, "Unavailable")
    await _status(client, 1, "Unavailable")
    _code, cp = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}")
    assert cp["status"] == "Unavailable" and cp["connectors"][0]["status"] == "Unavailable"

    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "change-availability"), {"connector_id": 1, "type": "Operative"}),
        {"status": "Scheduled"})
    assert frame[2:] == ["ChangeAvailability", {"connectorId": 1, "type": "Operative"}]
    assert (status, body) == (200, {"status": "Scheduled"})

    # the whole charge point when no connector is given
    frame, _, _ = await answer(client, csms.post(_commands(client.cp_id, "change-availability"),
                                                 {"operative": True}), {"status": "Accepted"})
    assert frame[2:] == ["ChangeAvailability", {"connectorId": 0, "type": "Operative"}]

    status, body = await csms.post(_commands(client.cp_id, "change-availability"), {"connector_id": 1})
    assert status == 400 and body["error"]["code"] == "validation_error"


async def test_TC_019_1_retrieve_all_configuration_keys(csms, open_client):
    client = await open_client(csms)
    reply = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                                  {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
                                  {"key": "AuthorizationKey", "readonly": False}]}
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "get-configuration"), {}), reply)
    assert frame[2:] == ["GetConfiguration", {}]
    assert status == 200
    assert body == {"status": "Accepted", "unknown_keys": [], "configuration": [
        {"key": "HeartbeatInterval", "value": "300", "readonly": False},
        {"key": "NumberOfConnectors", "value": "2", "readonly": True},
        {"key": "AuthorizationKey", "value": None, "readonly": False}]}


async def test_TC_019_2_retrieve_specific_configuration_key(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "get-configuration"), {"keys": ["MeterValueSampleInterval", "Nope"]}),
        {"configurationKey": [{"key": "MeterValueSampleInterval", "readonly": False, "value": "60"}],
         "unknownKey": ["Nope"]})
    assert frame[2:] == ["GetConfiguration", {"key": ["MeterValueSampleInterval", "Nope"]}]
    assert (status, body["configuration"], body["unknown_keys"]) == \
        (200, [{"key": "MeterValueSampleInterval", "value": "60", "readonly": False}], ["Nope"])


@pytest.mark.parametrize("outcome", ["Accepted", "Rejected", "RebootRequired", "NotSupported"])
async def test_TC_021_change_configuration(csms, open_client, outcome):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "change-configuration"),
                          {"key": "MeterValueSampleInterval", "value": "60"}), {"status": outcome})
    assert frame[2:] == ["ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"}]
    assert (status, body) == (200, {"status": outcome})


async def test_change_configuration_needs_key_and_value(csms, open_client):
    client = await open_client(csms)
    for payload in ({"key": "HeartbeatInterval"}, {"value": "60"}, {"key": "", "value": "1"},
                    {"key": "k" * 51, "value": "1"}, {"key": "HeartbeatInterval", "value": 60}):
        status, body = await csms.post(_commands(client.cp_id, "change-configuration"), payload)
        assert status == 400 and body["error"]["code"] == "validation_error", (payload, body)
    await no_frame(client, 0.05)


async def test_TC_054_trigger_message(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "trigger-message"),
                                                         {"message": "Heartbeat"}), {"status": "Accepted"})
    assert frame[2:] == ["TriggerMessage", {"requestedMessage": "Heartbeat"}]
    assert (status, body) == (200, {"status": "Accepted"})
    assert (await client.call("Heartbeat", {}))[0] == 3      # the triggered message is answered

    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "trigger-message"),
                                                         {"message": "StatusNotification", "connector_id": 1}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}]
    await _status(client, 1, "Available")

    _, status, body = await answer(client, csms.post(_commands(client.cp_id, "trigger-message"),
                                                     {"message": "MeterValues", "connector_id": 3}),
                                   {"status": "Rejected"})
    assert (status, body) == (200, {"status": "Rejected"})
    status, body = await csms.post(_commands(client.cp_id, "trigger-message"), {"message": "Authorize"})
    assert status == 400 and body["error"]["code"] == "validation_error"


async def test_clear_cache(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "clear-cache"), {}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["ClearCache", {}]
    assert (status, body) == (200, {"status": "Accepted"})


async def test_data_transfer(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_commands(client.cp_id, "data-transfer"),
                          {"vendor_id": "com.acme", "message_id": "ping", "data": "{\"n\": 1}"}),
        {"status": "Accepted", "data": "pong"})
    assert frame[2:] == ["DataTransfer", {"vendorId": "com.acme", "messageId": "ping", "data": "{\"n\": 1}"}]
    assert (status, body) == (200, {"status": "Accepted", "data": "pong"})

    frame, status, body = await answer(client, csms.post(_commands(client.cp_id, "data-transfer"),
                                                         {"vendor_id": "com.other"}), {"status": "UnknownVendorId"})
    assert frame[2:] == ["DataTransfer", {"vendorId": "com.other"}]
    assert (status, body) == (200, {"status": "UnknownVendorId"})


@pytest.mark.parametrize("name, payload", [
    ("remote-start", {}), ("remote-start", {"id_tag": ""}), ("remote-start", {"id_tag": "T", "connector_id": 0}),
    ("remote-stop", {}), ("remote-stop", {"transaction_id": "1"}), ("reset", {"type": "Warm"}),
    ("unlock", {}), ("get-configuration", {"keys": "HeartbeatInterval"}), ("trigger-message", {}),
    ("data-transfer", {}), ("clear-cache", {"force": True}), ("change-availability", {"operative": "no"}),
])
async def test_typed_command_with_a_bad_body_is_400_and_nothing_is_sent(csms, open_client, name, payload):
    client = await open_client(csms)
    status, body = await csms.post(_commands(client.cp_id, name), payload)
    assert status == 400, body
    assert body["error"]["code"] == "validation_error" and body["error"]["message"]
    await no_frame(client, 0.05)


async def test_unknown_typed_command_is_404(csms, open_client):
    client = await open_client(csms)
    status, body = await csms.post(_commands(client.cp_id, "self-destruct"), {})
    assert status == 404 and body["error"]["code"] == "not_found"


# -- the message log --------------------------------------------------------------------------------

async def test_message_log_lists_frames_in_and_out(csms, open_client):
    client = await open_client(csms)
    await client.call("Heartbeat", {})
    call, _, _ = await answer(client, csms.post(_commands(client.cp_id, "clear-cache"), {}), {"status": "Accepted"})

    async def logged():
        code, log = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/messages")
        assert code == 200
        return log if len(log) >= 6 else None
    log = await eventually(logged, what="six frames in the message log")
    seen = [(m["direction"], m["message_type"], m["action"]) for m in log]
    assert seen == [                                    # newest first
        ("in", 3, "ClearCache"), ("out", 2, "ClearCache"),
        ("out", 3, "Heartbeat"), ("in", 2, "Heartbeat"),
        ("out", 3, "BootNotification"), ("in", 2, "BootNotification"),
    ]
    assert log[1]["frame"] == call and log[1]["unique_id"] == call[1]
    assert log[0]["frame"] == [3, call[1], {"status": "Accepted"}]
    assert log[3]["frame"][2:] == ["Heartbeat", {}] and log[3]["raw"] is None
    assert all(m["at"].endswith("Z") for m in log)

    code, outgoing = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/messages?direction=out&limit=2")
    assert code == 200 and [(m["direction"], m["action"]) for m in outgoing] == [("out", "ClearCache"),
                                                                                  ("out", "Heartbeat")]
    code, boots = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/messages?action=BootNotification")
    assert code == 200 and [m["direction"] for m in boots] == ["out", "in"]


async def test_message_log_of_an_unknown_charge_point_is_404(csms):
    code, body = await csms.get(f"/api/v1/admin/charge-points/{new_id()}/messages")
    assert code == 404 and body["error"]["code"] == "not_found"
