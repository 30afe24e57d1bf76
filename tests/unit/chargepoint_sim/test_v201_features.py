"""2.0.1 functional blocks beyond the core: reservations, local list, smart charging, firmware, logs,
display messages."""

from datetime import UTC, datetime, timedelta

import pytest


def later(seconds=3600):
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def reserve(reservation_id, evse=None, token="R1", expiry=None):
    return {"id": reservation_id, "expiryDateTime": expiry or later(), "idToken": {"idToken": token, "type": "Central"},
            **({"evseId": evse} if evse is not None else {})}


def profile(profile_id=1, purpose="TxDefaultProfile", stack=0, limit=32.0, unit="A", periods=None, **extra):
    periods = periods or [{"startPeriod": 0, "limit": limit}]
    return {"id": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Relative" if purpose == "TxDefaultProfile" else "Absolute",
            "chargingSchedule": [{"id": profile_id, "chargingRateUnit": unit, "chargingSchedulePeriod": periods}],
            **extra}


def display(message_id, priority="NormalCycle", text="Hello", **extra):
    return {"id": message_id, "priority": priority, "message": {"format": "UTF8", "content": text}, **extra}


@pytest.fixture
async def cp(csms201, make_cp201):
    cp = make_cp201("CP1", connectors=2)
    cp.feature_step_delay = 0.01
    await cp.connect()
    return cp


