"""The bundled simulator answers everything the CSMS can send, in both versions, over real sockets: every
CSMS-initiated action through ``calls/{Action}`` (answers the CSMS checks against the schemas), and the
typed commands whose answers the simulator gained with real state: the 1.6 security extension's
SignedUpdateFirmware and GetLog, 2.0.1 signed UpdateFirmware, PublishFirmware / UnpublishFirmware and
GetChargingProfiles -> ReportChargingProfiles. What the CSMS stored must match what the station did."""

from __future__ import annotations

import pytest

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.e2e.helpers import eventually, new_id
from tests.support.firmware_support import a_signer, an_image
from tests.support.ocpp_actions import in_sending_order, minimal_request

VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}


async def _station(csms, version: str, step: float = 0.01):
    cp_id = new_id(f"ALL{version[-3:].replace('.', '')}")
    await csms.a_charge_point(cp_id)
    cp = VERSIONS[version](url=csms.ocpp_url, cp_id=cp_id, connectors=2, reboot_delay=0.1,
                           reconnect_min_delay=0.1, reconnect_max_delay=0.5, call_timeout=5)
    cp.feature_step_delay = step
    await cp.connect()
    return cp


@pytest.fixture(params=list(VERSIONS))
async def station(request, csms):
    cp = await _station(csms, request.param)
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


@pytest.fixture
async def station201(csms):
    cp = await _station(csms, "ocpp2.0.1")
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


def cmd(station, name: str) -> str:
    return f"/api/v1/admin/charge-points/{station.cp_id}/commands/{name}"


async def listed(csms, station, what: str) -> list[dict]:
    status, body = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/{what}")
    assert status == 200, body
    return body


async def first_job_in(csms, station, what: str, *statuses: str) -> dict:
    async def check():
        jobs = await listed(csms, station, what)
        return jobs[0] if jobs and jobs[0]["status"] in statuses else None
    return await eventually(check, timeout=8, what=f"{what} {statuses}")


# -- every action, through the generic calls ---------------------------------------------------------
@pytest.mark.parametrize("version", list(VERSIONS))
async def test_every_csms_initiated_action_is_answered_through_calls(csms, version):
    cp = await _station(csms, version, step=60.0)   # transfers answered, their flows held back
    try:
        refused = {}
        for action in in_sending_order(version):
            status, body = await csms.post(f"/api/v1/admin/charge-points/{cp.cp_id}/calls/{action}",
                                           minimal_request(version, action))
            if status != 200 or "response" not in body:
                refused[action] = (status, body)
        assert refused == {}
        assert [a for a, _ in cp.received] == in_sending_order(version)
    finally:
        await cp.close()
    assert cp.protocol_errors == []


# -- firmware (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware L01) --------------------------------------
async def test_signed_firmware_update_is_verified_installed_and_the_new_version_booted(csms, station, tmp_path):
    signer = a_signer()
    status, body = await csms.post(cmd(station, "install-certificate"),
                                   {"certificate_type": "manufacturer_root", "certificate": signer.root_pem})
    assert (status, body) == (200, {"status": "Accepted"})
    location, image, _ = an_image(tmp_path, "sim-4.2.bin")
    status, started = await csms.post(cmd(station, "update-firmware"), {
        "location": location, "signature": signer.sign(image), "signing_certificate": signer.signing_pem})
    assert (status, started["status"]) == (200, "Accepted"), started
    job = await first_job_in(csms, station, "firmware-updates", "Installed")
    assert (job["request_id"], job["signed"]) == (started["request_id"], True)
    frames = [p for a, p in station.received if a in ("SignedUpdateFirmware", "UpdateFirmware")]
    assert frames[-1]["requestId"] == started["request_id"]

    async def booted_new_version():
        _, view = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}")
        return view if view["firmware_version"] == "sim-4.2" and view["online"] else None
    await eventually(booted_new_version, timeout=8, what="the new firmware version")
    assert station.firmware_version == "sim-4.2" and station.firmware_status == "Installed"

    async def updated_event():
        return [e for e in await listed(csms, station, "security-events") if e["type"] == "FirmwareUpdated"]
    await eventually(updated_event, timeout=5, what="FirmwareUpdated security event")


async def test_an_unverifiable_signing_certificate_or_signature_is_refused_and_alarmed(csms, station, tmp_path):
    signer = a_signer()
    location, image, _ = an_image(tmp_path)
    signed = {"location": location, "signature": signer.sign(image), "signing_certificate": signer.signing_pem}
    # no manufacturer root on the station: it cannot verify the signing certificate
    status, refused = await csms.post(cmd(station, "update-firmware"), signed)
    assert (status, refused["status"]) == (200, "InvalidCertificate")
    assert (await listed(csms, station, "firmware-updates"))[0]["status"] == "InvalidCertificate"
    # with the root, a signature of another image fails after the download
    await csms.post(cmd(station, "install-certificate"), {"certificate_type": "manufacturer_root",
                                                          "certificate": signer.root_pem})
    status, forged = await csms.post(cmd(station, "update-firmware"), {**signed, "signature": signer.sign(b"other")})
    assert (status, forged["status"]) == (200, "Accepted")
    job = await first_job_in(csms, station, "firmware-updates", "InvalidSignature")
    assert job["request_id"] == forged["request_id"] and station.firmware_version == "1.0.0"

    async def alarms():
        _, raised = await csms.get(f"/api/v1/admin/alarms?charge_point_id={station.cp_id}")
        types = {a["type"] for a in raised}
        return types if {"InvalidFirmwareSigningCertificate", "InvalidFirmwareSignature"} <= types else None
    await eventually(alarms, timeout=5, what="firmware alarms")


