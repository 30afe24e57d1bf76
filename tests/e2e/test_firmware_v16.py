"""OCPP 1.6 Firmware Management and the security extension (signed update, logs) over a real socket:
the frame the charge point receives, the REST answer, and the job's state as the status
notifications arrive."""

from __future__ import annotations

from tests.e2e.helpers import answer

SIGNED = {"signature": "c2lnbmF0dXJl",
          "signing_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def _jobs(csms, cp_id: str, kind: str = "firmware-updates") -> list:
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/{kind}")
    assert status == 200, body
    return body


async def _cp(csms, cp_id: str) -> dict:
    return (await csms.get(f"/api/v1/admin/charge-points/{cp_id}"))[1]


async def test_TC_044_1_firmware_update_download_and_install(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "update-firmware"),
                          {"location": "ftp://fw.example.com/cp-2.0.bin", "retrieve_date": "2026-01-01T00:00:00Z",
                           "retries": 3, "retry_interval": 60}), {})
    assert frame[2:] == ["UpdateFirmware", {"location": "ftp://fw.example.com/cp-2.0.bin",
                                            "retrieveDate": "2026-01-01T00:00:00.000Z", "retries": 3,
                                            "retryInterval": 60}]
    assert status == 200 and body["status"] == "Accepted", body
    [job] = await _jobs(csms, client.cp_id)
    assert (job["request_id"], job["status"], job["signed"]) == (body["request_id"], "Accepted", False)

    for step in ("Downloading", "Downloaded", "Installing", "Installed"):
        assert await client.result("FirmwareStatusNotification", {"status": step}) == {}
        assert (await _jobs(csms, client.cp_id))[0]["status"] == step
    # late or repeated notifications do not move a finished job back; Idle changes no job
    for late in ("Downloading", "Installed", "Idle"):
        assert await client.result("FirmwareStatusNotification", {"status": late}) == {}
    assert (await _jobs(csms, client.cp_id))[0]["status"] == "Installed"
    assert (await _cp(csms, client.cp_id))["firmware_status"] == "Idle"


async def test_signed_update_firmware_and_signed_firmware_status_notification(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "update-firmware"),
                          {"location": "https://fw.example.com/cp.bin", "retrieve_date": "2026-01-01T00:00:00Z",
                           **SIGNED}), {"status": "Accepted"})
    request_id = body["request_id"]
    assert frame[2:] == ["SignedUpdateFirmware", {"requestId": request_id, "firmware": {
        "location": "https://fw.example.com/cp.bin", "retrieveDateTime": "2026-01-01T00:00:00.000Z",
        "signingCertificate": SIGNED["signing_certificate"], "signature": SIGNED["signature"]}}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    for step in ("Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"):
        await client.result("SignedFirmwareStatusNotification", {"status": step, "requestId": request_id})
    [job] = await _jobs(csms, client.cp_id)
    assert (job["status"], job["signed"]) == ("Installed", True)

    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "update-firmware"),
                                                     {"location": "https://fw.example.com/bad.bin", **SIGNED}),
                                   {"status": "InvalidCertificate"})
    assert status == 200 and body["status"] == "InvalidCertificate"
    assert [j["status"] for j in await _jobs(csms, client.cp_id)] == ["InvalidCertificate", "Installed"]


async def test_TC_045_1_get_diagnostics(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-diagnostics"),
                          {"location": "ftp://logs.example.com/", "start_time": "2026-01-01T00:00:00Z",
                           "stop_time": "2026-01-02T00:00:00Z", "retries": 1}), {"fileName": "diag-1.zip"})
    assert frame[2:] == ["GetDiagnostics", {"location": "ftp://logs.example.com/", "retries": 1,
                                            "startTime": "2026-01-01T00:00:00.000Z",
                                            "stopTime": "2026-01-02T00:00:00.000Z"}]
    assert (status, body) == (200, {"status": "Accepted", "file_name": "diag-1.zip", "request_id": body["request_id"]})
    await client.result("DiagnosticsStatusNotification", {"status": "Uploading"})
    assert (await _jobs(csms, client.cp_id, "log-requests"))[0]["status"] == "Uploading"
    await client.result("DiagnosticsStatusNotification", {"status": "Uploaded"})
    [job] = await _jobs(csms, client.cp_id, "log-requests")
    assert (job["status"], job["file_name"], job["log_type"]) == ("Uploaded", "diag-1.zip", "DiagnosticsLog")
    assert (await _cp(csms, client.cp_id))["diagnostics_status"] == "Uploaded"

    # no file name: nothing to upload
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "get-diagnostics"),
                                                     {"location": "ftp://logs.example.com/"}), {})
    assert status == 200 and body["status"] == "Rejected" and "file_name" not in body


async def test_get_diagnostics_upload_failed(csms, open_client):
    client = await open_client(csms)
    await answer(client, csms.post(_cmd(client.cp_id, "get-diagnostics"), {"location": "ftp://x/"}),
                 {"fileName": "d.zip"})
    await client.result("DiagnosticsStatusNotification", {"status": "Uploading"})
    await client.result("DiagnosticsStatusNotification", {"status": "UploadFailed"})
    assert (await _jobs(csms, client.cp_id, "log-requests"))[0]["status"] == "UploadFailure"


async def test_get_log_security_log_and_log_status_notification(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-log"), {"location": "https://logs.example.com/up",
                                                          "log_type": "SecurityLog", "retries": 2,
                                                          "retry_interval": 30}),
        {"status": "Accepted", "filename": "sec.log"})
    request_id = body["request_id"]
    assert frame[2:] == ["GetLog", {"logType": "SecurityLog", "requestId": request_id, "retries": 2,
                                    "retryInterval": 30, "log": {"remoteLocation": "https://logs.example.com/up"}}]
    assert (status, body) == (200, {"status": "Accepted", "file_name": "sec.log", "request_id": request_id})
    await client.result("LogStatusNotification", {"status": "Uploading", "requestId": request_id})
    await client.result("LogStatusNotification", {"status": "Uploaded", "requestId": request_id})
    await client.result("LogStatusNotification", {"status": "Uploading", "requestId": request_id})   # late
    [job] = await _jobs(csms, client.cp_id, "log-requests")
    assert (job["request_id"], job["log_type"], job["status"]) == (request_id, "SecurityLog", "Uploaded")


async def test_update_firmware_answered_with_callerror_is_502_and_the_job_failed(csms, open_client):
    client = await open_client(csms)
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "update-firmware"),
                                                     {"location": "https://fw/x.bin"}),
                                   [4, "{id}", "NotSupported", "no firmware updates here", {}])
    assert status == 502 and body["error"]["code"] == "NotSupported"
    assert [j["status"] for j in await _jobs(csms, client.cp_id)] == ["Failed"]
