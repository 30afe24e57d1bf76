"""ChargePoint201 against the fake 2.0.1 central system: boot, status, local sessions and their
TransactionEvents, faults, store-and-forward while offline."""

import asyncio

import pytest

from chargepoint_sim import SessionError, SessionRejected


def ev(payload):
    """(eventType, triggerReason) of a TransactionEvent."""
    return payload["eventType"], payload["triggerReason"]


async def test_connect_boots_and_reports_every_evse(csms201, make_cp201):
    cp = make_cp201("CP1", connectors=2, vendor="acme", model="X1", firmware_version="2.3")
    boot = await cp.connect()
    assert boot["status"] == "Accepted" and cp.boot_status == "Accepted" and cp.connected
    assert csms201.subprotocols["CP1"] == "ocpp2.0.1"
    assert [r.action for r in csms201.received] == ["BootNotification", "StatusNotification", "StatusNotification"]
    assert csms201.calls("BootNotification")[0].payload == {
        "reason": "PowerUp", "chargingStation": {"model": "X1", "vendorName": "acme", "serialNumber": "SN-CP1",
                                                 "firmwareVersion": "2.3"}}
    statuses = [r.payload for r in csms201.calls("StatusNotification")]
    assert [(s["evseId"], s["connectorId"], s["connectorStatus"]) for s in statuses] == [
        (1, 1, "Available"), (2, 1, "Available")]
    assert cp.config.get_int("OCPPCommCtrlr.HeartbeatInterval") == 300  # taken from the boot response


async def test_boot_pending_then_accepted(csms201, make_cp201):
    answers = iter(["Pending", "Accepted"])
    csms201.handlers["BootNotification"] = lambda cp_id, p: {
        "status": next(answers), "currentTime": "2024-01-01T00:00:00Z", "interval": 1}
    cp = make_cp201()
    assert (await cp.connect(timeout=5))["status"] == "Accepted"
    boots = csms201.calls("BootNotification")
    assert len(boots) == 2 and boots[1].at - boots[0].at >= 0.9
    assert [r.action for r in csms201.received[:2]] == ["BootNotification", "BootNotification"]


async def test_full_session_transaction_events(csms201, make_cp201):
    cp = make_cp201(ramp_s=0, time_scale=60.0)
    await cp.connect()
    await cp.plug_in(1)
    assert csms201.statuses(1) == ["Available", "Occupied"]
    tx = await cp.start_session(1, "TAG1")
    assert isinstance(tx, str) and len(tx) == 36 and cp.connectors[1].transaction_id == tx
    assert cp.connectors[1].state == "Charging"
    actions = [r.action for r in csms201.received]
    assert actions.index("Authorize") < actions.index("TransactionEvent")
    await csms201.wait(lambda: len(csms201.events()) >= 3)
    await cp.stop_session(1)
    await cp.unplug(1)
    events = csms201.events()
    started, periodic, ended = events[0], events[1:-1], events[-1]
    assert ev(started) == ("Started", "Authorized")
    assert started["transactionInfo"] == {"transactionId": tx, "chargingState": "Charging"}
    assert started["evse"] == {"id": 1, "connectorId": 1}
    assert started["idToken"] == {"idToken": "TAG1", "type": "ISO14443"} and "offline" not in started
    [begin] = started["meterValue"][0]["sampledValue"]
    assert begin["context"] == "Transaction.Begin" and begin["unitOfMeasure"] == {"unit": "Wh"}
    assert all(ev(p) == ("Updated", "MeterValuePeriodic") and "evse" not in p for p in periodic)
    samples = [p["meterValue"][0]["sampledValue"] for p in periodic]
    assert all(s[0]["context"] == "Sample.Periodic" and isinstance(s[0]["value"], int) for s in samples)
    assert {v["measurand"] for v in samples[0]} == {"Energy.Active.Import.Register", "Power.Active.Import",
                                                    "Current.Import", "Voltage", "SoC"}
    assert ev(ended) == ("Ended", "StopAuthorized")
    assert ended["transactionInfo"] == {"transactionId": tx, "chargingState": "EVConnected", "stoppedReason": "Local"}
    contexts = [(m["sampledValue"][0]["context"], m["sampledValue"][0]["value"]) for m in ended["meterValue"]]
    done = cp.connectors[1].last_transaction
    assert contexts == [("Transaction.Begin", done.meter_start), ("Transaction.End", done.meter_stop)]
    assert done.energy_wh > 0 and done.id == tx
    assert [p["seqNo"] for p in events] == list(range(len(events)))
    assert csms201.statuses(1) == ["Available", "Occupied", "Available"]  # Charging is still Occupied

    tx2 = await cp.start_session(2, "TAG2")  # seqNo continues for the station
    await cp.stop_session(2, reason="EVDisconnected")
    later = csms201.events()[len(events):]
    assert [p["seqNo"] for p in later] == list(range(len(events), len(events) + len(later)))
    assert later[-1]["transactionInfo"]["stoppedReason"] == "EVDisconnected" and tx2 != tx
    assert later[-1]["triggerReason"] == "EVCommunicationLost"


