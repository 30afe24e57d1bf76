"""CSMS-initiated 2.0.1 CALLs: the simulator's answers and the messages that follow them."""

import asyncio

import orjson
import pytest

from .fake_csms import CsmsCallError


def var(component, variable, evse=None, instance=None, **extra):
    comp = {"name": component, **({"evse": {"id": evse}} if evse is not None else {})}
    return {"component": comp, "variable": {"name": variable, **({"instance": instance} if instance else {})}, **extra}


@pytest.fixture
async def cp(csms201, make_cp201):
    cp = make_cp201("CP1", connectors=2, items_per_message=10)
    await cp.connect()
    return cp


def start_request(remote_id=7, evse=None, token="R1"):
    return {"idToken": {"idToken": token, "type": "Central"}, "remoteStartId": remote_id,
            **({"evseId": evse} if evse is not None else {})}


async def test_request_start_then_stop(csms201, cp):
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(7, 2)) == {"status": "Accepted"}
    started = (await csms201.wait_call("TransactionEvent")).payload
    assert (started["eventType"], started["triggerReason"]) == ("Started", "RemoteStart")
    assert started["transactionInfo"]["remoteStartId"] == 7 and started["evse"] == {"id": 2, "connectorId": 1}
    assert started["idToken"] == {"idToken": "R1", "type": "Central"}
    assert csms201.calls("Authorize") == []  # AuthorizeRemoteStart is false
    await cp.wait_for(lambda cp: cp.connectors[2].state == "Charging")
    tx = cp.connectors[2].transaction_id
    assert cp.connectors[2].transaction.remote_start_id == 7
    assert await csms201.call("CP1", "RequestStopTransaction", {"transactionId": "nope"}) == {"status": "Rejected"}
    assert await csms201.call("CP1", "RequestStopTransaction", {"transactionId": tx}) == {"status": "Accepted"}
    ended = (await csms201.wait_call("TransactionEvent", lambda p: p["eventType"] == "Ended")).payload
    assert ended["triggerReason"] == "RemoteStop" and ended["transactionInfo"]["stoppedReason"] == "Remote"
    await cp.wait_for(lambda cp: cp.connectors[2].state == "Finishing")


async def test_request_start_authorizes_when_configured_and_rejects_busy(csms201, cp):
    await cp.fault(2)
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(1, 2)) == {"status": "Rejected"}
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(1, 9)) == {"status": "Rejected"}
    await csms201.call("CP1", "SetVariables", {"setVariableData": [
        {"attributeValue": "true", **var("AuthCtrlr", "AuthorizeRemoteStart")}]})
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(2)) == {"status": "Accepted"}
    await csms201.wait_call("TransactionEvent")
    actions = [r.action for r in csms201.received]
    assert actions.index("Authorize") < actions.index("TransactionEvent")
    await cp.wait_for(lambda cp: cp.connectors[1].state == "Charging")  # the only usable EVSE was chosen
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(3, 1)) == {"status": "Rejected"}
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(3)) == {"status": "Rejected"}
    await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
    await cp.clear_fault(2)
    assert await csms201.call("CP1", "RequestStartTransaction", start_request(4, 2)) == {"status": "Rejected"}


async def test_request_start_on_a_transaction_begun_at_plug_in_returns_its_id(csms201, cp):
    cp.config.set("TxCtrlr.TxStartPoint", "EVConnected")
    await cp.plug_in(1)
    tx = cp.connectors[1].transaction_id
    answer = await csms201.call("CP1", "RequestStartTransaction", start_request(5, 1))
    assert answer == {"status": "Accepted", "transactionId": tx}
    updated = (await csms201.wait_call("TransactionEvent", lambda p: p["triggerReason"] == "RemoteStart")).payload
    assert updated["eventType"] == "Updated" and updated["transactionInfo"]["remoteStartId"] == 5


