"""File transfers of a simulated charge point, both versions: firmware updates (1.6 UpdateFirmware and the
security extension's SignedUpdateFirmware, 2.0.1 UpdateFirmware), firmware publishing (2.0.1 local
controller: PublishFirmware / UnpublishFirmware) and log uploads (1.6 GetDiagnostics and GetLog, 2.0.1
GetLog). Mixed into ChargePoint16 and ChargePoint201 through features_common.FeatureState; the version
mixins answer the requests and start the flows here.

- ``transfers``: kind (``firmware``, ``upload``, ``publish``) -> the current ``Transfer`` (one of a kind at a
  time). A new request cancels the one in progress: a firmware update while downloading (answer
  ``AcceptedCanceled``; while installing ``Rejected``), a log upload (``AcceptedCanceled``); a
  publication while another one runs is ``Rejected``. ``firmware_status`` / ``upload_status`` /
  ``publish_status``: the last status of each (``Idle`` before any).
- The status notifications go out one per ``feature_step_delay`` seconds after the answer, each only if
  the notification of that request has the word (1.6 core has no DownloadScheduled, InstallRebooting ...).
- Firmware: DownloadScheduled (retrieve time ahead), Downloading, Downloaded / DownloadFailed,
  SignatureVerified / InvalidSignature (+ security event InvalidFirmwareSignature) when signed,
  InstallScheduled (install time ahead), waits for running transactions to end, Installing,
  InstallRebooting, reboot (2.0.1 reason FirmwareUpdate) reporting the new version, Installed (+ security
  event FirmwareUpdated for the signed/2.0.1 updates).
- Publish: Downloading, Downloaded, ChecksumVerified / InvalidChecksum, Published with the URIs the
  local controller serves it at (``published``: checksum -> what is published).
- Upload: Uploading, Uploaded / UploadFailure (1.6 diagnostics: UploadFailed; a refused write:
  PermissionDenied). The log text is made when the request comes.
- Locations: ``file://`` is real (the image is read, the log is written into that directory, in a worker
  thread); retries (``retries`` more attempts, ``retryInterval`` s apart) apply to it. Other schemes are
  not reachable from a simulator: the transfer is simulated and succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .firmware_checks import (
    checksum_fault,
    image_name,
    signature_fault,
    signing_certificate_fault,
    version_of,
)
from .protocol import parse_time, utc_now

log = logging.getLogger("chargepoint_sim")

MAX_IMAGE_BYTES = 64 * 1024 * 1024

FIRMWARE_WORDS = frozenset({
    "Downloaded", "DownloadFailed", "Downloading", "DownloadScheduled", "DownloadPaused", "Idle",
    "InstallationFailed", "Installing", "Installed", "InstallRebooting", "InstallScheduled",
    "InstallVerificationFailed", "InvalidSignature", "SignatureVerified"})      # 2.0.1, 1.6 signed
CORE_FIRMWARE_WORDS = frozenset({"Downloaded", "DownloadFailed", "Downloading", "Idle", "InstallationFailed",
                                 "Installing", "Installed"})                 # 1.6 FirmwareStatusNotification
LOG_WORDS = frozenset({"BadMessage", "Idle", "NotSupportedOperation", "PermissionDenied", "Uploaded",
                       "UploadFailure", "Uploading"})
DIAGNOSTICS_WORDS = frozenset({"Idle", "Uploaded", "UploadFailed", "Uploading"})
PUBLISH_WORDS = frozenset({"Idle", "DownloadScheduled", "Downloading", "Downloaded", "Published", "DownloadFailed",
                           "DownloadPaused", "InvalidChecksum", "ChecksumVerified", "PublishFailed"})
FINAL = {
    "firmware": frozenset({"Idle", "Installed", "DownloadFailed", "InstallationFailed", "InstallVerificationFailed",
                           "InvalidSignature"}),
    "upload": frozenset({"Idle", "Uploaded", "UploadFailure", "UploadFailed", "BadMessage", "NotSupportedOperation",
                         "PermissionDenied"}),
    "publish": frozenset({"Idle", "Published", "DownloadFailed", "InvalidChecksum", "PublishFailed"}),
}
INSTALLING = frozenset({"Installing", "InstallRebooting"})


@dataclass
class Transfer:
    kind: str                       # firmware | upload | publish
    action: str                     # the status notification of this request
    request_id: int | None          # None: 1.6 core requests (their notifications carry none)
    words: frozenset[str]           # the statuses that notification may carry
    status: str = "Accepted"        # the last status reached (Accepted until the flow starts)
    details: dict = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        return self.status not in FINAL[self.kind]


# ---------------------------------------------------------------------- locations
def _local_path(location: str) -> Path | None:
    parts = urlsplit(location)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def _read(path: Path) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise OSError(f"{path}: larger than {MAX_IMAGE_BYTES} bytes")
    return data


async def read_location(location: str) -> bytes | None:
    """The image at a ``file://`` location (OSError if it cannot be read); None for other schemes."""
    path = _local_path(location)
    return None if path is None else await asyncio.to_thread(_read, path)