async def test_rejected_tokens(csms201, make_cp201):
    cp = make_cp201()
    await cp.connect()
    csms201.blocked_tags.add("BAD")
    with pytest.raises(SessionRejected) as info:
        await cp.start_session(1, "BAD")
    assert info.value.status == "Blocked" and csms201.events() == []
    assert cp.auth_cache["BAD"] == {"status": "Blocked"}
    # pre-authorized from the cache, then refused in the TransactionEvent answer: the station stops at once
    cp.config.set("AuthCtrlr.LocalPreAuthorize", True)
    cp.auth_cache["BAD2"] = {"status": "Accepted"}
    csms201.blocked_tags.add("BAD2")
    with pytest.raises(SessionRejected):
        await cp.start_session(2, "BAD2")
    await csms201.wait(lambda: len(csms201.events()) == 2)
    started, ended = csms201.events()
    assert ev(started) == ("Started", "Authorized") and ev(ended) == ("Ended", "Deauthorized")
    assert ended["transactionInfo"]["stoppedReason"] == "DeAuthorized"
    assert cp.connectors[2].transaction is None
    with pytest.raises(SessionError):
        await cp.stop_session(2)


async def test_transaction_starts_at_plug_in_when_configured(csms201, make_cp201):
    cp = make_cp201()
    await cp.connect()
    cp.config.set("TxCtrlr.TxStartPoint", "EVConnected,Authorized")
    await cp.plug_in(1)
    tx = cp.connectors[1].transaction_id
    assert tx is not None and cp.connectors[1].state == "Preparing"
    tx_id = await cp.start_session(1, "T1")
    assert tx_id == tx and cp.connectors[1].state == "Charging"
    await cp.unplug(1)
    events = csms201.events()
    assert ev(events[0]) == ("Started", "CablePluggedIn") and "idToken" not in events[0]
    assert events[0]["transactionInfo"]["chargingState"] == "EVConnected"
    updated = next(p for p in events if p["triggerReason"] == "Authorized")
    assert updated["eventType"] == "Updated" and updated["idToken"]["idToken"] == "T1"
    assert updated["transactionInfo"]["chargingState"] == "Charging" and "evse" not in updated
    assert ev(events[-1]) == ("Ended", "EVCommunicationLost")
    assert events[-1]["transactionInfo"]["chargingState"] == "Idle"
    assert csms201.statuses(1) == ["Available", "Occupied", "Available"]


async def test_fault_during_a_transaction(csms201, make_cp201):
    cp = make_cp201()
    await cp.connect()
    tx = await cp.start_session(1, "T")
    await cp.fault(1, "GroundFailure", "ground fault detected")
    await cp.clear_fault(1)
    assert csms201.statuses(1)[-3:] == ["Occupied", "Faulted", "Occupied"]
    on, off = [r.payload["eventData"][0] for r in csms201.calls("NotifyEvent")]
    assert on["component"] == {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}
    assert (on["variable"], on["actualValue"], on["cleared"], on["techCode"], on["transactionId"]) == (
        {"name": "Problem"}, "true", False, "GroundFailure", tx)
    assert (off["actualValue"], off["cleared"]) == ("false", True)
    def changes():
        return [p["transactionInfo"]["chargingState"] for p in csms201.events()
                if p["triggerReason"] == "ChargingStateChanged"]
    await csms201.wait(lambda: len(changes()) == 2)
    assert changes() == ["SuspendedEVSE", "Charging"]
    await cp.fault(0)  # the station as a whole: a NotifyEvent, no StatusNotification for "connector 0"
    assert csms201.calls("NotifyEvent")[-1].payload["eventData"][0]["component"] == {"name": "ChargingStation"}
    assert {r.payload["evseId"] for r in csms201.calls("StatusNotification")} == {1, 2}


