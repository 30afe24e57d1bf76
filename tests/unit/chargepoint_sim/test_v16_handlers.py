"""Central-system-initiated CALLs: the simulator's answers and the messages that follow them."""

import orjson
import pytest

from .fake_csms import CsmsCallError


@pytest.fixture
async def cp(csms, make_cp):
    cp = make_cp("CP1", connectors=2)
    await cp.connect()
    return cp


async def test_remote_start_then_remote_stop(csms, cp):
    mark = len(csms.received)
    assert await csms.call("CP1", "RemoteStartTransaction", {"idTag": "R1", "connectorId": 2}) == {"status": "Accepted"}
    start = await csms.wait_call("StartTransaction", after=mark)
    assert start.payload["connectorId"] == 2 and start.payload["idTag"] == "R1"
    await csms.wait(lambda: csms.statuses(2)[-1] == "Charging", timeout=3)
    # AuthorizeRemoteTxRequests is false by default: no Authorize for a remote start
    assert csms.calls("Authorize") == []
    assert csms.statuses(2) == ["Available", "Preparing", "Charging"]
    assert cp.received[-1] == ("RemoteStartTransaction", {"idTag": "R1", "connectorId": 2})

    tx = cp.connectors[2].transaction_id
    assert await csms.call("CP1", "RemoteStopTransaction", {"transactionId": tx + 1}) == {"status": "Rejected"}
    assert await csms.call("CP1", "RemoteStopTransaction", {"transactionId": tx}) == {"status": "Accepted"}
    stop = await csms.wait_call("StopTransaction")
    assert stop.payload["transactionId"] == tx and stop.payload["reason"] == "Remote"
    await cp.wait_for(lambda cp: cp.connectors[2].state == "Finishing", timeout=3)


async def test_remote_start_authorizes_when_configured_and_rejects_busy(csms, cp):
    assert await csms.call("CP1", "ChangeConfiguration", {"key": "AuthorizeRemoteTxRequests", "value": "true"}) == {
        "status": "Accepted"}
    await csms.call("CP1", "RemoteStartTransaction", {"idTag": "R2"})  # no connector: the simulator picks one
    await csms.wait_call("StartTransaction")
    actions = [r.action for r in csms.received]
    assert actions.index("Authorize") < actions.index("StartTransaction")
    busy = csms.calls("StartTransaction")[0].payload["connectorId"]
    await cp.wait_for(lambda cp: cp.connectors[busy].state == "Charging")
    response = await csms.call("CP1", "RemoteStartTransaction", {"idTag": "R3", "connectorId": busy})
    assert response == {"status": "Rejected"}
    assert await csms.call("CP1", "RemoteStartTransaction", {"idTag": "R3", "connectorId": 7}) == {"status": "Rejected"}
    await cp.fault(3 - busy)
    assert await csms.call("CP1", "RemoteStartTransaction", {"idTag": "R3", "connectorId": 3 - busy}) == {
        "status": "Rejected"}


async def test_remote_start_with_blocked_tag_reverts_to_available(csms, cp):
    await csms.call("CP1", "ChangeConfiguration", {"key": "AuthorizeRemoteTxRequests", "value": "true"})
    csms.blocked_tags.add("BAD")
    assert await csms.call("CP1", "RemoteStartTransaction", {"idTag": "BAD", "connectorId": 1}) == {"status": "Accepted"}
    await csms.wait_call("Authorize")
    await csms.wait(lambda: csms.statuses(1)[-1] == "Available" and len(csms.statuses(1)) == 3)
    assert csms.statuses(1) == ["Available", "Preparing", "Available"]
    assert csms.calls("StartTransaction") == []