async def write_location(location: str, filename: str, text: str) -> Path | None:
    """Write a log into the ``file://`` directory (OSError if it cannot); None (nothing written) otherwise."""
    directory = _local_path(location)
    if directory is None:
        return None
    target = directory / filename
    await asyncio.to_thread(target.write_text, text, "utf-8")
    return target


class FileTransfers:
    """Mixin; relies on the StationChargePoint helpers (_call_quiet, after_reply, notify, wait_for, _restart)
    and, for the security events, on SecurityState (send_security_event, certificates)."""

    feature_step_delay = 0.5  # seconds between the status notifications of a transfer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transfers: dict[str, Transfer] = {}
        self.published: dict[str, dict] = {}       # MD5 checksum -> {location, uris, requestId}
        self.uploaded: list[Path] = []             # log files written to file:// locations
        self._transfer_tasks: dict[str, asyncio.Task] = {}

    # ------------------------------------------------------------------ state
    def _status_of(self, kind: str) -> str:
        job = self.transfers.get(kind)
        return "Idle" if job is None else job.status

    @property
    def firmware_status(self) -> str:
        return self._status_of("firmware")

    @property
    def upload_status(self) -> str:
        """Diagnostics (1.6) / log upload."""
        return self._status_of("upload")

    @property
    def publish_status(self) -> str:
        return self._status_of("publish")

    def _busy(self, kind: str) -> Transfer | None:
        job = self.transfers.get(kind)
        return job if job is not None and job.busy else None

    def _transfer_notice(self, action: str, kind: str) -> dict:
        """A triggered status notification: the running request's status, else Idle."""
        job = self._busy(kind)
        if job is None or job.action != action or job.status not in job.words:
            return {"status": "Idle"}
        payload = {"status": job.status}
        if job.request_id is not None:
            payload["requestId"] = job.request_id
        return payload

    # ------------------------------------------------------------------ running a transfer
    def _begin(self, job: Transfer, flow: Callable[[], Coroutine]) -> None:
        """Make ``job`` the current transfer of its kind (the one before is cancelled) and run ``flow()``
        once the answer is sent."""
        task = self._transfer_tasks.pop(job.kind, None)
        if task is not None:
            task.cancel()
        self.transfers[job.kind] = job
        self.notify()
        self.after_reply(self._run_transfer(job, flow))

    async def _run_transfer(self, job: Transfer, flow: Callable[[], Coroutine]) -> None:
        if self.transfers.get(job.kind) is not job:  # replaced before it started
            return
        me = asyncio.current_task()
        self._transfer_tasks[job.kind] = me
        try:
            await flow()
        finally:
            if self._transfer_tasks.get(job.kind) is me:
                del self._transfer_tasks[job.kind]

    async def _step(self, job: Transfer, status: str, **extra) -> None:
        await asyncio.sleep(self.feature_step_delay)
        job.status = status
        self.notify()
        if status in job.words:
            payload = {"status": status, **extra}
            if job.request_id is not None:
                payload["requestId"] = job.request_id
            await self._call_quiet(job.action, payload)

    async def _wait_until(self, job: Transfer, when: datetime | None, status: str) -> None:
        if when is not None and when > datetime.now(UTC):
            await self._step(job, status)
            await asyncio.sleep(max(0.0, (when - datetime.now(UTC)).total_seconds()))

    async def _download(self, job: Transfer, location: str, retries: int | None,
                        interval: int | None) -> tuple[bool, bytes | None]:
        """Downloading, then the image (None: not fetched); (False, None) after DownloadFailed."""
        await self._step(job, "Downloading")
        for attempt in range(1 + max(0, retries or 0)):
            if attempt:
                await asyncio.sleep(interval if interval is not None else self.feature_step_delay)
            try:
                return True, await read_location(location)
            except OSError as exc:
                log.info("%s: download of %s failed (attempt %d): %s", self.cp_id, location, attempt + 1, exc)
        await self._step(job, "DownloadFailed")
        return False, None

    # ------------------------------------------------------------------ firmware updates
    def _firmware_admission(self) -> str:
        """The answer to a (signed / 2.0.1) update: Accepted, AcceptedCanceled (one in progress is
        cancelled) or Rejected (one is being installed)."""
        job = self._busy("firmware")
        if job is None:
            return "Accepted"
        return "Rejected" if job.status in INSTALLING else "AcceptedCanceled"

    def _manufacturer_roots(self) -> list:
        return [entry.certificate for entry in self.certificates.entries(["ManufacturerRootCertificate"])]

    def _signed_update(self, payload: dict, action: str) -> dict:
        """1.6 SignedUpdateFirmware / 2.0.1 UpdateFirmware (the same payload): check the signing
        certificate, admit, start the flow; the answer."""
        firmware = payload["firmware"]
        certificate = None
        if "signingCertificate" in firmware:
            certificate, why = signing_certificate_fault(firmware["signingCertificate"], self._manufacturer_roots())
            if why is not None:
                log.info("%s: firmware signing certificate refused: %s", self.cp_id, why)
                self.after_reply(self.send_security_event("InvalidFirmwareSigningCertificate", why))
                return {"status": "InvalidCertificate"}
        status = self._firmware_admission()
        if status == "Rejected":
            return {"status": status}
        job = Transfer("firmware", action, payload["requestId"], FIRMWARE_WORDS,
                       details={"location": firmware["location"], "security": True})
        self._begin(job, lambda: self._update_firmware(job, firmware, payload.get("retries"),
                                                       payload.get("retryInterval"), certificate))
        return {"status": status}

    async def _update_firmware(self, job: Transfer, firmware: dict, retries: int | None, interval: int | None,
                               certificate=None) -> None:
        await self._wait_until(job, parse_time(firmware.get("retrieveDateTime") or firmware.get("retrieveDate")),
                               "DownloadScheduled")
        ok, image = await self._download(job, firmware["location"], retries, interval)
        if not ok:
            return
        await self._step(job, "Downloaded")
        if "signature" in firmware:
            why = signature_fault(image, firmware["signature"], certificate)
            if why is not None:
                await self._step(job, "InvalidSignature")
                await self.send_security_event("InvalidFirmwareSignature", why)
                return
            await self._step(job, "SignatureVerified")
        await self._wait_until(job, parse_time(firmware.get("installDateTime")), "InstallScheduled")
        if any(c.transaction is not None for c in self.connectors[1:]):
            log.info("%s: firmware installation waits for the transactions to end", self.cp_id)
            await self.wait_for(lambda cp: all(c.transaction is None for c in cp.connectors[1:]),
                                timeout=float("inf"), poll=1.0)
        await self._step(job, "Installing")
        await self._step(job, "InstallRebooting")
        version = version_of(firmware["location"])
        if version:
            self._firmware_installed(version)
        await self._reboot_after_install()
        await self._step(job, "Installed")
        if job.details.get("security"):
            await self.send_security_event("FirmwareUpdated", f"firmware {self.firmware_version} installed")

    def _firmware_installed(self, version: str) -> None:
        """The version the next BootNotification reports (2.0.1 also sets the device model)."""
        self.firmware_version = version

    async def _reboot_after_install(self) -> None:
        log.info("%s: rebooting into firmware %s", self.cp_id, self.firmware_version)
        await self._restart()
        if self._reconnect_task is asyncio.current_task():  # the reboot is done: reconnects start anew
            self._reconnect_task = None

    # ------------------------------------------------------------------ publishing (2.0.1 local controller)
    async def _publish(self, job: Transfer, location: str, checksum: str, retries: int | None,
                       interval: int | None) -> None:
        ok, image = await self._download(job, location, retries, interval)
        if not ok:
            return
        await self._step(job, "Downloaded")
        why = checksum_fault(image, checksum)
        if why is not None:
            log.info("%s: firmware to publish refused: %s", self.cp_id, why)
            await self._step(job, "InvalidChecksum")
            return
        await self._step(job, "ChecksumVerified")
        name = quote(image_name(location))
        uris = [f"{scheme}://local-controller.invalid/{quote(self.cp_id, safe='')}/firmware/{checksum.lower()}/{name}"
                for scheme in ("http", "ftp")]
        self.published[checksum.lower()] = {"location": location, "uris": uris, "requestId": job.request_id}
        await self._step(job, "Published", location=uris)

    def _unpublish(self, checksum: str) -> str:
        checksum = checksum.lower()
        if self.published.pop(checksum, None) is not None:
            self.notify()
            return "Unpublished"
        job = self._busy("publish")
        if job is not None and job.details.get("checksum") == checksum:
            return "DownloadOngoing"
        return "NoFirmware"

    # ------------------------------------------------------------------ log uploads
    def _get_log(self, payload: dict) -> dict:
        """GetLog, the same in 1.6 (security extension) and 2.0.1."""
        status = "AcceptedCanceled" if self._busy("upload") else "Accepted"
        log_type, spec = payload["logType"], payload["log"]
        filename = self._log_file_name("security" if log_type == "SecurityLog" else "diagnostics")
        job = Transfer("upload", "LogStatusNotification", payload["requestId"], LOG_WORDS,
                       details={"location": spec["remoteLocation"], "filename": filename, "logType": log_type})
        text = self._log_text(log_type, spec.get("oldestTimestamp"), spec.get("latestTimestamp"))
        self._begin(job, lambda: self._upload(job, text, payload.get("retries"), payload.get("retryInterval"),
                                               "UploadFailure"))
        return {"status": status, "filename": filename}

    def _log_file_name(self, kind: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"{kind}-{self.cp_id}-{stamp}.log"[:255]

    def _log_text(self, log_type: str, oldest: str | None, latest: str | None) -> str:
        """What the station logs: its security events (SecurityLog) or its state and the requests it got."""
        low, high = parse_time(oldest), parse_time(latest)
        header = f"# {log_type} of {self.cp_id} ({self.vendor} {self.model}, firmware {self.firmware_version})"
        lines = [f"{header}, made {utc_now()}"]
        if log_type == "SecurityLog":
            for event in self.security_events:
                at = parse_time(event["timestamp"])
                if at is None or ((low is None or at >= low) and (high is None or at <= high)):
                    lines.append(f"{event['timestamp']} {event['type']} {event.get('techInfo', '')}".rstrip())
        else:
            for connector in self.connectors:
                lines.append(f"connector {connector.id}: {connector.state}")
            lines.extend(f"received {action}" for action, _ in self.received[-100:])
        return "\n".join(lines) + "\n"

    async def _upload(self, job: Transfer, text: str, retries: int | None, interval: int | None,
                      failed: str) -> None:
        await self._step(job, "Uploading")
        outcome = failed
        for attempt in range(1 + max(0, retries or 0)):
            if attempt:
                await asyncio.sleep(interval if interval is not None else self.feature_step_delay)
            try:
                written = await write_location(job.details["location"], job.details["filename"], text)
            except PermissionError as exc:
                log.info("%s: log upload refused: %s", self.cp_id, exc)
                outcome = "PermissionDenied" if "PermissionDenied" in job.words else failed
                break
            except OSError as exc:
                log.info("%s: log upload failed (attempt %d): %s", self.cp_id, attempt + 1, exc)
                continue
            if written is not None:
                self.uploaded.append(written)
            outcome = "Uploaded"
            break
        await self._step(job, outcome)
