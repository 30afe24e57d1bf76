"""Firmware updates, firmware publishing and log uploads of the simulator, both versions, against the fake
central systems: the status notifications in order, the checks (signing certificate, signature, MD5),
cancellation, retries, triggered notifications, and the files really read from / written to file:// places."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.firmware_support import a_signer, an_image

SIGNED_ACTION = {"1.6": ("SignedUpdateFirmware", "SignedFirmwareStatusNotification"),
                 "2.0.1": ("UpdateFirmware", "FirmwareStatusNotification")}
INSTALLED = ["Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallRebooting", "Installed"]


def at(seconds: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture(params=["1.6", "2.0.1"])
async def station(request, csms, csms201, make_cp, make_cp201):
    """(version, fake CSMS, charge point) with fast transfer steps."""
    fake, make = (csms, make_cp) if request.param == "1.6" else (csms201, make_cp201)
    cp = make("CP1", connectors=2)
    cp.feature_step_delay = 0.01
    await cp.connect()
    return request.param, fake, cp


def statuses(fake, action: str, after: int = 0) -> list[tuple[str, int | None]]:
    return [(r.payload["status"], r.payload.get("requestId")) for r in fake.calls(action, after=after)]


async def install_maker_root(fake, signer) -> None:
    answer = await fake.call("CP1", "InstallCertificate", {"certificateType": "ManufacturerRootCertificate",
                                                            "certificate": signer.root_pem})
    assert answer == {"status": "Accepted"}


def signed_request(request_id: int, location: str, signer, signature: str, **firmware) -> dict:
    return {"requestId": request_id, "firmware": {"location": location, "retrieveDateTime": at(),
                                                  "signingCertificate": signer.signing_pem, "signature": signature,
                                                  **firmware}}


async def test_signed_update_verifies_installs_reboots_and_reports(station, tmp_path):
    version, fake, cp = station
    request, notice = SIGNED_ACTION[version]
    signer = a_signer("rsa" if version == "2.0.1" else "ec")
    await install_maker_root(fake, signer)
    location, image, _ = an_image(tmp_path, "sim-3.1.bin")
    mark = len(fake.received)
    assert await fake.call("CP1", request, signed_request(41, location, signer, signer.sign(image))) == {
        "status": "Accepted"}
    await fake.wait(lambda: len(fake.calls(notice, after=mark)) == len(INSTALLED))
    assert statuses(fake, notice, mark) == [(s, 41) for s in INSTALLED]
    # rebooted into the new firmware between InstallRebooting and Installed
    [boot] = [r for r in fake.calls("BootNotification", after=mark)]
    reboot_at = fake.received.index(boot)
    assert [r.payload["status"] for r in fake.received[reboot_at - 1:reboot_at + 2] if r.action == notice] == [
        "InstallRebooting"]
    reported = boot.payload["firmwareVersion"] if version == "1.6" else boot.payload["chargingStation"]["firmwareVersion"]
    assert (reported, cp.firmware_version, cp.firmware_status) == ("sim-3.1", "sim-3.1", "Installed")
    if version == "2.0.1":
        assert boot.payload["reason"] == "FirmwareUpdate"
    await fake.wait(lambda: fake.calls("SecurityEventNotification", after=mark))
    assert [e["type"] for e in cp.security_events] == ["FirmwareUpdated"]


async def test_signing_certificate_needs_an_installed_manufacturer_root(station, tmp_path):
    version, fake, cp = station
    request, notice = SIGNED_ACTION[version]
    signer, stranger = a_signer(), a_signer(maker="Other Maker")
    location, image, _ = an_image(tmp_path)
    mark = len(fake.received)
    # no manufacturer root at all, then a root that did not issue the signing certificate
    assert await fake.call("CP1", request, signed_request(1, location, signer, signer.sign(image))) == {
        "status": "InvalidCertificate"}
    await install_maker_root(fake, stranger)
    assert await fake.call("CP1", request, signed_request(2, location, signer, signer.sign(image))) == {
        "status": "InvalidCertificate"}
    await fake.wait(lambda: len(fake.calls("SecurityEventNotification", after=mark)) == 2)
    assert [r.payload["type"] for r in fake.calls("SecurityEventNotification", after=mark)] == [
        "InvalidFirmwareSigningCertificate"] * 2
    assert fake.calls(notice, after=mark) == [] and cp.firmware_status == "Idle"


async def test_a_wrong_signature_stops_before_installing(station, tmp_path):
    version, fake, cp = station
    request, notice = SIGNED_ACTION[version]
    signer = a_signer()
    await install_maker_root(fake, signer)
    location, _, _ = an_image(tmp_path)
    mark = len(fake.received)
    forged = signer.sign(b"another image")
    assert (await fake.call("CP1", request, signed_request(5, location, signer, forged)))["status"] == "Accepted"
    await fake.wait(lambda: fake.calls("SecurityEventNotification", after=mark))
    assert statuses(fake, notice, mark) == [("Downloading", 5), ("Downloaded", 5), ("InvalidSignature", 5)]
    assert cp.security_events[-1]["type"] == "InvalidFirmwareSignature"
    assert cp.firmware_version == "1.0.0" and fake.calls("BootNotification", after=mark) == []


async def test_a_new_update_cancels_a_scheduled_one_and_triggers_report_it(station, tmp_path):
    version, fake, cp = station
    request, notice = SIGNED_ACTION[version]
    signer = a_signer()
    await install_maker_root(fake, signer)
    location, image, _ = an_image(tmp_path)
    mark = len(fake.received)
    later = signed_request(7, location, signer, signer.sign(image), retrieveDateTime=at(3600))
    assert (await fake.call("CP1", request, later))["status"] == "Accepted"
    await fake.wait(lambda: statuses(fake, notice, mark) == [("DownloadScheduled", 7)])
    # a triggered status notification tells the scheduled request
    if version == "1.6":
        trigger = ("ExtendedTriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
    else:
        trigger = ("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
    assert await fake.call("CP1", *trigger) == {"status": "Accepted"}
    await fake.wait(lambda: len(fake.calls(notice, after=mark)) == 2)
    assert statuses(fake, notice, mark)[-1] == ("DownloadScheduled", 7)
    # the next request cancels it: AcceptedCanceled, and only the new one goes on
    now = signed_request(8, location, signer, signer.sign(image))
    assert (await fake.call("CP1", request, now))["status"] == "AcceptedCanceled"
    await fake.wait(lambda: cp.firmware_status == "Installed", timeout=5)
    assert [rid for _, rid in statuses(fake, notice, mark)[2:]] == [8] * len(INSTALLED)


async def test_an_unreachable_image_fails_after_its_retries(station, tmp_path):
    version, fake, cp = station
    request, notice = SIGNED_ACTION[version]
    signer = a_signer()
    await install_maker_root(fake, signer)
    mark = len(fake.received)
    missing = (tmp_path / "nothing.bin").as_uri()
    payload = {**signed_request(9, missing, signer, signer.sign(b"x")), "retries": 2, "retryInterval": 0}
    assert (await fake.call("CP1", request, payload))["status"] == "Accepted"
    await fake.wait(lambda: cp.firmware_status == "DownloadFailed")
    await fake.wait(lambda: len(fake.calls(notice, after=mark)) == 2)
    assert statuses(fake, notice, mark) == [("Downloading", 9), ("DownloadFailed", 9)]


async def test_get_log_writes_the_file_and_a_new_request_cancels_the_running_one(station, tmp_path):
    _, fake, cp = station
    await cp.send_security_event("SettingSystemTime", "clock set")
    mark = len(fake.received)
    first = {"logType": "SecurityLog", "requestId": 11, "log": {"remoteLocation": tmp_path.as_uri()}}
    answer = await fake.call("CP1", "GetLog", first)
    assert answer["status"] == "Accepted" and answer["filename"].startswith("security-CP1-")
    await fake.wait(lambda: cp.upload_status == "Uploaded")
    await fake.wait(lambda: len(fake.calls("LogStatusNotification", after=mark)) == 2)
    assert statuses(fake, "LogStatusNotification", mark) == [("Uploading", 11), ("Uploaded", 11)]
    text = (tmp_path / answer["filename"]).read_text()
    assert "SettingSystemTime clock set" in text and cp.uploaded == [tmp_path / answer["filename"]]

    cp.feature_step_delay = 0.3
    mark = len(fake.received)
    second = {"logType": "DiagnosticsLog", "requestId": 12, "log": {"remoteLocation": tmp_path.as_uri()}}
    assert (await fake.call("CP1", "GetLog", second))["status"] == "Accepted"
    third = {**second, "requestId": 13}
    assert (await fake.call("CP1", "GetLog", third))["status"] == "AcceptedCanceled"
    await fake.wait(lambda: cp.upload_status == "Uploaded", timeout=5)
    await fake.wait(lambda: len(fake.calls("LogStatusNotification", after=mark)) == 2)
    assert statuses(fake, "LogStatusNotification", mark) == [("Uploading", 13), ("Uploaded", 13)]

    cp.feature_step_delay = 0.01
    mark = len(fake.received)
    nowhere = {**second, "requestId": 14, "retries": 1, "retryInterval": 0,
               "log": {"remoteLocation": (tmp_path / "no" / "such").as_uri()}}
    assert (await fake.call("CP1", "GetLog", nowhere))["status"] == "Accepted"
    await fake.wait(lambda: len(fake.calls("LogStatusNotification", after=mark)) == 2)
    assert statuses(fake, "LogStatusNotification", mark) == [("Uploading", 14), ("UploadFailure", 14)]


async def test_v16_core_update_and_diagnostics_use_the_same_transfers(csms, make_cp, tmp_path):
    cp = make_cp("CP1", connectors=1)
    cp.feature_step_delay = 0.01
    await cp.connect()
    mark = len(csms.received)
    answer = await csms.call("CP1", "GetDiagnostics", {"location": tmp_path.as_uri()})
    await csms.wait(lambda: len(csms.calls("DiagnosticsStatusNotification", after=mark)) == 2)
    assert [s for s, _ in statuses(csms, "DiagnosticsStatusNotification", mark)] == ["Uploading", "Uploaded"]
    assert "connector 1: Available" in (tmp_path / answer["fileName"]).read_text()
    await csms.call("CP1", "GetDiagnostics", {"location": (tmp_path / "missing").as_uri()})
    await csms.wait(lambda: len(csms.calls("DiagnosticsStatusNotification", after=mark)) == 4)
    assert statuses(csms, "DiagnosticsStatusNotification", mark)[-1] == ("UploadFailed", None)
    # the core update has no scheduled / rebooting words: they are not sent
    location, _, _ = an_image(tmp_path, "core-2.bin")
    assert await csms.call("CP1", "UpdateFirmware", {"location": location, "retrieveDate": at(3600)}) == {}
    assert await csms.call("CP1", "TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}) == {
        "status": "Accepted"}
    await csms.wait(lambda: csms.calls("FirmwareStatusNotification", after=mark))
    assert statuses(csms, "FirmwareStatusNotification", mark) == [("Idle", None)]   # scheduled: nothing to tell
    assert await csms.call("CP1", "UpdateFirmware", {"location": location, "retrieveDate": at()}) == {}
    await csms.wait(lambda: cp.firmware_status == "Installed", timeout=5)
    assert [s for s, _ in statuses(csms, "FirmwareStatusNotification", mark)] == [
        "Idle", "Downloading", "Downloaded", "Installing", "Installed"]
    assert cp.firmware_version == "core-2"


async def test_v201_publish_and_unpublish_firmware(csms201, make_cp201, tmp_path):
    cp = make_cp201("CP1", connectors=1)
    cp.feature_step_delay = 0.2
    await cp.connect()
    location, _, md5 = an_image(tmp_path, "lc-1.bin")
    mark = len(csms201.received)
    assert await csms201.call("CP1", "PublishFirmware", {"location": location, "checksum": md5, "requestId": 21}) == {
        "status": "Accepted"}
    # still downloading: another publication is refused, unpublishing it is DownloadOngoing
    assert await csms201.call("CP1", "PublishFirmware", {"location": location, "checksum": md5, "requestId": 22}) == {
        "status": "Rejected"}
    assert await csms201.call("CP1", "UnpublishFirmware", {"checksum": md5}) == {"status": "DownloadOngoing"}
    await csms201.wait(lambda: csms201.calls("PublishFirmwareStatusNotification", after=mark))
    assert await csms201.call("CP1", "TriggerMessage", {"requestedMessage": "PublishFirmwareStatusNotification"}) == {
        "status": "Accepted"}
    await csms201.wait(lambda: cp.publish_status == "Published", timeout=5)
    await csms201.wait(lambda: len(csms201.calls("PublishFirmwareStatusNotification", after=mark)) == 5)
    notices = [r.payload for r in csms201.calls("PublishFirmwareStatusNotification", after=mark)]
    assert [(n["status"], n["requestId"]) for n in notices] == [
        ("Downloading", 21), ("Downloading", 21), ("Downloaded", 21), ("ChecksumVerified", 21), ("Published", 21)]
    assert notices[-1]["location"] == cp.published[md5]["uris"] and len(notices[-1]["location"]) == 2
    assert all(u.endswith(f"/firmware/{md5}/lc-1.bin") for u in notices[-1]["location"])

    assert await csms201.call("CP1", "UnpublishFirmware", {"checksum": md5.upper()}) == {"status": "Unpublished"}
    assert cp.published == {}
    assert await csms201.call("CP1", "UnpublishFirmware", {"checksum": md5}) == {"status": "NoFirmware"}

    cp.feature_step_delay = 0.01
    mark = len(csms201.received)
    assert await csms201.call("CP1", "PublishFirmware", {"location": location, "checksum": "0" * 32,
                                                         "requestId": 23}) == {"status": "Accepted"}
    await csms201.wait(lambda: cp.publish_status == "InvalidChecksum")
    await csms201.wait(lambda: len(csms201.calls("PublishFirmwareStatusNotification", after=mark)) == 3)
    assert [s for s, _ in statuses(csms201, "PublishFirmwareStatusNotification", mark)] == [
        "Downloading", "Downloaded", "InvalidChecksum"]
    assert cp.published == {}


async def test_v201_installation_waits_for_the_running_transaction(csms201, make_cp201, tmp_path):
    cp = make_cp201("CP1", connectors=1)
    cp.feature_step_delay = 0.01
    await cp.connect()
    await cp.plug_in(1)
    await cp.start_session(1, "TAG")
    location, _, _ = an_image(tmp_path, "tx-wait.bin")
    mark = len(csms201.received)
    assert await csms201.call("CP1", "UpdateFirmware", {"requestId": 3, "firmware": {
        "location": location, "retrieveDateTime": at()}}) == {"status": "Accepted"}
    await csms201.wait(lambda: cp.firmware_status == "Downloaded")
    await asyncio.sleep(0.3)  # it would be installing by now without the transaction
    assert cp.firmware_status == "Downloaded" and cp.connectors[1].transaction is not None
    await cp.stop_session(1)
    await csms201.wait(lambda: cp.firmware_status == "Installed", timeout=5)
    assert [s for s, _ in statuses(csms201, "FirmwareStatusNotification", mark)] == [
        "Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"]
