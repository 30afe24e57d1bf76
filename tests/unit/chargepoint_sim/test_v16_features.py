"""1.6 optional feature profiles: Reservation, Local Auth List, Smart Charging, Firmware Management."""

from datetime import UTC, datetime, timedelta

import pytest


def later(seconds=3600):
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def reserve(connector_id, reservation_id=1, tag="R1", expiry=None):
    return {"connectorId": connector_id, "expiryDate": expiry or later(), "idTag": tag, "reservationId": reservation_id}


def profile(profile_id=1, purpose="TxDefaultProfile", stack=0, limit=32.0, unit="A", periods=None, **extra):
    periods = periods or [{"startPeriod": 0, "limit": limit}]
    return {"chargingProfileId": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute" if purpose != "TxDefaultProfile" else "Relative",
            "chargingSchedule": {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}, **extra}


@pytest.fixture
async def cp(csms, make_cp):
    cp = make_cp("CP1", connectors=2)
    cp.feature_step_delay = 0.01
    await cp.connect()
    return cp


async def test_reserve_now_and_cancel(csms, cp):
    assert await csms.call("CP1", "ReserveNow", reserve(1, 11)) == {"status": "Accepted"}
    await csms.wait(lambda: csms.statuses(1)[-1] == "Reserved")
    assert cp.connectors[1].state == "Reserved" and cp.connectors[1].reservation["idTag"] == "R1"
    assert await csms.call("CP1", "ReserveNow", reserve(1, 12)) == {"status": "Occupied"}  # reserved for another
    await cp.plug_in(2)
    assert await csms.call("CP1", "ReserveNow", reserve(2, 12)) == {"status": "Occupied"}
    await cp.fault(2)
    assert await csms.call("CP1", "ReserveNow", reserve(2, 12)) == {"status": "Faulted"}
    assert await csms.call("CP1", "ReserveNow", reserve(5, 12)) == {"status": "Rejected"}
    assert await csms.call("CP1", "CancelReservation", {"reservationId": 99}) == {"status": "Rejected"}
    assert await csms.call("CP1", "CancelReservation", {"reservationId": 11}) == {"status": "Accepted"}
    await csms.wait(lambda: csms.statuses(1)[-1] == "Available")
    assert csms.statuses(1) == ["Available", "Reserved", "Available"]
    assert cp.connectors[1].reservation is None


async def test_reserve_unavailable_connector_zero_and_expiry(csms, cp):
    await csms.call("CP1", "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    assert await csms.call("CP1", "ReserveNow", reserve(2, 1)) == {"status": "Unavailable"}
    assert await csms.call("CP1", "ReserveNow", reserve(0, 2)) == {"status": "Accepted"}
    await cp.wait_for(lambda cp: cp.connectors[0].reservation is not None)
    assert cp.connectors[0].state == "Available"  # connector 0 has no Reserved state
    cp.config.set("ReserveConnectorZeroSupported", "false")
    assert await csms.call("CP1", "ReserveNow", reserve(0, 3)) == {"status": "Rejected"}
    assert await csms.call("CP1", "ReserveNow", reserve(1, 4, expiry=later(0.3))) == {"status": "Accepted"}
    await csms.wait(lambda: csms.statuses(1)[-1] == "Reserved")
    await csms.wait(lambda: csms.statuses(1)[-1] == "Available", timeout=3)  # expired
    assert cp.connectors[1].reservation is None


async def test_reservation_is_used_by_a_transaction(csms, cp):
    await csms.call("CP1", "ReserveNow", reserve(1, 7))
    await csms.wait(lambda: csms.statuses(1)[-1] == "Reserved")
    await cp.start_session(1, "R1")
    assert cp.connectors[1].reservation is None
    assert csms.calls("StartTransaction")[-1].payload["reservationId"] == 7
    assert csms.statuses(1)[-2:] == ["Preparing", "Charging"]


async def test_send_local_list_and_version(csms, cp):
    assert await csms.call("CP1", "GetLocalListVersion", {}) == {"listVersion": 0}
    full = {"listVersion": 3, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "A", "idTagInfo": {"status": "Accepted"}}, {"idTag": "B", "idTagInfo": {"status": "Blocked"}}]}
    assert await csms.call("CP1", "SendLocalList", full) == {"status": "Accepted"}
    assert await csms.call("CP1", "GetLocalListVersion", {}) == {"listVersion": 3}
    assert set(cp.local_list) == {"A", "B"}
    stale = {"listVersion": 3, "updateType": "Differential", "localAuthorizationList": [{"idTag": "A"}]}
    assert await csms.call("CP1", "SendLocalList", stale) == {"status": "VersionMismatch"}
    diff = {"listVersion": 4, "updateType": "Differential", "localAuthorizationList": [
        {"idTag": "A"}, {"idTag": "C", "idTagInfo": {"status": "Accepted"}}]}
    assert await csms.call("CP1", "SendLocalList", diff) == {"status": "Accepted"}
    assert set(cp.local_list) == {"B", "C"} and cp.local_list_version == 4
    assert await csms.call("CP1", "SendLocalList", {"listVersion": 5, "updateType": "Full"}) == {"status": "Accepted"}
    assert cp.local_list == {}
    assert "LocalAuthListManagement" in cp.config.get("SupportedFeatureProfiles")


