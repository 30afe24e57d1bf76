"""Answers of the simulated 2.0.1 charging station to CSMS-initiated CALLs.

Each ``on_<Action>`` returns the CALLRESULT payload at once; work that must follow the answer
(starting a transaction, rebooting, sending reports or triggered messages) is scheduled with
``after_reply`` so the CSMS always gets the response first. Actions of 2.0.1 without a handler are
answered CALLERROR NotSupported. Mixed into ChargePoint201 (v201.py).
"""

from __future__ import annotations

import json
import logging

from . import v201_messages as msg
from .protocol import CallError
from .station import PREPARING, SessionError

log = logging.getLogger("chargepoint_sim")

# Every action a 2.0.1 CSMS may send to a charging station.
CSMS_ACTIONS_201 = frozenset(
    {
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache", "ClearChargingProfile",
        "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated", "CustomerInformation", "DataTransfer",
        "DeleteCertificate", "GetBaseReport", "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport", "GetReport",
        "GetTransactionStatus", "GetVariables", "InstallCertificate", "PublishFirmware", "RequestStartTransaction",
        "RequestStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "SetDisplayMessage",
        "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile", "SetVariableMonitoring", "SetVariables",
        "TriggerMessage", "UnlockConnector", "UnpublishFirmware", "UpdateFirmware",
    }
)
TRIGGERABLE = frozenset(
    {"BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "TransactionEvent",
     "LogStatusNotification", "FirmwareStatusNotification", "PublishFirmwareStatusNotification"}
)

TRANSFER_NOTICES = {"LogStatusNotification": "upload", "FirmwareStatusNotification": "firmware",
                    "PublishFirmwareStatusNotification": "publish"}