async def test_reset_stops_transactions_and_reboots(csms, cp):
    tx = await cp.start_session(1, "T1")
    mark = len(csms.received)
    assert await csms.call("CP1", "Reset", {"type": "Soft"}) == {"status": "Accepted"}
    stop = await csms.wait_call("StopTransaction", after=mark)
    assert stop.payload["transactionId"] == tx and stop.payload["reason"] == "SoftReset"
    boot = await csms.wait_call("BootNotification", after=mark)
    booted_at = csms.received.index(boot)
    await csms.wait(lambda: len(csms.calls("StatusNotification", after=booted_at)) >= 3 and cp.ready)
    assert csms.handshakes == 2 and cp.connect_count == 2
    assert csms.received.index(stop) < booted_at
    after = [r.payload for r in csms.calls("StatusNotification", after=booted_at)]
    assert [(p["connectorId"], p["status"]) for p in after] == [(0, "Available"), (1, "Finishing"), (2, "Available")]

    tx2 = await cp.start_session(2, "T2")
    await csms.call("CP1", "Reset", {"type": "Hard"})
    assert (await csms.wait_call("StopTransaction", lambda p: p["reason"] == "HardReset")).payload["transactionId"] == tx2
    await csms.wait(lambda: csms.handshakes == 3 and cp.ready)


async def test_unlock_connector(csms, cp):
    tx = await cp.start_session(1, "T")
    assert await csms.call("CP1", "UnlockConnector", {"connectorId": 1}) == {"status": "Unlocked"}
    stop = await csms.wait_call("StopTransaction")
    assert stop.payload["transactionId"] == tx and stop.payload["reason"] == "UnlockCommand"
    assert await csms.call("CP1", "UnlockConnector", {"connectorId": 2}) == {"status": "Unlocked"}
    assert await csms.call("CP1", "UnlockConnector", {"connectorId": 0}) == {"status": "NotSupported"}
    assert await csms.call("CP1", "UnlockConnector", {"connectorId": 5}) == {"status": "NotSupported"}
    assert len(csms.calls("StopTransaction")) == 1