async def test_charging_profiles_and_composite_schedule(csms, cp):
    assert await csms.call("CP1", "GetCompositeSchedule", {"connectorId": 1, "duration": 600}) == {"status": "Rejected"}
    assert await csms.call("CP1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile(
        1, periods=[{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 300, "limit": 32.0}])}) == {"status": "Accepted"}
    max_profile = profile(2, "ChargePointMaxProfile", limit=20.0)
    assert await csms.call("CP1", "SetChargingProfile", {"connectorId": 0, "csChargingProfiles": max_profile}) == {
        "status": "Accepted"}
    assert await csms.call("CP1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile(
        3, "TxProfile")}) == {"status": "Rejected"}  # no transaction
    assert await csms.call("CP1", "SetChargingProfile", {"connectorId": 9, "csChargingProfiles": profile(4)}) == {
        "status": "Rejected"}
    assert set(cp.charging_profiles[1]) == {1} and set(cp.charging_profiles[0]) == {2}
    answer = await csms.call("CP1", "GetCompositeSchedule", {"connectorId": 1, "duration": 600})
    assert answer["status"] == "Accepted" and answer["connectorId"] == 1
    assert answer["chargingSchedule"]["chargingRateUnit"] == "A"
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0}, {"startPeriod": 300, "limit": 20.0}]
    watts = await csms.call("CP1", "GetCompositeSchedule", {"connectorId": 1, "duration": 100,
                                                            "chargingRateUnit": "W"})
    assert watts["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 11040.0}]

    tx = await cp.start_session(1, "T1")
    assert await csms.call("CP1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile(
        3, "TxProfile", limit=10.0, transactionId=tx)}) == {"status": "Accepted"}
    answer = await csms.call("CP1", "GetCompositeSchedule", {"connectorId": 1, "duration": 60})
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 10.0}]

    assert await csms.call("CP1", "ClearChargingProfile", {"id": 42}) == {"status": "Unknown"}
    assert await csms.call("CP1", "ClearChargingProfile", {"id": 3}) == {"status": "Accepted"}
    assert await csms.call("CP1", "ClearChargingProfile", {"chargingProfilePurpose": "ChargePointMaxProfile"}) == {
        "status": "Accepted"}
    assert await csms.call("CP1", "ClearChargingProfile", {}) == {"status": "Accepted"}
    assert await csms.call("CP1", "ClearChargingProfile", {}) == {"status": "Unknown"}
    assert await csms.call("CP1", "GetCompositeSchedule", {"connectorId": 1, "duration": 60}) == {"status": "Rejected"}


async def test_update_firmware_and_get_diagnostics(csms, cp):
    mark = len(csms.received)
    assert await csms.call("CP1", "UpdateFirmware", {"location": "https://fw.example/sim-2.0.bin",
                                                     "retrieveDate": later(0)}) == {}
    await csms.wait(lambda: len(csms.calls("FirmwareStatusNotification", after=mark)) == 4)
    assert [r.payload["status"] for r in csms.calls("FirmwareStatusNotification", after=mark)] == [
        "Downloading", "Downloaded", "Installing", "Installed"]
    assert cp.firmware_status == "Installed"
    answer = await csms.call("CP1", "GetDiagnostics", {"location": "ftp://diag.example/upload"})
    assert answer["fileName"].startswith("diagnostics-CP1-") and answer["fileName"].endswith(".log")
    await csms.wait(lambda: len(csms.calls("DiagnosticsStatusNotification", after=mark)) == 2)
    assert [r.payload["status"] for r in csms.calls("DiagnosticsStatusNotification", after=mark)] == [
        "Uploading", "Uploaded"]
    # the answers always come first
    assert cp.received[-1][0] == "GetDiagnostics"
