"""Firmware updates, firmware publishing and log uploads as stored jobs, version-neutral.

A job is created when the CSMS asks, its ``id`` is the OCPP ``requestId``; the charge point's answer
and then its status notifications move it through the state machines below. A notification that
would move a job backwards (late, repeated, out of order) changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from csms.domain.states import StateMachine

# states of the CSMS's own making; the rest are the charge point's words (2.0.1 / 1.6 security)
REQUESTED = "Requested"        # stored, being sent
FAILED = "Failed"              # the charge point answered CALLERROR or not at all

_FW_PROGRESS = {"DownloadScheduled", "Downloading", "Downloaded", "DownloadPaused", "SignatureVerified",
                "InstallScheduled", "Installing", "InstallRebooting"}
_FW_END = {"Installed", "DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature"}
_FW_ORDER = ["DownloadScheduled", "Downloading", "DownloadPaused", "Downloaded", "SignatureVerified",
             "InstallScheduled", "Installing", "InstallRebooting"]


def _forward(order: list[str], ends: set[str], paused: str | None = None) -> dict[str, set[str]]:
    out = {}
    for i, state in enumerate(order):
        later = set(order[i + 1:]) | ends
        if paused and state == paused:
            later |= {"Downloading"}
        elif paused and state == "Downloading":
            later |= {paused}
        out[state] = later
    return out


FIRMWARE = StateMachine("firmware_update", {
    REQUESTED: {"Accepted", "Rejected", "InvalidCertificate", "RevokedCertificate", "AcceptedCanceled", FAILED}
    | _FW_PROGRESS | _FW_END,
    "Accepted": _FW_PROGRESS | _FW_END | {"Cancelled"},
    "AcceptedCanceled": _FW_PROGRESS | _FW_END | {"Cancelled"},
    FAILED: _FW_PROGRESS | _FW_END,          # a lost answer: the notifications still tell the story
    **{s: t | {"Cancelled"} for s, t in _forward(_FW_ORDER, _FW_END, "DownloadPaused").items()},
    # a new update request cancels one in progress (AcceptedCanceled); ends are final
})
FIRMWARE_FINAL = frozenset(_FW_END | {"Rejected", "InvalidCertificate", "RevokedCertificate", "Cancelled"})

_PUB_ORDER = ["DownloadScheduled", "Downloading", "DownloadPaused", "Downloaded", "ChecksumVerified"]
_PUB_END = {"Published", "DownloadFailed", "InvalidChecksum", "PublishFailed"}
PUBLISH = StateMachine("firmware_publish", {
    REQUESTED: {"Accepted", "Rejected", FAILED} | set(_PUB_ORDER) | _PUB_END,
    "Accepted": set(_PUB_ORDER) | _PUB_END,
    FAILED: set(_PUB_ORDER) | _PUB_END,
    **_forward(_PUB_ORDER, _PUB_END, "DownloadPaused"),
    "Published": {"Unpublished"},
})

_LOG_END = {"Uploaded", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied", "Cancelled"}
LOG = StateMachine("log_upload", {
    REQUESTED: {"Accepted", "Rejected", "AcceptedCanceled", FAILED, "Uploading"} | _LOG_END,
    "Accepted": {"Uploading"} | _LOG_END,
    "AcceptedCanceled": {"Uploading"} | _LOG_END,
    FAILED: {"Uploading"} | _LOG_END,
    "Uploading": _LOG_END,
})
LOG_FINAL = frozenset(_LOG_END | {"Rejected"})

# 1.6 core words -> the neutral (2.0.1) ones
V16_DIAGNOSTICS_STATUS = {"Uploading": "Uploading", "Uploaded": "Uploaded", "UploadFailed": "UploadFailure",
                          "Idle": "Idle"}


@dataclass(frozen=True)
class FirmwareJob:
    id: int                            # = requestId
    charge_point_id: str
    kind: str                          # update | publish
    location: str
    status: str = REQUESTED
    retrieve_at: datetime | None = None
    install_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    signature: str | None = None
    signing_certificate: str | None = None
    checksum: str | None = None        # publish only (MD5 of the file)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None


@dataclass(frozen=True)
class LogJob:
    id: int                            # = requestId
    charge_point_id: str
    log_type: str                      # DiagnosticsLog | SecurityLog
    location: str
    status: str = REQUESTED
    oldest_at: datetime | None = None
    latest_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    file_name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def machine_of(job) -> StateMachine:
    if isinstance(job, LogJob):
        return LOG
    return PUBLISH if job.kind == "publish" else FIRMWARE


def advance(job, status: str) -> str | None:
    """The state a notification moves the job to, or None when it may not (late or backwards)."""
    if status == job.status or status == "Idle":
        return None
    return status if machine_of(job).can(job.status, status) else None


# -- commands (the job is stored first; its id is the requestId) ----------------------------------
@dataclass(frozen=True)
class UpdateFirmware:
    job: FirmwareJob


@dataclass(frozen=True)
class PublishFirmware:
    job: FirmwareJob


@dataclass(frozen=True)
class UnpublishFirmware:
    checksum: str


@dataclass(frozen=True)
class GetLog:
    job: LogJob
    diagnostics: bool = False          # asked as GetDiagnostics (1.6 core)
