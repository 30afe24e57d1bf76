"""Firmware updates, firmware publishing (local controllers) and log uploads, version-neutral.

Each request is a stored job whose id is the OCPP requestId. The station's answer sets its first
state; its status notifications then move it along the state machines of csms.domain.firmware.
Notifications without a requestId (1.6 core) apply to the newest job still open. Log requests are
also tracked as report requests (csms.services.requests: kind GetLog, one part per upload status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Callable, Protocol

from csms.domain import firmware as fw
from csms.domain.firmware import FirmwareJob, LogJob
from csms.domain.errors import CallErrorReceived, CallTimeout, CommandNotSent, NotConnected
from csms.domain.times import iso
from csms.services.commands import Gateway
from csms.services.requests import UNTRACKED

Notice = Callable[[str, str, dict], Awaitable[None]]


class JobRepository(Protocol):
    async def create(self, **fields: Any) -> Any: ...
    async def get(self, job_id: int) -> Any: ...
    async def transition(self, job_id: int, expected: str, **fields: Any) -> Any: ...
    async def delete(self, job_id: int) -> None: ...
    async def list(self, cp_id: str, limit: int = 50, **where: Any) -> list: ...


class FirmwareService:
    def __init__(self, gateway: Gateway, firmware_jobs: JobRepository, log_jobs: JobRepository, notice: Notice,
                 requests=UNTRACKED):
        self.gateway = gateway
        self.firmware_jobs = firmware_jobs
        self.log_jobs = log_jobs
        self.notice = notice          # ChargerService.notice: the charge point's firmware/diagnostics status
        self.requests = requests      # ReportRequestService (the security feature installs it)

    async def _send(self, repo: JobRepository, job, command) -> dict:
        try:
            result = await self.gateway.execute(job.charge_point_id, command)
        except (NotConnected, CommandNotSent):          # never left the CSMS: no job
            await repo.delete(job.id)
            raise
        except (CallErrorReceived, CallTimeout):
            await repo.transition(job.id, fw.REQUESTED, status=fw.FAILED)
            raise
        fields = {"status": result["status"]}
        if result.get("file_name"):
            fields["file_name"] = result["file_name"]
        await repo.transition(job.id, fw.REQUESTED, **fields)
        if result["status"] == "AcceptedCanceled":     # the one in progress was cancelled for this one
            for older in await self._open(repo, job.charge_point_id, exclude=job.id):
                await repo.transition(older.id, older.status, status="Cancelled")
        return {**result, "request_id": job.id}

    async def _open(self, repo: JobRepository, cp_id: str, exclude: int | None = None, **where: Any) -> list:
        final = fw.LOG_FINAL if repo is self.log_jobs else fw.FIRMWARE_FINAL | {"Published", "Unpublished"}
        return [j for j in await repo.list(cp_id, limit=20, **where)
                if j.id != exclude and j.status not in final]

    # -- requests ----------------------------------------------------------------------------------
    async def update(self, cp_id: str, *, location: str, retrieve_at: datetime, retries: int | None = None,
                     retry_interval: int | None = None, install_at: datetime | None = None,
                     signature: str | None = None, signing_certificate: str | None = None) -> dict:
        job = await self.firmware_jobs.create(
            charge_point_id=cp_id, kind="update", location=location, status=fw.REQUESTED, retrieve_at=retrieve_at,
            install_at=install_at, retries=retries, retry_interval=retry_interval, signature=signature,
            signing_certificate=signing_certificate)
        return await self._send(self.firmware_jobs, job, fw.UpdateFirmware(job))

    async def publish(self, cp_id: str, *, location: str, checksum: str, retries: int | None = None,
                      retry_interval: int | None = None) -> dict:
        job = await self.firmware_jobs.create(charge_point_id=cp_id, kind="publish", location=location,
                                              status=fw.REQUESTED, checksum=checksum, retries=retries,
                                              retry_interval=retry_interval)
        return await self._send(self.firmware_jobs, job, fw.PublishFirmware(job))

    async def unpublish(self, cp_id: str, checksum: str) -> dict:
        result = await self.gateway.execute(cp_id, fw.UnpublishFirmware(checksum))
        if result["status"] in ("Unpublished", "NoFirmware"):
            for job in await self.firmware_jobs.list(cp_id, kind="publish", checksum=checksum):
                if fw.PUBLISH.can(job.status, "Unpublished") and job.status != "Unpublished":
                    await self.firmware_jobs.transition(job.id, job.status, status="Unpublished")
        return result

    async def get_log(self, cp_id: str, *, location: str, log_type: str = "DiagnosticsLog",
                      oldest_at: datetime | None = None, latest_at: datetime | None = None,
                      retries: int | None = None, retry_interval: int | None = None,
                      diagnostics: bool = False) -> dict:
        job = await self.log_jobs.create(charge_point_id=cp_id, log_type=log_type, location=location,
                                         status=fw.REQUESTED, oldest_at=oldest_at, latest_at=latest_at,
                                         retries=retries, retry_interval=retry_interval)
        params = {"log_type": log_type, "location": location,
                  "oldest_at": iso(oldest_at),
                  "latest_at": iso(latest_at)}
        if diagnostics:
            params["diagnostics"] = True
        return await self.requests.track(cp_id, "GetLog", job.id, params,
                                         lambda: self._send(self.log_jobs, job, fw.GetLog(job, diagnostics)))

    async def firmware_updates(self, cp_id: str, limit: int = 50) -> list[FirmwareJob]:
        return await self.firmware_jobs.list(cp_id, limit=limit)

    async def log_requests(self, cp_id: str, limit: int = 50) -> list[LogJob]:
        return await self.log_jobs.list(cp_id, limit=limit)

    # -- notifications -----------------------------------------------------------------------------
    async def _advance(self, repo: JobRepository, cp_id: str, status: str, request_id: int | None,
                       **where: Any):
        if request_id is not None:
            job = await repo.get(request_id)
            if job is None or job.charge_point_id != cp_id:
                return None
        else:
            open_jobs = await self._open(repo, cp_id, **where)
            if not open_jobs:
                return None
            job = open_jobs[0]
        target = fw.advance(job, status)
        if target is None:
            return job
        return await repo.transition(job.id, job.status, status=target) or job

    async def firmware_status(self, cp_id: str, status: str, request_id: int | None = None):
        await self.notice(cp_id, "firmware_status", {"status": status, "request_id": request_id})
        return await self._advance(self.firmware_jobs, cp_id, status, request_id, kind="update")

    async def publish_status(self, cp_id: str, status: str, request_id: int | None = None,
                             locations: list[str] | None = None):
        await self.notice(cp_id, "publish_firmware_status",
                          {"status": status, "request_id": request_id, "location": locations or []})
        return await self._advance(self.firmware_jobs, cp_id, status, request_id, kind="publish")

    async def log_status(self, cp_id: str, status: str, request_id: int | None = None,
                         diagnostics: bool = False, reported: str | None = None):
        """``diagnostics``: a 1.6 DiagnosticsStatusNotification (``reported`` = its own word)."""
        await self.notice(cp_id, "diagnostics_status" if diagnostics else "log_status",
                          {"status": reported or status, "request_id": request_id})
        where = {"log_type": "DiagnosticsLog"} if diagnostics else {}
        job = await self._advance(self.log_jobs, cp_id, status, request_id, **where)
        if job is not None:
            await self.requests.log_status(cp_id, job.id, status)
        return job
