"""OCPP 1.6 Firmware Management (and the security extension's signed update and logs): neutral
commands -> CALLs, and the status notifications -> the firmware service."""

from __future__ import annotations

from csms.domain import firmware as fw
from csms.ocpp.routing import CallContext
from csms.ocpp.frames import ocpp_time
from csms.services.firmware import FirmwareService


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _time(dt):
    return ocpp_time(dt) if dt is not None else None


def _update(cmd: fw.UpdateFirmware) -> tuple[str, dict]:
    job = cmd.job
    if job.signed or job.signing_certificate is not None:
        return "SignedUpdateFirmware", _drop_none({
            "requestId": job.id, "retries": job.retries, "retryInterval": job.retry_interval,
            "firmware": _drop_none({"location": job.location, "retrieveDateTime": _time(job.retrieve_at),
                                    "installDateTime": _time(job.install_at),
                                    "signingCertificate": job.signing_certificate, "signature": job.signature})})
    return "UpdateFirmware", _drop_none({"location": job.location, "retrieveDate": _time(job.retrieve_at),
                                         "retries": job.retries, "retryInterval": job.retry_interval})


def _update_result(cmd: fw.UpdateFirmware, resp: dict) -> dict:
    return {"status": resp.get("status", "Accepted")}     # 1.6 core UpdateFirmware.conf is empty


def _log(cmd: fw.GetLog) -> tuple[str, dict]:
    job = cmd.job
    if cmd.diagnostics:
        return "GetDiagnostics", _drop_none({"location": job.location, "retries": job.retries,
                                             "retryInterval": job.retry_interval, "startTime": _time(job.oldest_at),
                                             "stopTime": _time(job.latest_at)})
    return "GetLog", _drop_none({
        "logType": job.log_type, "requestId": job.id, "retries": job.retries, "retryInterval": job.retry_interval,
        "log": _drop_none({"remoteLocation": job.location, "oldestTimestamp": _time(job.oldest_at),
                           "latestTimestamp": _time(job.latest_at)})})


def _log_result(cmd: fw.GetLog, resp: dict) -> dict:
    if cmd.diagnostics:   # GetDiagnostics.conf: a file name, or nothing when there is nothing to upload
        name = resp.get("fileName")
        return {"status": "Accepted", "file_name": name} if name else {"status": "Rejected"}
    return _drop_none({"status": resp["status"], "file_name": resp.get("filename")})


ENCODERS = {
    fw.UpdateFirmware: (_update, _update_result),
    fw.GetLog: (_log, _log_result),
}


class V16FirmwareHandlers:
    def __init__(self, firmware: FirmwareService):
        self.firmware = firmware

    async def firmware_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.firmware_status(ctx.cp_id, req["status"])
        return {}

    async def signed_firmware_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.firmware_status(ctx.cp_id, req["status"], req.get("requestId"))
        return {}

    async def diagnostics_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.log_status(ctx.cp_id, fw.V16_DIAGNOSTICS_STATUS[req["status"]], diagnostics=True,
                                       reported=req["status"])
        return {}

    async def log_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.log_status(ctx.cp_id, req["status"], req.get("requestId"))
        return {}