async def test_reset_immediate_on_idle_and_scheduled(csms201, cp):
    tx = await cp.start_session(1, "T1")
    mark = len(csms201.received)
    assert await csms201.call("CP1", "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    ended = (await csms201.wait_call("TransactionEvent", after=mark)).payload
    assert ended["transactionInfo"] == {"transactionId": tx, "chargingState": "EVConnected",
                                        "stoppedReason": "ImmediateReset"}
    assert ended["triggerReason"] == "ResetCommand"
    boot = await csms201.wait_call("BootNotification", after=mark)
    assert boot.payload["reason"] == "RemoteReset" and csms201.received.index(boot) > mark
    await cp.wait_for(lambda cp: cp.ready and cp.connect_count == 2, timeout=3)

    await cp.start_session(2, "T2")
    assert await csms201.call("CP1", "Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
    assert await csms201.call("CP1", "Reset", {"type": "OnIdle", "evseId": 1}) == {"status": "Rejected"}
    await asyncio.sleep(0.2)
    assert cp.connect_count == 2  # waits for the transaction
    await cp.stop_session(2)
    await cp.wait_for(lambda cp: cp.ready and cp.connect_count == 3, timeout=3)
    assert await csms201.call("CP1", "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
    await cp.wait_for(lambda cp: cp.ready and cp.connect_count == 4, timeout=3)
    assert len(csms201.calls("BootNotification")) == 4


async def test_unlock_connector(csms201, cp):
    assert await csms201.call("CP1", "UnlockConnector", {"evseId": 1, "connectorId": 1}) == {"status": "Unlocked"}
    assert await csms201.call("CP1", "UnlockConnector", {"evseId": 3, "connectorId": 1}) == {
        "status": "UnknownConnector"}
    assert await csms201.call("CP1", "UnlockConnector", {"evseId": 1, "connectorId": 2}) == {
        "status": "UnknownConnector"}
    await cp.start_session(2, "T")
    assert await csms201.call("CP1", "UnlockConnector", {"evseId": 2, "connectorId": 1}) == {
        "status": "OngoingAuthorizedTransaction"}
    assert cp.connectors[2].transaction is not None


async def test_change_availability(csms201, cp):
    answer = await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
    assert answer == {"status": "Accepted"}
    await csms201.wait(lambda: csms201.statuses(2)[-1] == "Unavailable")
    assert cp.config.get("EVSE.AvailabilityState", evse=2) == "Unavailable"
    await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 2}})
    await csms201.wait(lambda: csms201.statuses(2)[-1] == "Available")
    tx = await cp.start_session(1, "T")
    assert await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Inoperative"}) == {
        "status": "Scheduled"}
    await csms201.wait(lambda: csms201.statuses(2)[-1] == "Unavailable")
    assert cp.connectors[1].transaction_id == tx and csms201.statuses(1)[-1] == "Occupied"
    await cp.stop_session(1)
    await csms201.wait(lambda: csms201.statuses(1)[-1] == "Unavailable")
    assert cp.config.get("ChargingStation.AvailabilityState") == "Unavailable"
    for evse in ({"id": 9}, {"id": 1, "connectorId": 2}):
        assert await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Operative", "evse": evse}) == {
            "status": "Rejected"}


async def test_get_and_set_variables_with_side_effects(csms201, cp):
    got = await csms201.call("CP1", "GetVariables", {"getVariableData": [
        var("OCPPCommCtrlr", "HeartbeatInterval"), var("SecurityCtrlr", "BasicAuthPassword"),
        var("Nope", "X"), var("EVSE", "AvailabilityState", evse=1)]})
    assert [(r["attributeStatus"], r.get("attributeValue")) for r in got["getVariableResult"]] == [
        ("Accepted", "300"), ("Rejected", None), ("UnknownComponent", None), ("Accepted", "Available")]
    answer = await csms201.call("CP1", "SetVariables", {"setVariableData": [
        {"attributeValue": "5", **var("SampledDataCtrlr", "TxUpdatedInterval")},
        {"attributeValue": "new-secret-pass-1", **var("SecurityCtrlr", "BasicAuthPassword")},
        {"attributeValue": "3", **var("SecurityCtrlr", "SecurityProfile")},
        {"attributeValue": "0,1", **var("OCPPCommCtrlr", "NetworkConfigurationPriority")}]})
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == [
        "Accepted", "Accepted", "Rejected", "RebootRequired"]
    assert cp.meter_interval is None and cp._sample_interval() == 5
    csms201.passwords["CP1"] = "new-secret-pass-1"  # the next connection authenticates with it
    await cp.disconnect()
    await cp.reconnect()
    assert csms201.headers["CP1"]["Authorization"].startswith("Basic ")
    too_many = {"getVariableData": [var("OCPPCommCtrlr", "HeartbeatInterval")] * 51}
    with pytest.raises(CsmsCallError) as info:
        await csms201.call("CP1", "GetVariables", too_many)
    assert info.value.code == "OccurrenceConstraintViolation"


async def test_get_base_report_and_get_report(csms201, cp):
    assert await csms201.call("CP1", "GetBaseReport", {"requestId": 42, "reportBase": "FullInventory"}) == {
        "status": "Accepted"}
    await csms201.wait(lambda: any(not r.payload["tbc"] for r in csms201.calls("NotifyReport")))
    reports = [r.payload for r in csms201.calls("NotifyReport")]
    assert [r["seqNo"] for r in reports] == list(range(len(reports))) and len(reports) > 2
    assert all(r["requestId"] == 42 for r in reports) and [r["tbc"] for r in reports][-1] is False
    assert all(len(r["reportData"]) == 10 for r in reports[:-1])  # ItemsPerMessage GetReport
    assert sum(len(r["reportData"]) for r in reports) == len(cp.config)
    mark = len(csms201.received)
    request = {"requestId": 43, "componentVariable": [{"component": {"name": "TxCtrlr"}}]}
    assert await csms201.call("CP1", "GetReport", request) == {"status": "Accepted"}
    report = (await csms201.wait_call("NotifyReport", after=mark)).payload
    assert report["requestId"] == 43 and {d["component"]["name"] for d in report["reportData"]} == {"TxCtrlr"}
    assert await csms201.call("CP1", "GetReport", {"requestId": 44, "componentCriteria": ["Problem"]}) == {
        "status": "EmptyResultSet"}
    await cp.fault(2)
    assert await csms201.call("CP1", "GetReport", {"requestId": 45, "componentCriteria": ["Problem"]}) == {
        "status": "Accepted"}