async def test_reserve_now_statuses_and_cancel(csms201, cp):
    assert await csms201.call("CP1", "ReserveNow", reserve(1, 1)) == {"status": "Accepted"}
    await csms201.wait(lambda: csms201.statuses(1)[-1] == "Reserved")
    assert cp.connectors[1].reservation["idToken"]["idToken"] == "R1"
    assert await csms201.call("CP1", "ReserveNow", reserve(2, 1)) == {"status": "Occupied"}
    assert await csms201.call("CP1", "ReserveNow", reserve(2, 7)) == {"status": "Rejected"}
    await cp.fault(2)
    assert await csms201.call("CP1", "ReserveNow", reserve(2, 2)) == {"status": "Faulted"}
    await cp.clear_fault(2)
    await csms201.call("CP1", "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
    assert await csms201.call("CP1", "ReserveNow", reserve(2, 2)) == {"status": "Unavailable"}
    assert await csms201.call("CP1", "ReserveNow", reserve(3)) == {"status": "Occupied"}  # no free EVSE left
    assert await csms201.call("CP1", "CancelReservation", {"reservationId": 5}) == {"status": "Rejected"}
    assert await csms201.call("CP1", "CancelReservation", {"reservationId": 1}) == {"status": "Accepted"}
    await csms201.wait(lambda: csms201.statuses(1)[-1] == "Available")
    assert csms201.statuses(1) == ["Available", "Reserved", "Available"]


async def test_reservation_expiry_sends_status_update(csms201, cp):
    assert await csms201.call("CP1", "ReserveNow", reserve(9, 2, expiry=later(0.3))) == {"status": "Accepted"}
    update = await csms201.wait_call("ReservationStatusUpdate", timeout=3)
    assert update.payload == {"reservationId": 9, "reservationUpdateStatus": "Expired"}
    assert csms201.statuses(2) == ["Available", "Reserved", "Available"]
    assert cp.connectors[2].reservation is None


async def test_send_local_list_and_version(csms201, cp):
    assert await csms201.call("CP1", "GetLocalListVersion", {}) == {"versionNumber": 0}
    entry = lambda tag, status=None: {"idToken": {"idToken": tag, "type": "ISO14443"},
                                      **({"idTokenInfo": {"status": status}} if status else {})}
    full = {"versionNumber": 2, "updateType": "Full", "localAuthorizationList": [entry("A", "Accepted"),
                                                                                  entry("B", "Blocked")]}
    assert await csms201.call("CP1", "SendLocalList", full) == {"status": "Accepted"}
    assert await csms201.call("CP1", "GetLocalListVersion", {}) == {"versionNumber": 2}
    stale = {"versionNumber": 1, "updateType": "Differential", "localAuthorizationList": [entry("A")]}
    assert await csms201.call("CP1", "SendLocalList", stale) == {"status": "VersionMismatch"}
    diff = {"versionNumber": 3, "updateType": "Differential", "localAuthorizationList": [entry("A")]}
    assert await csms201.call("CP1", "SendLocalList", diff) == {"status": "Accepted"}
    assert set(cp.local_list) == {"B"} and cp.local_list_version == 3


async def test_charging_profiles_report_and_composite(csms201, cp):
    assert await csms201.call("CP1", "GetChargingProfiles", {"requestId": 1, "chargingProfile": {}}) == {
        "status": "NoProfiles"}
    assert await csms201.call("CP1", "SetChargingProfile", {"evseId": 1, "chargingProfile": profile(1, limit=16.0)}) == {
        "status": "Accepted"}
    assert await csms201.call("CP1", "SetChargingProfile", {"evseId": 0, "chargingProfile": profile(
        2, "ChargingStationMaxProfile", limit=11000.0, unit="W")}) == {"status": "Accepted"}
    assert await csms201.call("CP1", "SetChargingProfile", {"evseId": 1, "chargingProfile": profile(
        3, "ChargingStationMaxProfile")}) == {"status": "Rejected"}
    assert await csms201.call("CP1", "SetChargingProfile", {"evseId": 1, "chargingProfile": profile(
        4, "TxProfile", transactionId="nope")}) == {"status": "Rejected"}

    mark = len(csms201.received)
    assert await csms201.call("CP1", "GetChargingProfiles", {"requestId": 5, "chargingProfile": {}}) == {
        "status": "Accepted"}
    await csms201.wait(lambda: len(csms201.calls("ReportChargingProfiles", after=mark)) == 2)
    reports = [r.payload for r in csms201.calls("ReportChargingProfiles", after=mark)]
    assert [(r["evseId"], r.get("tbc", False), [p["id"] for p in r["chargingProfile"]]) for r in reports] == [
        (0, True, [2]), (1, False, [1])]
    assert all(r["requestId"] == 5 and r["chargingLimitSource"] == "CSO" for r in reports)
    assert await csms201.call("CP1", "GetChargingProfiles", {"requestId": 6, "evseId": 2, "chargingProfile": {}}) == {
        "status": "NoProfiles"}

    answer = await csms201.call("CP1", "GetCompositeSchedule", {"duration": 300, "evseId": 1, "chargingRateUnit": "A"})
    assert answer["status"] == "Accepted"
    schedule = answer["schedule"]
    assert (schedule["evseId"], schedule["duration"], schedule["chargingRateUnit"]) == (1, 300, "A")
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 15.9}]  # 11 kW on 3 x 230 V
    only_max = (await csms201.call("CP1", "GetCompositeSchedule", {"duration": 300, "evseId": 2}))["schedule"]
    assert only_max["chargingRateUnit"] == "W"  # EVSE 2 is limited by the station maximum only
    assert only_max["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 11000.0}]

    assert await csms201.call("CP1", "ClearChargingProfile", {"chargingProfileId": 77}) == {"status": "Unknown"}
    assert await csms201.call("CP1", "ClearChargingProfile", {"chargingProfileCriteria": {"evseId": 0}}) == {
        "status": "Accepted"}
    assert await csms201.call("CP1", "ClearChargingProfile", {"chargingProfileId": 1}) == {"status": "Accepted"}
    assert await csms201.call("CP1", "GetCompositeSchedule", {"duration": 300, "evseId": 1}) == {"status": "Rejected"}


async def test_tx_profile_needs_the_running_transaction(csms201, cp):
    tx = await cp.start_session(2, "T1")
    assert await csms201.call("CP1", "SetChargingProfile", {"evseId": 2, "chargingProfile": profile(
        8, "TxProfile", limit=10.0, transactionId=tx)}) == {"status": "Accepted"}
    answer = await csms201.call("CP1", "GetCompositeSchedule", {"duration": 60, "evseId": 2})
    assert answer["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 10.0}]


async def test_update_firmware_and_get_log(csms201, cp):
    mark = len(csms201.received)
    answer = await csms201.call("CP1", "UpdateFirmware", {"requestId": 31, "firmware": {
        "location": "https://fw.example/sim-2.0.bin", "retrieveDateTime": later(0)}})
    assert answer == {"status": "Accepted"}
    await csms201.wait(lambda: len(csms201.calls("FirmwareStatusNotification", after=mark)) == 5)
    assert [(r.payload["status"], r.payload["requestId"]) for r in csms201.calls(
        "FirmwareStatusNotification", after=mark)] == [
        ("Downloading", 31), ("Downloaded", 31), ("Installing", 31), ("InstallRebooting", 31), ("Installed", 31)]
    # the station rebooted into the new firmware before reporting Installed
    [boot] = [r.payload for r in csms201.calls("BootNotification", after=mark)]
    assert (boot["reason"], boot["chargingStation"]["firmwareVersion"]) == ("FirmwareUpdate", "sim-2.0")
    assert cp.config.get("ChargingStation.FirmwareVersion") == "sim-2.0"
    answer = await csms201.call("CP1", "GetLog", {"logType": "DiagnosticsLog", "requestId": 32,
                                                  "log": {"remoteLocation": "https://logs.example/up"}})
    assert answer["status"] == "Accepted" and answer["filename"].startswith("diagnostics-CP1-")
    await csms201.wait(lambda: len(csms201.calls("LogStatusNotification", after=mark)) == 2)
    assert [(r.payload["status"], r.payload["requestId"]) for r in csms201.calls(
        "LogStatusNotification", after=mark)] == [("Uploading", 32), ("Uploaded", 32)]


async def test_display_messages(csms201, cp):
    assert await csms201.call("CP1", "GetDisplayMessages", {"requestId": 1}) == {"status": "Unknown"}
    assert await csms201.call("CP1", "SetDisplayMessage", {"message": display(1)}) == {"status": "Accepted"}
    assert await csms201.call("CP1", "SetDisplayMessage", {"message": display(2, "AlwaysFront", "Welcome")}) == {
        "status": "Accepted"}
    assert await csms201.call("CP1", "SetDisplayMessage", {"message": display(3, transactionId="nope")}) == {
        "status": "UnknownTransaction"}
    assert await csms201.call("CP1", "GetDisplayMessages", {"requestId": 4, "priority": "AlwaysFront"}) == {
        "status": "Accepted"}
    notified = (await csms201.wait_call("NotifyDisplayMessages")).payload
    assert notified["requestId"] == 4 and [m["id"] for m in notified["messageInfo"]] == [2]
    assert await csms201.call("CP1", "ClearDisplayMessage", {"id": 2}) == {"status": "Accepted"}
    assert await csms201.call("CP1", "ClearDisplayMessage", {"id": 2}) == {"status": "Unknown"}
    assert set(cp.display_messages) == {1}
    assert await csms201.call("CP1", "GetDisplayMessages", {"requestId": 5, "id": [2]}) == {"status": "Unknown"}


async def test_feature_controllers_in_the_device_model(csms201, cp):
    await csms201.call("CP1", "SendLocalList", {"versionNumber": 1, "updateType": "Full", "localAuthorizationList": [
        {"idToken": {"idToken": "A", "type": "ISO14443"}, "idTokenInfo": {"status": "Accepted"}}]})
    await csms201.call("CP1", "SetDisplayMessage", {"message": display(1)})
    names = [("LocalAuthListCtrlr", "Entries"), ("DisplayMessageCtrlr", "DisplayMessages"),
             ("ReservationCtrlr", "Enabled"), ("SmartChargingCtrlr", "Enabled")]
    answer = await csms201.call("CP1", "GetVariables", {"getVariableData": [
        {"component": {"name": c}, "variable": {"name": v}} for c, v in names]})
    assert [r["attributeValue"] for r in answer["getVariableResult"]] == ["1", "1", "true", "true"]
    await csms201.call("CP1", "SetVariables", {"setVariableData": [
        {"component": {"name": "ReservationCtrlr"}, "variable": {"name": "Enabled"}, "attributeValue": "false"}]})
    assert await csms201.call("CP1", "ReserveNow", reserve(1, 1)) == {"status": "Rejected"}
