"""OCPP 2.0.1 firmware (block L) and logs (block N) over a real socket: the same REST bodies as 1.6,
the exact 2.0.1 frames, and each job's state as the status notifications arrive."""

from __future__ import annotations

from tests.e2e.helpers import answer
from tests.e2e.test_smart_charging_v201 import booted

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def _jobs(csms, cp_id: str, kind: str = "firmware-updates") -> list:
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/{kind}")
    assert status == 200, body
    return body


async def test_TC_L_01_secure_firmware_update_installation_successful(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "update-firmware"),
                          {"location": "https://fw.example.com/v2.bin", "retrieve_date": "2026-01-01T00:00:00Z",
                           "retries": 2, "signature": "c2ln", "signing_certificate": CERT}), {"status": "Accepted"})
    request_id = body["request_id"]
    assert frame[2:] == ["UpdateFirmware", {"requestId": request_id, "retries": 2, "firmware": {
        "location": "https://fw.example.com/v2.bin", "retrieveDateTime": "2026-01-01T00:00:00.000Z",
        "signingCertificate": CERT, "signature": "c2ln"}}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    for step in ("Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallRebooting", "Installed"):
        assert await client.result("FirmwareStatusNotification", {"status": step, "requestId": request_id}) == {}
        assert (await _jobs(csms, client.cp_id))[0]["status"] == step
    await client.result("FirmwareStatusNotification", {"status": "Downloading", "requestId": request_id})  # late
    await client.result("FirmwareStatusNotification", {"status": "Installing", "requestId": 424242})      # not ours
    [job] = await _jobs(csms, client.cp_id)
    assert (job["status"], job["signed"], job["kind"]) == ("Installed", True, "update")


async def test_TC_L_10_secure_firmware_update_accepted_canceled(csms, open_client):
    client = await booted(csms, open_client)
    _, _, first = await answer(client, csms.post(_cmd(client.cp_id, "update-firmware"), {"location": "https://a/1"}),
                               {"status": "Accepted"})
    await client.result("FirmwareStatusNotification", {"status": "Downloading", "requestId": first["request_id"]})
    _, status, second = await answer(client, csms.post(_cmd(client.cp_id, "update-firmware"),
                                                       {"location": "https://a/2"}), {"status": "AcceptedCanceled"})
    assert status == 200 and second["status"] == "AcceptedCanceled"
    jobs = await _jobs(csms, client.cp_id)
    assert [(j["request_id"], j["status"]) for j in jobs] == [(second["request_id"], "AcceptedCanceled"),
                                                              (first["request_id"], "Cancelled")]


async def test_secure_firmware_update_invalid_signature(csms, open_client):
    client = await booted(csms, open_client)
    _, _, body = await answer(client, csms.post(_cmd(client.cp_id, "update-firmware"), {"location": "https://a/1"}),
                              {"status": "Accepted"})
    for step in ("Downloading", "Downloaded", "InvalidSignature", "Installing"):
        await client.result("FirmwareStatusNotification", {"status": step, "requestId": body["request_id"]})
    assert (await _jobs(csms, client.cp_id))[0]["status"] == "InvalidSignature"


async def test_TC_L_17_publish_firmware_published_and_TC_L_21_unpublish(csms, open_client):
    client = await booted(csms, open_client)
    checksum = "9e107d9d372bb6826bd81d3542a419d6"
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "publish-firmware"),
                          {"location": "https://fw.example.com/lc.bin", "checksum": checksum, "retries": 1,
                           "retry_interval": 10}), {"status": "Accepted"})
    request_id = body["request_id"]
    assert frame[2:] == ["PublishFirmware", {"location": "https://fw.example.com/lc.bin", "checksum": checksum,
                                             "requestId": request_id, "retries": 1, "retryInterval": 10}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    for step in ("Downloading", "Downloaded", "ChecksumVerified"):
        await client.result("PublishFirmwareStatusNotification", {"status": step, "requestId": request_id})
    await client.result("PublishFirmwareStatusNotification", {
        "status": "Published", "requestId": request_id, "location": ["http://lc.local/fw.bin"]})
    [job] = await _jobs(csms, client.cp_id)
    assert (job["kind"], job["status"], job["checksum"]) == ("publish", "Published", checksum)

    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "unpublish-firmware"),
                                                         {"checksum": checksum}), {"status": "Unpublished"})
    assert frame[2:] == ["UnpublishFirmware", {"checksum": checksum}]
    assert (status, body) == (200, {"status": "Unpublished"})
    assert (await _jobs(csms, client.cp_id))[0]["status"] == "Unpublished"


async def test_TC_N_25_retrieve_log_information_diagnostics_log_success(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-diagnostics"),
                          {"location": "https://logs.example.com/", "start_time": "2026-01-01T00:00:00Z"}),
        {"status": "Accepted", "filename": "diag.tar"})
    request_id = body["request_id"]
    assert frame[2:] == ["GetLog", {"logType": "DiagnosticsLog", "requestId": request_id, "log": {
        "remoteLocation": "https://logs.example.com/", "oldestTimestamp": "2026-01-01T00:00:00.000Z"}}]
    assert (status, body) == (200, {"status": "Accepted", "file_name": "diag.tar", "request_id": request_id})
    for step in ("Uploading", "Uploaded"):
        assert await client.result("LogStatusNotification", {"status": step, "requestId": request_id}) == {}
    [job] = await _jobs(csms, client.cp_id, "log-requests")
    assert (job["status"], job["file_name"], job["start_time"]) == ("Uploaded", "diag.tar", "2026-01-01T00:00:00.000Z")


async def test_TC_N_26_retrieve_log_information_diagnostics_log_upload_failed(csms, open_client):
    client = await booted(csms, open_client)
    _, _, body = await answer(client, csms.post(_cmd(client.cp_id, "get-log"),
                                                {"location": "https://l/", "log_type": "DiagnosticsLog"}),
                              {"status": "Accepted"})
    await client.result("LogStatusNotification", {"status": "Uploading", "requestId": body["request_id"]})
    await client.result("LogStatusNotification", {"status": "UploadFailure", "requestId": body["request_id"]})
    assert (await _jobs(csms, client.cp_id, "log-requests"))[0]["status"] == "UploadFailure"


async def test_TC_N_35_retrieve_log_information_security_log_success(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-log"), {"location": "https://l/", "log_type": "SecurityLog",
                                                          "stop_time": "2026-02-01T00:00:00Z"}),
        {"status": "Accepted", "filename": "security.log"})
    assert frame[3]["logType"] == "SecurityLog"
    assert frame[3]["log"] == {"remoteLocation": "https://l/", "latestTimestamp": "2026-02-01T00:00:00.000Z"}
    await client.result("LogStatusNotification", {"status": "Uploaded", "requestId": body["request_id"]})
    [job] = await _jobs(csms, client.cp_id, "log-requests")
    assert (job["log_type"], job["status"]) == ("SecurityLog", "Uploaded")


async def test_get_log_rejected_stays_rejected(csms, open_client):
    client = await booted(csms, open_client)
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "get-log"),
                                                     {"location": "https://l/", "log_type": "SecurityLog"}),
                                   {"status": "Rejected"})
    assert status == 200 and body["status"] == "Rejected"
    await client.result("LogStatusNotification", {"status": "Uploading", "requestId": body["request_id"]})
    assert (await _jobs(csms, client.cp_id, "log-requests"))[0]["status"] == "Rejected"
