"""OCPP 2.0.1 firmware (block L) and logs (block N): neutral commands -> CALLs, and the status
notifications -> the firmware service."""

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
    return "UpdateFirmware", _drop_none({
        "requestId": job.id, "retries": job.retries, "retryInterval": job.retry_interval,
        "firmware": _drop_none({"location": job.location, "retrieveDateTime": _time(job.retrieve_at),
                                "installDateTime": _time(job.install_at),
                                "signingCertificate": job.signing_certificate, "signature": job.signature})})


def _publish(cmd: fw.PublishFirmware) -> tuple[str, dict]:
    job = cmd.job
    return "PublishFirmware", _drop_none({"location": job.location, "checksum": job.checksum, "requestId": job.id,
                                          "retries": job.retries, "retryInterval": job.retry_interval})


def _log(cmd: fw.GetLog) -> tuple[str, dict]:
    job = cmd.job
    return "GetLog", _drop_none({
        "logType": job.log_type, "requestId": job.id, "retries": job.retries, "retryInterval": job.retry_interval,
        "log": _drop_none({"remoteLocation": job.location, "oldestTimestamp": _time(job.oldest_at),
                           "latestTimestamp": _time(job.latest_at)})})


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


ENCODERS = {
    fw.UpdateFirmware: (_update, _status),
    fw.PublishFirmware: (_publish, _status),
    fw.UnpublishFirmware: (lambda cmd: ("UnpublishFirmware", {"checksum": cmd.checksum}), _status),
    fw.GetLog: (_log, lambda cmd, resp: _drop_none({"status": resp["status"], "file_name": resp.get("filename")})),
}


class V201FirmwareHandlers:
    def __init__(self, firmware: FirmwareService):
        self.firmware = firmware

    async def firmware_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.firmware_status(ctx.cp_id, req["status"], req.get("requestId"))
        return {}

    async def publish_firmware_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.publish_status(ctx.cp_id, req["status"], req.get("requestId"), req.get("location"))
        return {}

    async def log_status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.firmware.log_status(ctx.cp_id, req["status"], req.get("requestId"))
        return {}
