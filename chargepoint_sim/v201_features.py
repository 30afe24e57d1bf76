"""Answers of the simulated 2.0.1 charging station for the non-core functional blocks: H Reservation,
D Local Authorization List, K Smart Charging, L Firmware management (UpdateFirmware, PublishFirmware,
UnpublishFirmware), N Diagnostics (GetLog), O Display messages, I Tariff and cost (CostUpdated). The state
is in features_common.py and file_transfers.py (plus
``display_messages``, ``costs`` and ``transaction_log`` here); follow-up messages go out after the answer
(``after_reply``). Mixed into ChargePoint201 (v201.py).

``costs``: transactionId -> the last total cost the CSMS gave (CostUpdated, or ``totalCost`` in a
TransactionEventResponse), for transactions the station knows (running, or in ``transaction_log``, the
last ``TRANSACTION_LOG`` ended ones), while TariffCostCtrlr.Enabled.Cost is true.
"""

from __future__ import annotations

from .device_model import Variable
from .features_common import FeatureState, composite_periods
from .file_transfers import PUBLISH_WORDS, Transfer
from .protocol import utc_now
from .v201_components import _bool, _int, _ro

TRANSACTION_LOG = 200  # ended transactions the station remembers (customer information, costs)


def feature_variables(station) -> list[Variable]:
    """The controller components of the blocks answered here (Enabled is what the handlers check)."""
    local, smart, display = "LocalAuthListCtrlr", "SmartChargingCtrlr", "DisplayMessageCtrlr"
    return [
        _bool("ReservationCtrlr", "Available", True, "ReadOnly"),
        _bool("ReservationCtrlr", "Enabled", True),
        _bool("ReservationCtrlr", "NonEvseSpecific", True, "ReadOnly"),
        _bool(local, "Available", True, "ReadOnly"),
        _bool(local, "Enabled", True),
        _int(local, "Entries", 0, mutability="ReadOnly", getter=lambda: str(len(station.local_list)),
             persistent=False),
        _int(local, "ItemsPerMessage", 50, mutability="ReadOnly"),
        _int(local, "BytesPerMessage", 8192, mutability="ReadOnly"),
        _bool(smart, "Available", True, "ReadOnly"),
        _bool(smart, "Enabled", True),
        _int(smart, "ProfileStackLevel", 10, mutability="ReadOnly"),
        _ro(smart, "RateUnit", "A,W", "MemberList", values_list=("A", "W")),
        _int(smart, "PeriodsPerSchedule", 24, mutability="ReadOnly"),
        _int(smart, "Entries", 0, mutability="ReadOnly", instance="ChargingProfiles", persistent=False,
             getter=lambda: str(sum(len(p) for p in station.charging_profiles.values()))),
        _bool(display, "Available", True, "ReadOnly"),
        _bool(display, "Enabled", True),
        _int(display, "DisplayMessages", 0, mutability="ReadOnly", getter=lambda: str(len(station.display_messages)),
             persistent=False),
        _ro(display, "SupportedFormats", "ASCII,HTML,URI,UTF8", "MemberList", values_list=("ASCII", "HTML", "URI", "UTF8")),
        _ro(display, "SupportedPriorities", "AlwaysFront,InFront,NormalCycle", "MemberList",
            values_list=("AlwaysFront", "InFront", "NormalCycle")),
        _bool("TariffCostCtrlr", "Available", True, "ReadOnly", instance="Tariff"),
        _bool("TariffCostCtrlr", "Available", True, "ReadOnly", instance="Cost"),
        _bool("TariffCostCtrlr", "Enabled", True, instance="Tariff"),
        _bool("TariffCostCtrlr", "Enabled", True, instance="Cost"),
        _ro("TariffCostCtrlr", "Currency", "CNY"),
    ]


