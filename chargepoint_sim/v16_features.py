"""Answers of the simulated 1.6 charge point for the non-core feature profiles: Reservation, Local Auth
List Management, Smart Charging, Firmware Management (UpdateFirmware, GetDiagnostics). The state is in
features_common.py and file_transfers.py; follow-up messages go out after the answer (``after_reply``).
Mixed into ChargePoint16.
"""

from __future__ import annotations

import logging

from .config_store import ConfigKey
from .features_common import FeatureState, composite_periods
from .file_transfers import CORE_FIRMWARE_WORDS, DIAGNOSTICS_WORDS, INSTALLING, Transfer
from .protocol import utc_now

log = logging.getLogger("chargepoint_sim")

FEATURE_PROFILES_16 = "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"


def feature_keys_16() -> list[ConfigKey]:
    """The configuration keys of the optional profiles the simulator answers."""
    return [
        ConfigKey("ReserveConnectorZeroSupported", "true", readonly=True, kind="bool"),
        ConfigKey("LocalAuthListEnabled", "true", kind="bool"),
        ConfigKey("LocalAuthListMaxLength", "100", readonly=True, kind="int"),
        ConfigKey("SendLocalListMaxLength", "50", readonly=True, kind="int"),
        ConfigKey("ChargeProfileMaxStackLevel", "10", readonly=True, kind="int"),
        ConfigKey("ChargingScheduleAllowedChargingRateUnit", "Current,Power", readonly=True, kind="csl"),
        ConfigKey("ChargingScheduleMaxPeriods", "24", readonly=True, kind="int"),
        ConfigKey("MaxChargingProfilesInstalled", "20", readonly=True, kind="int"),
    ]


class Features16(FeatureState):
    """Mixin; relies on the ChargePoint16 attributes (connectors, config, after_reply, ...)."""

    def _init_feature_config(self) -> None:
        for key in feature_keys_16():
            self.config.add(key)
        self.config.set("SupportedFeatureProfiles", FEATURE_PROFILES_16)

    # ------------------------------------------------------------------ Reservation
    async def on_ReserveNow(self, payload: dict) -> dict:
        connector_id, reservation_id = payload["connectorId"], payload["reservationId"]
        if not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        if connector_id == 0 and not self.config.get_bool("ReserveConnectorZeroSupported"):
            return {"status": "Rejected"}
        connector = self.connectors[connector_id]
        refusal = self._reservation_fault(connector, reservation_id)
        if refusal is None and connector_id == 0 and not any(
                self._reservation_fault(c, reservation_id) is None for c in self.connectors[1:]):
            refusal = "Occupied"  # no connector left for it
        if refusal is not None:
            return {"status": refusal}
        reservation = {"id": reservation_id, "idTag": payload["idTag"], "expiry": payload["expiryDate"]}
        if "parentIdTag" in payload:
            reservation["parentIdTag"] = payload["parentIdTag"]
        self.after_reply(self._reserve(connector, reservation))
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ Local Auth List Management
    async def on_SendLocalList(self, payload: dict) -> dict:
        if not self.config.get_bool("LocalAuthListEnabled", True):
            return {"status": "NotSupported"}
        entries = payload.get("localAuthorizationList") or []
        if len(entries) > self.config.get_int("SendLocalListMaxLength", 50):
            return {"status": "Failed"}
        pairs = [(entry["idTag"], entry.get("idTagInfo")) for entry in entries]
        return {"status": self._update_local_list(payload["listVersion"], payload["updateType"], pairs)}

    async def on_GetLocalListVersion(self, payload: dict) -> dict:
        if not self.config.get_bool("LocalAuthListEnabled", True):
            return {"listVersion": -1}
        return {"listVersion": self.local_list_version}

    # ------------------------------------------------------------------ Smart Charging
    async def on_SetChargingProfile(self, payload: dict) -> dict:
        connector_id, raw = payload["connectorId"], payload["csChargingProfiles"]
        purpose = raw["chargingProfilePurpose"]
        if not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        if raw["stackLevel"] > self.config.get_int("ChargeProfileMaxStackLevel", 10):
            return {"status": "Rejected"}
        if len(raw["chargingSchedule"]["chargingSchedulePeriod"]) > self.config.get_int("ChargingScheduleMaxPeriods", 24):
            return {"status": "Rejected"}
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return {"status": "Rejected"}
        if purpose == "TxProfile":
            tx_id = self.connectors[connector_id].transaction_id if connector_id else None
            if tx_id is None or raw.get("transactionId", tx_id) != tx_id:
                return {"status": "Rejected"}  # a TxProfile needs the connector's running transaction
        self._store_profile(connector_id, {
            "id": raw["chargingProfileId"], "stackLevel": raw["stackLevel"], "purpose": purpose, "raw": raw,
            "unit": raw["chargingSchedule"]["chargingRateUnit"],
            "periods": raw["chargingSchedule"]["chargingSchedulePeriod"]})
        return {"status": "Accepted"}

    async def on_ClearChargingProfile(self, payload: dict) -> dict:
        def match(where: int, profile: dict) -> bool:
            if "id" in payload:
                return profile["id"] == payload["id"]
            return (payload.get("connectorId", where) == where
                    and payload.get("chargingProfilePurpose", profile["purpose"]) == profile["purpose"]
                    and payload.get("stackLevel", profile["stackLevel"]) == profile["stackLevel"])
        return {"status": "Accepted" if self._remove_profiles(match) else "Unknown"}

    async def on_GetCompositeSchedule(self, payload: dict) -> dict:
        connector_id, duration = payload["connectorId"], payload["duration"]
        if not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        profiles = self._limiting_profiles(connector_id, "TxProfile", "ChargePointMaxProfile")
        if not profiles:
            return {"status": "Rejected"}
        unit = payload.get("chargingRateUnit") or profiles[0]["unit"]
        periods = composite_periods([(p["unit"], p["periods"]) for p in profiles], duration, unit)
        if not periods:
            return {"status": "Rejected"}
        return {"status": "Accepted", "connectorId": connector_id, "scheduleStart": utc_now(),
                "chargingSchedule": {"duration": duration, "chargingRateUnit": unit,
                                     "chargingSchedulePeriod": periods}}

    # ------------------------------------------------------------------ Firmware Management
    async def on_UpdateFirmware(self, payload: dict) -> dict:
        """The core update (no answer status): a new request replaces one still downloading; one being
        installed is finished first (the request is dropped)."""
        running = self._busy("firmware")
        if running is not None and running.status in INSTALLING:
            log.info("%s: UpdateFirmware ignored while installing", self.cp_id)
            return {}
        job = Transfer("firmware", "FirmwareStatusNotification", None, CORE_FIRMWARE_WORDS,
                       details={"location": payload["location"]})
        firmware = {"location": payload["location"], "retrieveDate": payload["retrieveDate"]}
        self._begin(job, lambda: self._update_firmware(job, firmware, payload.get("retries"),
                                                       payload.get("retryInterval")))
        return {}

    async def on_GetDiagnostics(self, payload: dict) -> dict:
        file_name = self._log_file_name("diagnostics")
        job = Transfer("upload", "DiagnosticsStatusNotification", None, DIAGNOSTICS_WORDS,
                       details={"location": payload["location"], "filename": file_name, "logType": "DiagnosticsLog"})
        text = self._log_text("DiagnosticsLog", payload.get("startTime"), payload.get("stopTime"))
        self._begin(job, lambda: self._upload(job, text, payload.get("retries"), payload.get("retryInterval"),
                                               "UploadFailed"))
        return {"fileName": file_name}
