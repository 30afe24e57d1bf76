"""The fake central system speaking OCPP 2.0.1: same recording / calling / validation as FakeCSMS, with
valid 2.0.1 default answers. ``blocked_tags`` get idTokenInfo Blocked in Authorize and TransactionEvent."""

from __future__ import annotations

from .fake_csms import FakeCSMS, now_iso


class FakeCSMS201(FakeCSMS):
    version = "2.0.1"

    def statuses(self, evse_id: int, cp_id: str | None = None) -> list[str]:
        return [r.payload["connectorStatus"] for r in self.calls("StatusNotification", cp_id)
                if r.payload["evseId"] == evse_id]

    def events(self, cp_id: str | None = None, after: int = 0) -> list[dict]:
        """TransactionEvent payloads in arrival order."""
        return [r.payload for r in self.calls("TransactionEvent", cp_id, after)]

    def default_BootNotification(self, cp_id, payload):
        return {"status": self.boot_status, "currentTime": now_iso(), "interval": self.boot_interval}

    def default_Authorize(self, cp_id, payload):
        return {"idTokenInfo": self._tag_info(payload["idToken"]["idToken"])}

    def default_TransactionEvent(self, cp_id, payload):
        token = payload.get("idToken")
        return {"idTokenInfo": self._tag_info(token["idToken"])} if token else {}

    def default_NotifyEvent(self, cp_id, payload):
        return {}

    def default_NotifyReport(self, cp_id, payload):
        return {}

    def default_DataTransfer(self, cp_id, payload):
        return {"status": "UnknownVendorId"}

    def default_ReservationStatusUpdate(self, cp_id, payload):
        return {}

    def default_ReportChargingProfiles(self, cp_id, payload):
        return {}

    def default_NotifyDisplayMessages(self, cp_id, payload):
        return {}

    def default_PublishFirmwareStatusNotification(self, cp_id, payload):
        return {}