class Features201(FeatureState):
    """Mixin; relies on the ChargePoint201 attributes (connectors, config, after_reply, _evse ...)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.display_messages: dict[int, dict] = {}  # id -> MessageInfoType
        self.costs: dict[str, float] = {}  # transactionId -> total cost (TariffCostCtrlr.Currency)
        self.transaction_log: list[dict] = []  # ended transactions, oldest first

    def _init_feature_variables(self) -> None:
        for variable in feature_variables(self):
            self.config.add(variable)

    # ------------------------------------------------------------------ H Reservation
    async def on_ReserveNow(self, payload: dict) -> dict:
        reservation_id, evse_id = payload["id"], payload.get("evseId")
        if not self.config.get_bool("ReservationCtrlr.Enabled", True):
            return {"status": "Rejected"}
        if evse_id is None or evse_id == 0:  # any EVSE: kept on the station, no EVSE turns Reserved
            connector = self.connectors[0]
            refusal = self._reservation_fault(connector, reservation_id)
            if refusal is None and not any(self._reservation_fault(c, reservation_id) is None
                                           for c in self.connectors[1:]):
                refusal = "Occupied"
        else:
            connector = self._evse(evse_id)
            if connector is None:
                return {"status": "Rejected"}
            refusal = self._reservation_fault(connector, reservation_id)
        if refusal is not None:
            return {"status": refusal}
        reservation = {"id": reservation_id, "idToken": payload["idToken"], "expiry": payload["expiryDateTime"]}
        if "groupIdToken" in payload:
            reservation["groupIdToken"] = payload["groupIdToken"]
        self.after_reply(self._reserve(connector, reservation))
        return {"status": "Accepted"}

    async def _reservation_expired(self, reservation: dict) -> None:
        await self._call_quiet("ReservationStatusUpdate", {
            "reservationId": reservation["id"], "reservationUpdateStatus": "Expired"})

    # ------------------------------------------------------------------ D Local Authorization List
    async def on_SendLocalList(self, payload: dict) -> dict:
        if not self.config.get_bool("LocalAuthListCtrlr.Enabled", True):
            return {"status": "Failed"}
        entries = payload.get("localAuthorizationList") or []
        pairs = [(entry["idToken"]["idToken"], entry.get("idTokenInfo")) for entry in entries]
        return {"status": self._update_local_list(payload["versionNumber"], payload["updateType"], pairs)}

    async def on_GetLocalListVersion(self, payload: dict) -> dict:
        return {"versionNumber": self.local_list_version}

    # ------------------------------------------------------------------ K Smart Charging
    async def on_SetChargingProfile(self, payload: dict) -> dict:
        evse_id, raw = payload["evseId"], payload["chargingProfile"]
        purpose = raw["chargingProfilePurpose"]
        if not self.config.get_bool("SmartChargingCtrlr.Enabled", True):
            return {"status": "Rejected"}
        if raw["stackLevel"] > self.config.get_int("SmartChargingCtrlr.ProfileStackLevel", 10):
            return {"status": "Rejected"}
        if evse_id != 0 and self._evse(evse_id) is None:
            return {"status": "Rejected"}
        if (purpose == "ChargingStationMaxProfile") != (evse_id == 0) and purpose != "TxDefaultProfile":
            return {"status": "Rejected"}  # station maximum on EVSE 0 only, Tx profiles on an EVSE
        if purpose == "TxProfile":
            tx_id = self.connectors[evse_id].transaction_id
            if tx_id is None or raw.get("transactionId") != tx_id:
                return {"status": "Rejected"}  # K01.FR.09: only for the EVSE's running transaction
        schedule = raw["chargingSchedule"][0]
        self._store_profile(evse_id, {
            "id": raw["id"], "stackLevel": raw["stackLevel"], "purpose": purpose, "raw": raw,
            "unit": schedule["chargingRateUnit"], "periods": schedule["chargingSchedulePeriod"]})
        return {"status": "Accepted"}

    async def on_ClearChargingProfile(self, payload: dict) -> dict:
        profile_id, criteria = payload.get("chargingProfileId"), payload.get("chargingProfileCriteria") or {}

        def match(where: int, profile: dict) -> bool:
            if profile_id is not None:
                return profile["id"] == profile_id
            return (criteria.get("evseId", where) == where
                    and criteria.get("chargingProfilePurpose", profile["purpose"]) == profile["purpose"]
                    and criteria.get("stackLevel", profile["stackLevel"]) == profile["stackLevel"])
        return {"status": "Accepted" if self._remove_profiles(match) else "Unknown"}

    async def on_GetChargingProfiles(self, payload: dict) -> dict:
        evse_id, criteria = payload.get("evseId"), payload["chargingProfile"]
        ids = criteria.get("chargingProfileId")
        sources = criteria.get("chargingLimitSource")
        found: dict[int, list[dict]] = {}
        for where, profiles in sorted(self.charging_profiles.items()):
            if evse_id is not None and where != evse_id:
                continue
            for profile in profiles.values():
                if ((ids is None or profile["id"] in ids)
                        and criteria.get("chargingProfilePurpose", profile["purpose"]) == profile["purpose"]
                        and criteria.get("stackLevel", profile["stackLevel"]) == profile["stackLevel"]
                        and (sources is None or "CSO" in sources)):
                    found.setdefault(where, []).append(profile["raw"])
        if not found:
            return {"status": "NoProfiles"}
        self.after_reply(self._report_profiles(payload["requestId"], found))
        return {"status": "Accepted"}

    async def _report_profiles(self, request_id: int, found: dict[int, list[dict]]) -> None:
        items = list(found.items())
        for index, (where, profiles) in enumerate(items):
            report = {"requestId": request_id, "chargingLimitSource": "CSO", "evseId": where,
                      "chargingProfile": profiles}
            if index < len(items) - 1:
                report["tbc"] = True
            if await self._call_quiet("ReportChargingProfiles", report) is None:
                return

    async def on_GetCompositeSchedule(self, payload: dict) -> dict:
        evse_id, duration = payload["evseId"], payload["duration"]
        if evse_id != 0 and self._evse(evse_id) is None:
            return {"status": "Rejected"}
        profiles = self._limiting_profiles(evse_id, "TxProfile", "ChargingStationMaxProfile")
        if not profiles:
            return {"status": "Rejected"}
        unit = payload.get("chargingRateUnit") or profiles[0]["unit"]
        periods = composite_periods([(p["unit"], p["periods"]) for p in profiles], duration, unit)
        if not periods:
            return {"status": "Rejected"}
        return {"status": "Accepted", "schedule": {
            "evseId": evse_id, "duration": duration, "scheduleStart": utc_now(), "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods}}

    # ------------------------------------------------------------------ L Firmware / N Diagnostics
    async def on_UpdateFirmware(self, payload: dict) -> dict:
        """L01/L02: a signing certificate, when given, must lead to an installed ManufacturerRootCertificate
        (else InvalidCertificate and a security event); the flow is in file_transfers.py."""
        return self._signed_update(payload, "FirmwareStatusNotification")

    def _firmware_installed(self, version: str) -> None:
        super()._firmware_installed(version)
        self.config.set("ChargingStation.FirmwareVersion", version)

    async def _reboot_after_install(self) -> None:
        self.boot_reason, self._booted = "FirmwareUpdate", False
        await super()._reboot_after_install()

    async def on_PublishFirmware(self, payload: dict) -> dict:
        """L03 (as a local controller): one publication at a time."""
        if self._busy("publish") is not None:
            return {"status": "Rejected"}
        checksum = payload["checksum"].lower()
        job = Transfer("publish", "PublishFirmwareStatusNotification", payload["requestId"], PUBLISH_WORDS,
                       details={"location": payload["location"], "checksum": checksum})
        self._begin(job, lambda: self._publish(job, payload["location"], checksum, payload.get("retries"),
                                               payload.get("retryInterval")))
        return {"status": "Accepted"}

    async def on_UnpublishFirmware(self, payload: dict) -> dict:
        """L04: Unpublished, DownloadOngoing (that checksum is still being published) or NoFirmware."""
        return {"status": self._unpublish(payload["checksum"])}

    async def on_GetLog(self, payload: dict) -> dict:
        return self._get_log(payload)

    # ------------------------------------------------------------------ O Display messages
    async def on_SetDisplayMessage(self, payload: dict) -> dict:
        message = payload["message"]
        if not self.config.get_bool("DisplayMessageCtrlr.Enabled", True):
            return {"status": "Rejected"}
        tx_id = message.get("transactionId")
        if tx_id is not None and not any(c.transaction_id == tx_id for c in self.connectors[1:]):
            return {"status": "UnknownTransaction"}
        self.display_messages[message["id"]] = message  # the same id replaces the message
        self.notify()
        return {"status": "Accepted"}

    async def on_GetDisplayMessages(self, payload: dict) -> dict:
        ids = payload.get("id")
        selected = [m for m in self.display_messages.values()
                    if (ids is None or m["id"] in ids)
                    and payload.get("priority", m["priority"]) == m["priority"]
                    and ("state" not in payload or m.get("state") == payload["state"])]
        if not selected:
            return {"status": "Unknown"}
        self.after_reply(self._call_quiet("NotifyDisplayMessages", {
            "requestId": payload["requestId"], "messageInfo": selected}))
        return {"status": "Accepted"}

    async def on_ClearDisplayMessage(self, payload: dict) -> dict:
        if self.display_messages.pop(payload["id"], None) is None:
            return {"status": "Unknown"}
        self.notify()
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ I Tariff and cost
    async def on_CostUpdated(self, payload: dict) -> dict:
        self._record_cost(payload["transactionId"], payload["totalCost"])
        return {}

    def _record_cost(self, tx_id: str, total: float) -> None:
        """Keep the cost of a transaction this station knows (else it is ignored)."""
        known = any(c.transaction_id == tx_id for c in self.connectors[1:]) or any(
            r["transactionId"] == tx_id for r in self.transaction_log)
        if known and self.config.get_bool("TariffCostCtrlr.Enabled.Cost", True):
            self.costs[tx_id] = total
            self.notify()

    async def _end_transaction(self, connector, reason: str, id_tag: str | None = None) -> dict | None:
        tx = connector.transaction
        if tx is not None:
            self.transaction_log.append({
                "transactionId": tx.id, "idToken": tx.id_tag, "evseId": connector.id, "startTime": tx.timestamp,
                "stopTime": utc_now(), "energyWh": None})
            del self.transaction_log[:-TRANSACTION_LOG]
            record = self.transaction_log[-1]
        response = await super()._end_transaction(connector, reason, id_tag)
        if tx is not None:
            record["energyWh"] = tx.energy_wh
        return response
