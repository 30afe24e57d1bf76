"""ChargePoint16 against the fake central system: connect/boot, local sessions, meter values, auth."""

import asyncio
import base64

import pytest
from websockets.exceptions import InvalidStatus

from chargepoint_sim import CallError, SessionError, SessionRejected


async def test_connect_boots_and_reports_every_connector(csms, make_cp):
    cp = make_cp("CP1", connectors=2, vendor="acme", model="X1")
    boot = await cp.connect()
    assert boot["status"] == "Accepted" and cp.boot_status == "Accepted" and cp.connected
    assert csms.subprotocols["CP1"] == "ocpp1.6"
    assert [r.action for r in csms.calls(cp_id="CP1")] == ["BootNotification"] + ["StatusNotification"] * 3
    payload = csms.calls("BootNotification")[0].payload
    assert payload["chargePointVendor"] == "acme" and payload["chargePointModel"] == "X1"
    statuses = [r.payload for r in csms.calls("StatusNotification")]
    assert [(s["connectorId"], s["status"], s["errorCode"]) for s in statuses] == [
        (0, "Available", "NoError"), (1, "Available", "NoError"), (2, "Available", "NoError")]
    assert all(s["timestamp"].endswith("Z") for s in statuses)
    assert cp.config.get_int("HeartbeatInterval") == 300  # taken from the boot response
    assert "Authorization" not in csms.headers["CP1"]


async def test_basic_auth_header_sent_and_checked(csms, make_cp):
    csms.passwords["CP2"] = "s3cret"
    cp = make_cp("CP2", password="s3cret")
    await cp.connect()
    expected = "Basic " + base64.b64encode(b"CP2:s3cret").decode()
    assert csms.headers["CP2"]["Authorization"] == expected
    wrong = make_cp("CP2", password="nope", reconnect=False)
    with pytest.raises(InvalidStatus) as info:
        await wrong.connect()
    assert info.value.response.status_code == 401
    assert not wrong.connected


async def test_boot_pending_retries_after_interval(csms, make_cp):
    csms.boot_status, csms.boot_interval = "Pending", 1
    cp = make_cp()

    def accept_second(cp_id, payload):
        status = "Accepted" if len(csms.calls("BootNotification")) >= 2 else "Pending"
        return {"status": status, "currentTime": "2024-01-01T00:00:00Z", "interval": 1}

    csms.handlers["BootNotification"] = accept_second
    boot = await cp.connect(timeout=5)
    boots = csms.calls("BootNotification")
    assert boot["status"] == "Accepted" and len(boots) == 2
    assert boots[1].at - boots[0].at >= 0.9  # waited the interval of the Pending answer
    assert csms.received[1].action == "BootNotification"  # nothing else was sent while Pending


async def test_boot_rejected_stays_silent_until_accepted(csms, make_cp):
    answers = iter(["Rejected", "Accepted"])
    csms.handlers["BootNotification"] = lambda cp_id, p: {
        "status": next(answers), "currentTime": "2024-01-01T00:00:00Z", "interval": 1}
    cp = make_cp()
    connecting = asyncio.create_task(cp.connect(timeout=5))
    await cp.wait_for(lambda cp: cp.boot_status == "Rejected")
    with pytest.raises(TimeoutError):  # a rejected charge point does not answer the central system
        await csms.call("CP1", "GetConfiguration", {}, timeout=0.3)
    assert (await connecting)["status"] == "Accepted"
    assert [r.action for r in csms.received[:2]] == ["BootNotification", "BootNotification"]
    assert await csms.call("CP1", "ClearCache", {}) == {"status": "Accepted"}


async def test_heartbeat_interval_from_boot_and_override(csms, make_cp):
    csms.boot_interval = 1
    cp = make_cp(heartbeat_interval=0.2)
    await cp.connect()
    await csms.wait(lambda: len(csms.calls("Heartbeat")) >= 3, timeout=3)
    assert cp.config.get_int("HeartbeatInterval") == 1
    response = await cp.call("Heartbeat", {})
    assert response["currentTime"].endswith("Z")