async def test_change_availability_connector_and_whole_charge_point(csms, cp):
    assert await csms.call("CP1", "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}) == {
        "status": "Accepted"}
    await csms.wait(lambda: csms.statuses(2)[-1] == "Unavailable")
    assert not cp.connectors[2].usable()
    assert await csms.call("CP1", "RemoteStartTransaction", {"idTag": "X", "connectorId": 2}) == {"status": "Rejected"}
    await csms.call("CP1", "ChangeAvailability", {"connectorId": 2, "type": "Operative"})
    await csms.wait(lambda: csms.statuses(2)[-1] == "Available")

    tx = await cp.start_session(1, "T")
    assert await csms.call("CP1", "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}) == {
        "status": "Scheduled"}
    await csms.wait(lambda: csms.statuses(2)[-1] == "Unavailable")
    assert cp.connectors[1].state == "Charging" and csms.statuses(0)[-1] == "Available"  # waits for the tx
    await cp.stop_session(1)
    assert csms.calls("StopTransaction")[0].payload["transactionId"] == tx
    await csms.wait(lambda: csms.statuses(1)[-1] == "Unavailable" and csms.statuses(0)[-1] == "Unavailable")
    assert csms.statuses(1)[-2:] == ["Charging", "Unavailable"]  # C8: straight to the scheduled state
    assert await csms.call("CP1", "ChangeAvailability", {"connectorId": 9, "type": "Operative"}) == {
        "status": "Rejected"}
    await csms.call("CP1", "ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    await csms.wait(lambda: csms.statuses(0)[-1] == "Available" and csms.statuses(2)[-1] == "Available")
    assert cp.connectors[1].state == "Preparing"  # still plugged in


async def test_configuration_round_trip(csms, cp):
    response = await csms.call("CP1", "GetConfiguration", {"key": ["HeartbeatInterval", "Unknown1"]})
    assert response == {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
                        "unknownKey": ["Unknown1"]}
    everything = await csms.call("CP1", "GetConfiguration", {})
    assert {k["key"] for k in everything["configurationKey"]} >= {"NumberOfConnectors", "MeterValueSampleInterval"}
    for key, value, status in [("MeterValueSampleInterval", "15", "Accepted"), ("NumberOfConnectors", "4", "Rejected"),
                               ("FooBar", "1", "NotSupported"), ("HeartbeatInterval", "abc", "Rejected")]:
        assert await csms.call("CP1", "ChangeConfiguration", {"key": key, "value": value}) == {"status": status}
    assert cp.config.get("MeterValueSampleInterval") == "15" and cp.meter_interval is None


async def test_heartbeat_interval_change_takes_effect(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    assert csms.calls("Heartbeat") == []  # boot interval is 300 s
    await csms.call("CP1", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "1"})
    await csms.wait(lambda: len(csms.calls("Heartbeat")) >= 1, timeout=2.5)  # the new 1 s interval applies now
    assert cp.config.get_int("HeartbeatInterval") == 1


async def test_trigger_message_variants(csms, cp):
    await cp.start_session(1, "T")
    mark = len(csms.received)
    for requested in ("Heartbeat", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "BootNotification"):
        assert await csms.call("CP1", "TriggerMessage", {"requestedMessage": requested}) == {"status": "Accepted"}
        await csms.wait_call(requested, after=mark)
    assert csms.calls("DiagnosticsStatusNotification")[0].payload == {"status": "Idle"}

    mark = len(csms.received)
    await csms.call("CP1", "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1})
    assert (await csms.wait_call("StatusNotification", after=mark)).payload["status"] == "Charging"
    mark = len(csms.received)
    await csms.call("CP1", "TriggerMessage", {"requestedMessage": "StatusNotification"})
    await csms.wait(lambda: len(csms.calls("StatusNotification", after=mark)) == 3)
    assert [r.payload["connectorId"] for r in csms.calls("StatusNotification", after=mark)] == [0, 1, 2]
    mark = len(csms.received)
    await csms.call("CP1", "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})
    triggered = await csms.wait_call("MeterValues", lambda p: p["meterValue"][0]["sampledValue"][0]["context"] == "Trigger",
                                     after=mark)
    assert triggered.payload["transactionId"] == cp.connectors[1].transaction_id

    assert await csms.call("CP1", "TriggerMessage", {"requestedMessage": "SignChargePointCertificate"}) == {
        "status": "NotImplemented"}
    assert await csms.call("CP1", "TriggerMessage", {"requestedMessage": "Heartbeat", "connectorId": 9}) == {
        "status": "Rejected"}


async def test_clear_cache_and_data_transfer(csms, cp):
    await cp.authorize("CACHED")
    assert "CACHED" in cp.auth_cache
    assert await csms.call("CP1", "ClearCache", {}) == {"status": "Accepted"}
    assert cp.auth_cache == {}
    assert await csms.call("CP1", "DataTransfer", {"vendorId": "other"}) == {"status": "UnknownVendorId"}
    assert await csms.call("CP1", "DataTransfer", {"vendorId": "csms-sim", "data": "hi"}) == {
        "status": "Accepted", "data": "hi"}


async def test_unknown_unsupported_and_invalid_calls_get_call_errors(csms, cp):
    with pytest.raises(CsmsCallError) as info:
        await csms.call("CP1", "MakeCoffee", {})
    assert info.value.code == "NotImplemented"
    with pytest.raises(CsmsCallError) as info:
        await csms.call("CP1", "SignedUpdateFirmware", {"requestId": 1})
    assert info.value.code == "OccurenceConstraintViolation"
    with pytest.raises(CsmsCallError) as info:
        await csms.call("CP1", "RemoteStartTransaction", {"connectorId": 1})
    assert info.value.code == "OccurenceConstraintViolation"
    with pytest.raises(CsmsCallError) as info:
        await csms.call("CP1", "Reset", {"type": "Medium"})
    assert info.value.code == "PropertyConstraintViolation"
    # every CSMS call is recorded, answered or not
    assert [a for a, _ in cp.received] == ["MakeCoffee", "SignedUpdateFirmware", "RemoteStartTransaction", "Reset"]
    # a CALL whose payload is not an object still gets an answer with its id; the link survives
    with pytest.raises(CsmsCallError) as info:
        await csms.call_raw("CP1", "bad-1", orjson.dumps([2, "bad-1", "Reset", []]).decode())
    assert info.value.code == "FormationViolation"
    assert cp.connected and await csms.call("CP1", "ClearCache", {}) == {"status": "Accepted"}