# -- logs (1.6 security extension GetLog, 2.0.1 GetLog) -----------------------------------------------
async def test_get_log_is_uploaded_and_a_second_request_cancels_the_first(csms, station, tmp_path):
    await station.send_security_event("SettingSystemTime", "clock set by the test")
    status, asked = await csms.post(cmd(station, "get-log"), {"location": tmp_path.as_uri(), "log_type": "SecurityLog"})
    assert (status, asked["status"]) == (200, "Accepted"), asked
    job = await first_job_in(csms, station, "log-requests", "Uploaded")
    assert (job["request_id"], job["log_type"], job["file_name"]) == (asked["request_id"], "SecurityLog",
                                                                      asked["file_name"])
    assert "SettingSystemTime clock set by the test" in (tmp_path / asked["file_name"]).read_text()

    station.feature_step_delay = 0.5
    first = (await csms.post(cmd(station, "get-log"), {"location": tmp_path.as_uri(), "log_type": "DiagnosticsLog"}))[1]
    second = (await csms.post(cmd(station, "get-log"), {"location": tmp_path.as_uri(),
                                                        "log_type": "DiagnosticsLog"}))[1]
    assert (first["status"], second["status"]) == ("Accepted", "AcceptedCanceled")
    await first_job_in(csms, station, "log-requests", "Uploaded")
    jobs = {j["request_id"]: j["status"] for j in await listed(csms, station, "log-requests")}
    assert (jobs[first["request_id"]], jobs[second["request_id"]]) == ("Cancelled", "Uploaded")
    assert (tmp_path / second["file_name"]).is_file()


# -- 2.0.1 local controller: publish / unpublish (L03, L04) -------------------------------------------
async def test_TC_L_17_TC_L_21_publish_then_unpublish_firmware_on_the_201_station(csms, station201, tmp_path):
    location, _, md5 = an_image(tmp_path, "lc-7.bin")
    status, published = await csms.post(cmd(station201, "publish-firmware"), {"location": location, "checksum": md5})
    assert (status, published["status"]) == (200, "Accepted"), published
    job = await first_job_in(csms, station201, "firmware-updates", "Published")
    assert (job["kind"], job["checksum"], job["request_id"]) == ("publish", md5, published["request_id"])
    assert station201.published[md5]["requestId"] == published["request_id"]

    status, answer = await csms.post(cmd(station201, "unpublish-firmware"), {"checksum": md5})
    assert (status, answer["status"]) == (200, "Unpublished")
    assert station201.published == {}
    assert (await listed(csms, station201, "firmware-updates"))[0]["status"] == "Unpublished"
    status, answer = await csms.post(cmd(station201, "unpublish-firmware"), {"checksum": md5})
    assert (status, answer["status"]) == (200, "NoFirmware")

    status, wrong = await csms.post(cmd(station201, "publish-firmware"), {"location": location, "checksum": "0" * 32})
    assert (status, wrong["status"]) == (200, "Accepted")
    job = await first_job_in(csms, station201, "firmware-updates", "InvalidChecksum")
    assert job["request_id"] == wrong["request_id"] and station201.published == {}


# -- 2.0.1 GetChargingProfiles -> ReportChargingProfiles (K09) -----------------------------------------
async def test_TC_K_29_reported_profiles_are_what_the_201_station_holds(csms, station201):
    profile = {"id": 31, "stackLevel": 2, "chargingProfilePurpose": "TxDefaultProfile",
               "chargingProfileKind": "Relative", "chargingSchedule": [
                   {"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20.0}]}]}
    # installed behind the CSMS's back (generic call: the CSMS keeps no record of it)
    status, body = await csms.post(f"/api/v1/admin/charge-points/{station201.cp_id}/calls/SetChargingProfile",
                                   {"evseId": 1, "chargingProfile": profile})
    assert (status, body) == (200, {"response": {"status": "Accepted"}})
    assert station201.charging_profiles[1][31]["raw"] == profile

    async def stored():
        return [p for p in await listed(csms, station201, "charging-profiles") if p["profile"]["id"] == 31]
    assert await stored() == []
    status, asked = await csms.post(cmd(station201, "get-charging-profiles"), {"connector_id": 1})
    assert (status, asked["status"]) == (200, "Accepted"), asked
    [record] = await eventually(stored, timeout=5, what="the reported profile")
    assert (record["evse_id"], record["source"], record["profile"]["stack_level"]) == (1, "CSO", 2)
    assert record["profile"]["schedule"]["periods"] == [{"start_period": 0, "limit": 20.0}]
    reports = [p for a, p in station201.received if a == "GetChargingProfiles"]
    assert reports[-1]["requestId"] == asked["request_id"]

    status, none = await csms.post(cmd(station201, "get-charging-profiles"), {"connector_id": 2})
    assert (status, none["status"]) == (200, "NoProfiles")