async def test_local_session_full_cycle(csms, make_cp):
    cp = make_cp(connectors=2, max_power_w=22000, ramp_s=0, time_scale=60.0)
    await cp.connect()
    await cp.plug_in(1)
    assert cp.connectors[1].state == "Preparing"
    tx_id = await cp.start_session(1, "TAG1")
    assert tx_id == 100 and cp.connectors[1].transaction_id == 100
    assert cp.connectors[1].state == "Charging"
    assert [r.action for r in csms.received[4:]][:4] == ["StatusNotification", "Authorize", "StartTransaction",
                                                         "StatusNotification"]
    start = csms.calls("StartTransaction")[0].payload
    assert start["connectorId"] == 1 and start["idTag"] == "TAG1" and start["meterStart"] == 0

    await csms.wait(lambda: len(csms.calls("MeterValues")) >= 3, timeout=3)
    samples = [r.payload for r in csms.calls("MeterValues")]
    assert all(s["transactionId"] == 100 and s["connectorId"] == 1 for s in samples)
    values = [{v["measurand"]: v for v in s["meterValue"][0]["sampledValue"]} for s in samples]
    assert set(values[0]) == {"Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "SoC"}
    assert all(v["context"] == "Sample.Periodic" for s in values for v in s.values())
    energies = [int(v["Energy.Active.Import.Register"]["value"]) for v in values]
    assert energies == sorted(energies) and energies[-1] > 0  # 60x time scale: ~70 Wh per sample
    assert values[0]["Energy.Active.Import.Register"]["unit"] == "Wh"
    assert values[0]["Power.Active.Import"]["unit"] == "W" and int(values[0]["Power.Active.Import"]["value"]) == 22000
    assert values[0]["SoC"]["unit"] == "Percent"

    await cp.stop_session(1, reason="Local")
    assert cp.connectors[1].state == "Finishing" and cp.connectors[1].transaction is None
    stop = csms.calls("StopTransaction")[0].payload
    assert stop["transactionId"] == 100 and stop["reason"] == "Local" and stop["idTag"] == "TAG1"
    assert stop["meterStop"] == cp.connectors[1].meter_wh >= energies[-1]
    begin, end = stop["transactionData"]
    assert begin["sampledValue"][0]["context"] == "Transaction.Begin" and begin["sampledValue"][0]["value"] == "0"
    assert end["sampledValue"][0]["context"] == "Transaction.End"
    assert int(end["sampledValue"][0]["value"]) == stop["meterStop"]
    assert csms.statuses(1)[-1] == "Finishing"

    await cp.unplug(1)
    assert cp.connectors[1].state == "Available"
    assert csms.statuses(1) == ["Available", "Preparing", "Charging", "Finishing", "Available"]
    # the register keeps counting from where it was: the next session starts at the last meterStop
    await cp.start_session(1, "TAG1")
    assert csms.calls("StartTransaction")[1].payload["meterStart"] == stop["meterStop"]


async def test_rejected_tag_raises_and_does_not_start(csms, make_cp):
    csms.blocked_tags.add("BAD")
    cp = make_cp()
    await cp.connect()
    await cp.plug_in(1)
    with pytest.raises(SessionRejected) as info:
        await cp.start_session(1, "BAD")
    assert info.value.status == "Blocked"
    assert csms.calls("StartTransaction") == [] and cp.connectors[1].state == "Preparing"


async def test_start_transaction_rejected_is_deauthorized(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    csms.handlers["StartTransaction"] = lambda cp_id, p: {"transactionId": 7, "idTagInfo": {"status": "Invalid"}}
    with pytest.raises(SessionRejected):
        await cp.start_session(1, "TAG")
    stop = (await csms.wait_call("StopTransaction")).payload
    assert stop["transactionId"] == 7 and stop["reason"] == "DeAuthorized"
    assert cp.connectors[1].transaction is None


async def test_session_errors(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    with pytest.raises(SessionError):
        await cp.stop_session(1)
    with pytest.raises(ValueError):
        await cp.plug_in(9)
    await cp.start_session(1, "T")  # from Available: plugs in implicitly
    with pytest.raises(SessionError):
        await cp.start_session(1, "T")


async def test_unplug_during_charging_stops_with_ev_disconnected(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    await cp.plug_in(2)
    tx = await cp.start_session(2, "T")
    await cp.unplug(2)
    stop = csms.calls("StopTransaction")[0].payload
    assert stop["transactionId"] == tx and stop["reason"] == "EVDisconnected"
    assert csms.statuses(2)[-1] == "Available"


async def test_fault_and_recovery_during_charge(csms, make_cp):
    cp = make_cp(ramp_s=0)
    await cp.connect()
    await cp.start_session(1, "T")
    await cp.fault(1, error_code="GroundFailure", info="leak")
    last = csms.calls("StatusNotification")[-1].payload
    assert (last["status"], last["errorCode"], last["info"]) == ("Faulted", "GroundFailure", "leak")
    assert cp.connectors[1].power_w == 0  # no energy flows while faulted
    await cp.clear_fault(1)
    last = csms.calls("StatusNotification")[-1].payload
    assert (last["status"], last["errorCode"]) == ("Charging", "NoError")
    assert cp.connectors[1].power_w > 0
    await cp.fault(0, error_code="PowerMeterFailure")
    assert csms.statuses(0)[-1] == "Faulted"


async def test_call_error_surfaces_and_raw_frames(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    with pytest.raises(CallError) as info:
        await cp.call("NoSuchAction", {})
    assert info.value.code == "NotImplemented"
    cp.clear_raw()
    await cp.send_raw('[2,"raw-1","Heartbeat",{}]')
    frame = await cp.recv_raw(timeout=2)
    assert frame.startswith('[3,"raw-1",')