async def test_trigger_message_variants(csms201, cp):
    tx = await cp.start_session(1, "T")
    for requested, action in [("Heartbeat", "Heartbeat"), ("LogStatusNotification", "LogStatusNotification"),
                              ("FirmwareStatusNotification", "FirmwareStatusNotification")]:
        mark = len(csms201.received)
        assert await csms201.call("CP1", "TriggerMessage", {"requestedMessage": requested}) == {"status": "Accepted"}
        await csms201.wait_call(action, after=mark)
    assert csms201.calls("LogStatusNotification")[0].payload == {"status": "Idle"}
    mark = len(csms201.received)
    await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": 1}})
    assert (await csms201.wait_call("StatusNotification", after=mark)).payload["connectorStatus"] == "Occupied"
    mark = len(csms201.received)
    await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "MeterValues", "evse": {"id": 1}})
    values = (await csms201.wait_call("MeterValues", after=mark)).payload
    assert values["evseId"] == 1 and values["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
    mark = len(csms201.received)
    await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "TransactionEvent"})
    event = (await csms201.wait_call("TransactionEvent", lambda p: p["triggerReason"] == "Trigger", after=mark)).payload
    assert event["transactionInfo"] == {"transactionId": tx, "chargingState": "Charging"}
    assert await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "BootNotification"}) == {
        "status": "Rejected"}  # already Accepted
    assert await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "SignCombinedCertificate"}) == {
        "status": "NotImplemented"}
    assert await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "Heartbeat", "evse": {"id": 9}}) == {
        "status": "Rejected"}


async def test_transaction_status_cache_and_data_transfer(csms201, cp):
    tx = await cp.start_session(1, "T")
    answer = await csms201.call("CP1", "GetTransactionStatus", {"transactionId": tx})
    assert answer == {"messagesInQueue": False, "ongoingIndicator": True}
    assert await csms201.call("CP1", "GetTransactionStatus", {"transactionId": "x"}) == {
        "messagesInQueue": False, "ongoingIndicator": False}
    assert await csms201.call("CP1", "GetTransactionStatus", {}) == {"messagesInQueue": False}
    assert "T" in cp.auth_cache
    assert await csms201.call("CP1", "ClearCache", {}) == {"status": "Accepted"} and cp.auth_cache == {}
    cp.config.set("AuthCacheCtrlr.Enabled", False)
    assert await csms201.call("CP1", "ClearCache", {}) == {"status": "Rejected"}
    assert await csms201.call("CP1", "DataTransfer", {"vendorId": "other"}) == {"status": "UnknownVendorId"}
    assert await csms201.call("CP1", "DataTransfer", {"vendorId": "csms-sim", "data": {"a": 1}}) == {
        "status": "Accepted", "data": {"a": 1}}


async def test_unsupported_unknown_and_invalid_calls(csms201, cp):
    for action, payload, code in [
        ("MakeCoffee", {}, "NotImplemented"),
        ("UnpublishFirmware", {"checksum": "0" * 33}, "PropertyConstraintViolation"),
        ("RequestStartTransaction", {"remoteStartId": 1}, "OccurrenceConstraintViolation"),
        ("Reset", {"type": "Soft"}, "PropertyConstraintViolation"),
        ("ClearCache", {"extra": 1}, "FormatViolation"),
    ]:
        with pytest.raises(CsmsCallError) as info:
            await csms201.call("CP1", action, payload)
        assert info.value.code == code, action
    assert [a for a, _ in cp.received] == ["MakeCoffee", "UnpublishFirmware", "RequestStartTransaction", "Reset", "ClearCache"]
    with pytest.raises(CsmsCallError) as info:
        await csms201.call_raw("CP1", "bad-1", orjson.dumps([2, "bad-1", "Reset", []]).decode())
    assert info.value.code == "FormatViolation"
    with pytest.raises(CsmsCallError) as info:
        await csms201.call_raw("CP1", "bad-2", orjson.dumps([9, "bad-2", "Reset", {}]).decode())
    assert info.value.code == "MessageTypeNotSupported"
    assert cp.connected and await csms201.call("CP1", "ClearCache", {}) == {"status": "Accepted"}


async def test_invalid_answers_of_the_csms_are_recorded(csms201, cp):
    csms201.handlers["Heartbeat"] = lambda cp_id, p: {"time": "now"}
    await cp.heartbeat()
    assert len(cp.protocol_errors) == 1 and cp.protocol_errors[0].startswith("HeartbeatResponse")
    cp.protocol_errors.clear()