class Handlers201:
    """Mixin; relies on the ChargePoint201 attributes (connectors, config, after_reply, ...)."""

    def _evse(self, evse_id: int | None):
        """The connector model of an EVSE id, or None if there is no such EVSE."""
        return self.connectors[evse_id] if isinstance(evse_id, int) and 1 <= evse_id < len(self.connectors) else None

    def _items_limit(self, kind: str, count: int, payload: dict | None = None) -> None:
        limit = self.config.get_int(f"DeviceDataCtrlr.ItemsPerMessage.{kind}", 0)
        if limit and count > limit:
            raise CallError("OccurrenceConstraintViolation", f"more than ItemsPerMessage{kind} = {limit} items")
        size_limit = self.config.get_int(f"DeviceDataCtrlr.BytesPerMessage.{kind}", 0)
        size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()) if payload else 0
        if size_limit and size > size_limit:       # the payload alone: the whole frame is larger still
            raise CallError("FormatViolation", f"more than BytesPerMessage{kind} = {size_limit} bytes")

    # ------------------------------------------------------------------ transactions
    async def on_RequestStartTransaction(self, payload: dict) -> dict:
        evse_id = payload.get("evseId")
        if evse_id is None:
            free = [c for c in self.connectors[1:] if c.id not in self._starting and (
                c.usable() if c.transaction is None else not c.transaction.authorized)]
            free.sort(key=lambda c: (c.transaction is None, not c.plugged))  # a waiting EV first
            connector = free[0] if free else None
        else:
            connector = self._evse(evse_id)
        if connector is None or connector.id in self._starting:
            return {"status": "Rejected"}
        tx = connector.transaction
        if (tx is not None and tx.authorized) or (tx is None and not connector.usable()):
            return {"status": "Rejected"}
        self._starting.add(connector.id)  # reserved until the follow-up runs
        self.after_reply(self._remote_start(connector, payload["idToken"], payload["remoteStartId"]))
        response = {"status": "Accepted"}
        if tx is not None:
            response["transactionId"] = tx.id
        return response

    async def _remote_start(self, connector, token: dict, remote_start_id: int) -> None:
        auto_plugged = False
        try:
            if not connector.plugged:
                if self.auto_plug:
                    connector.plugged = auto_plugged = True
                else:  # wait for the driver, at most EVConnectionTimeOut seconds
                    await self._set_state(connector, PREPARING)
                    try:
                        await self.wait_for(lambda cp: connector.plugged,
                                            self.config.get_int("TxCtrlr.EVConnectionTimeOut", 60))
                    except TimeoutError:
                        self._starting.discard(connector.id)
                        await self._settle(connector)
                        return
        finally:
            self._starting.discard(connector.id)
        try:
            await self.start_session(connector.id, token["idToken"], remote=True, remote_start_id=remote_start_id,
                                     token_type=token["type"])
        except (SessionError, CallError) as exc:
            log.info("%s: remote start on EVSE %d failed: %s", self.cp_id, connector.id, exc)
            if auto_plugged and connector.transaction is None:
                connector.plugged = False
                await self._settle(connector)

    async def on_RequestStopTransaction(self, payload: dict) -> dict:
        for connector in self.connectors[1:]:
            if connector.transaction is not None and connector.transaction.id == payload["transactionId"]:
                self.after_reply(self._end_transaction(connector, "Remote"))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    async def on_GetTransactionStatus(self, payload: dict) -> dict:
        tx_id = payload.get("transactionId")
        queued = [m for m in self._outbox.queue if tx_id is None or (m.tx is not None and m.tx.id == tx_id)]
        response: dict = {"messagesInQueue": bool(queued)}
        if tx_id is not None:
            response["ongoingIndicator"] = any(c.transaction_id == tx_id for c in self.connectors[1:])
        return response

    async def on_UnlockConnector(self, payload: dict) -> dict:
        connector = self._evse(payload["evseId"])
        if connector is None or payload["connectorId"] != 1:
            return {"status": "UnknownConnector"}
        if connector.transaction is not None and connector.transaction.authorized:
            return {"status": "OngoingAuthorizedTransaction"}  # F05.FR.02: the CSMS must stop it first
        return {"status": "Unlocked"}

    # ------------------------------------------------------------------ station control
    async def on_Reset(self, payload: dict) -> dict:
        if payload.get("evseId") is not None:
            return {"status": "Rejected"}  # resetting a single EVSE is not supported
        busy = any(c.transaction is not None for c in self.connectors[1:])
        if payload["type"] == "OnIdle" and busy:
            self._reset_on_idle = True  # reboots when the last transaction ends
            return {"status": "Scheduled"}
        self.after_reply(self._reboot(payload["type"]))
        return {"status": "Accepted"}

    async def _reboot(self, kind: str) -> None:
        self._reset_on_idle = False  # an Immediate reset overtakes a scheduled OnIdle one
        for connector in self.connectors[1:]:
            if connector.transaction is not None:
                await self._end_transaction(connector, "ImmediateReset")
        log.info("%s: %s reset, rebooting", self.cp_id, kind)
        self.boot_reason, self._booted = "RemoteReset", False
        await self._restart()

    async def on_ChangeAvailability(self, payload: dict) -> dict:
        operative = payload["operationalStatus"] == "Operative"
        evse = payload.get("evse")
        if evse is None or evse["id"] == 0:
            targets = list(self.connectors)
        else:
            connector = self._evse(evse["id"])
            if connector is None or evse.get("connectorId", 1) != 1:
                return {"status": "Rejected"}
            targets = [connector]
        busy = [c for c in targets if c.transaction is not None]
        scheduled = bool(busy) and not operative
        for connector in targets:
            if scheduled and (connector in busy or connector.id == 0):
                connector.scheduled_operative = False
            else:
                connector.operative, connector.scheduled_operative = operative, None
        self.after_reply(self._settle_all(targets))
        return {"status": "Scheduled" if scheduled else "Accepted"}

    # ------------------------------------------------------------------ device model
    async def on_GetVariables(self, payload: dict) -> dict:
        self._items_limit("GetVariables", len(payload["getVariableData"]), payload)
        return {"getVariableResult": self.config.get_variables(payload["getVariableData"])}

    async def on_SetVariables(self, payload: dict) -> dict:
        self._items_limit("SetVariables", len(payload["setVariableData"]), payload)
        return {"setVariableResult": self.config.set_variables(payload["setVariableData"])}

    async def on_GetBaseReport(self, payload: dict) -> dict:
        data = self.config.base_report(payload["reportBase"])
        if not data:
            return {"status": "EmptyResultSet"}
        self.after_reply(self._send_report(payload["requestId"], data))
        return {"status": "Accepted"}

    async def on_GetReport(self, payload: dict) -> dict:
        selection = payload.get("componentVariable")
        if selection:
            self._items_limit("GetReport", len(selection), payload)
        data = self.config.report(selection, payload.get("componentCriteria"))
        if not data:
            return {"status": "EmptyResultSet"}
        self.after_reply(self._send_report(payload["requestId"], data))
        return {"status": "Accepted"}

    async def _send_report(self, request_id: int, data: list[dict]) -> None:
        per_message = self.config.get_int("DeviceDataCtrlr.ItemsPerMessage.GetReport", 20)
        for report in msg.notify_reports(request_id, data, per_message):
            if await self._call_quiet("NotifyReport", report) is None:
                return

    async def on_ClearCache(self, payload: dict) -> dict:
        if not self.config.get_bool("AuthCacheCtrlr.Enabled", True):
            return {"status": "Rejected"}
        self.auth_cache.clear()
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ TriggerMessage
    async def on_TriggerMessage(self, payload: dict) -> dict:
        requested = payload["requestedMessage"]
        evse = payload.get("evse")
        if requested not in TRIGGERABLE:
            return {"status": "NotImplemented"}
        if evse is not None and (self._evse(evse["id"]) is None or evse.get("connectorId", 1) != 1):
            return {"status": "Rejected"}
        if requested == "BootNotification" and self.boot_status == "Accepted":
            return {"status": "Rejected"}  # F06.FR.17: not after an Accepted boot
        self.after_reply(self._send_triggered(requested, evse["id"] if evse else None))
        return {"status": "Accepted"}

    async def _send_triggered(self, requested: str, evse_id: int | None) -> None:
        targets = self.connectors[1:] if evse_id is None else [self.connectors[evse_id]]
        if requested == "BootNotification":
            self.boot_reason = "Triggered"
            await self.send_boot()
        elif requested == "Heartbeat":
            await self._call_quiet("Heartbeat", {})
        elif requested == "StatusNotification":
            for connector in targets:
                await self._send_status(connector, force=True)
        elif requested == "MeterValues":
            measurands = self.config.get_list("AlignedDataCtrlr.Measurands")
            for connector in targets:
                self.update_meter(connector)
                value = msg.meter_value(connector.meter, measurands, "Trigger", ev_connected=connector.plugged)
                if value is not None:
                    await self._call_quiet("MeterValues", msg.meter_values(connector.id, [value]))
        elif requested == "TransactionEvent":
            measurands = self.config.get_list("SampledDataCtrlr.TxUpdatedMeasurands")
            for connector in targets:
                tx = connector.transaction
                if tx is not None:
                    self.update_meter(connector)
                    value = msg.meter_value(connector.meter, measurands, "Trigger", ev_connected=connector.plugged)
                    self._emit(connector, tx, "Updated", "Trigger", charging_state=msg.charging_state(connector),
                               meter=[value] if value else None)
        elif requested in TRANSFER_NOTICES:  # the running transfer's status, else Idle
            await self._call_quiet(requested, self._transfer_notice(requested, TRANSFER_NOTICES[requested]))