async def test_store_and_forward_while_offline(csms201, make_cp201):
    cp = make_cp201(ramp_s=0, time_scale=60.0)
    await cp.connect()
    online_tx = await cp.start_session(1, "A")
    await cp.disconnect()
    await cp.wait_for(lambda cp: len(cp.outbox) >= 2, timeout=3)  # periodic events keep coming, queued
    assert await cp.stop_session(1) is None
    offline_tx = await cp.start_session(2, "A")  # cached Accepted: allowed offline; id known at once
    assert offline_tx and cp.connectors[2].transaction_id == offline_tx
    await cp.stop_session(2)
    queued = cp.outbox
    assert {a for a, _ in queued} == {"TransactionEvent"}
    assert all(p["offline"] is True for _, p in queued)
    seq = [p["seqNo"] for _, p in queued]
    assert seq == sorted(seq)

    mark = len(csms201.received)
    await cp.reconnect()
    flushed = csms201.received[mark:]
    assert [r.action for r in flushed[:len(queued)]] == ["TransactionEvent"] * len(queued)  # no new boot
    assert [r.payload for r in flushed[:len(queued)]] == [p for _, p in queued] and cp.outbox == []
    assert {r.payload["transactionInfo"]["transactionId"] for r in flushed[:len(queued)]} == {online_tx, offline_tx}
    assert [r.payload["connectorStatus"] for r in flushed[len(queued):]] == ["Occupied", "Occupied"]
    assert csms201.calls("BootNotification", after=mark) == []


async def test_automatic_reconnect_after_a_drop_does_not_boot_again(csms201, make_cp201):
    cp = make_cp201(ramp_s=0)
    await cp.connect()
    tx = await cp.start_session(1, "A")
    await csms201.drop("CP1")
    await cp.wait_for(lambda cp: not cp.connected)
    await cp.wait_for(lambda cp: cp.ready and cp.connect_count == 2, timeout=3)
    assert len(csms201.calls("BootNotification")) == 1
    assert cp.boot_status == "Accepted"
    mark = len(csms201.received)
    later = await csms201.wait(lambda: csms201.events(after=mark), timeout=3)  # the transaction goes on
    assert later[0]["transactionInfo"]["transactionId"] == tx and cp.connectors[1].state == "Charging"


async def test_offline_authorization_rules(csms201, make_cp201):
    cp = make_cp201()
    await cp.connect()
    await cp.disconnect()
    assert await cp.authorize("UNKNOWN") == "Accepted"  # OfflineTxForUnknownIdEnabled
    cp.config.set("AuthCtrlr.OfflineTxForUnknownIdEnabled", False)
    assert await cp.authorize("UNKNOWN") == "Invalid"
    cp.auth_cache["KNOWN"] = {"status": "Accepted"}
    assert await cp.authorize("KNOWN") == "Accepted"
    cp.config.set("AuthCtrlr.LocalAuthorizeOffline", False)
    assert await cp.authorize("KNOWN") == "Invalid"


async def test_intervals_from_the_device_model(csms201, make_cp201):
    cp = make_cp201(meter_interval=None, heartbeat_interval=None)
    assert cp.config.get_int("SampledDataCtrlr.TxUpdatedInterval") == 60
    await cp.connect()
    await csms201.call("CP1", "SetVariables", {"setVariableData": [
        {"attributeValue": "1", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    await csms201.wait(lambda: csms201.calls("Heartbeat"), timeout=2.5)
    await asyncio.sleep(0)
    assert cp._heartbeat_every() == 1


async def test_clock_aligned_meter_values(csms201, make_cp201):
    cp = make_cp201(meter_interval=0)  # no periodic samples: only the aligned ones
    await cp.connect()
    await cp.start_session(1, "T")
    answer = await csms201.call("CP1", "SetVariables", {"setVariableData": [
        {"attributeValue": "1", "component": {"name": "AlignedDataCtrlr"}, "variable": {"name": "Interval"}}]})
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
    idle = (await csms201.wait_call("MeterValues", timeout=2.5)).payload  # EVSE 2, no transaction
    assert idle["evseId"] == 2 and idle["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
    clock = await csms201.wait(lambda: [p for p in csms201.events() if p["triggerReason"] == "MeterValueClock"])
    assert clock[0]["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
    cp.config.set("AlignedDataCtrlr.Interval", 0)
