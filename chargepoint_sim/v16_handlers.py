"""Answers of the simulated 1.6 charge point to central-system CALLs (Core + RemoteTrigger profiles).

Each ``on_<Action>`` returns the CALLRESULT payload at once; work that must follow the answer
(starting a transaction, rebooting, sending a triggered message) is scheduled with ``after_reply``
so the CSMS always gets the response first. Mixed into ChargePoint16 (v16.py).
"""

from __future__ import annotations

import logging

from . import v16_messages as msg
from .protocol import Call, CallError
from .station import SessionError

log = logging.getLogger("chargepoint_sim")

# Every action a 1.6 central system may send (incl. the security extension). The ones without an
# ``on_`` handler are answered with CALLERROR NotSupported, anything else with NotImplemented.
CSMS_ACTIONS_16 = frozenset(
    {
        "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
        "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration",
        "GetDiagnostics", "GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction",
        "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "TriggerMessage",
        "UnlockConnector", "UpdateFirmware", "CertificateSigned", "DeleteCertificate",
        "ExtendedTriggerMessage", "GetInstalledCertificateIds", "GetLog", "InstallCertificate",
        "SignedUpdateFirmware",
    }
)
TRIGGERABLE = frozenset(
    {"BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
     "MeterValues", "StatusNotification"}
)


class CoreHandlers16:
    """Mixin; relies on the ChargePoint16 attributes (connectors, config, after_reply, ...)."""

    def _validate_request(self, call: Call) -> None:
        # An unknown requestedMessage must be answered with status NotImplemented, not a schema error.
        if call.action == "TriggerMessage" and isinstance(call.payload.get("requestedMessage"), str) \
                and call.payload["requestedMessage"] not in TRIGGERABLE:
            return
        super()._validate_request(call)

    # ------------------------------------------------------------------ transactions
    async def on_RemoteStartTransaction(self, payload: dict) -> dict:
        id_tag = payload["idTag"]
        connector_id = payload.get("connectorId")
        n = len(self.connectors) - 1
        if connector_id is None:
            free = [c for c in self.connectors[1:] if c.usable() and c.id not in self._starting]
            free.sort(key=lambda c: not c.plugged)  # prefer a connector with a cable already in
            connector = free[0] if free else None
        else:
            connector = self.connectors[connector_id] if 1 <= connector_id <= n else None
        if connector is None or not connector.usable() or connector.id in self._starting:
            return {"status": "Rejected"}
        self._starting.add(connector.id)  # reserved until the follow-up runs
        self.after_reply(self._remote_start(connector, id_tag))
        return {"status": "Accepted"}

    async def _remote_start(self, connector, id_tag: str) -> None:
        auto_plugged = False
        try:
            if not connector.plugged:
                if self.auto_plug:
                    connector.plugged = auto_plugged = True
                else:  # wait for the driver to plug in, at most ConnectionTimeOut seconds
                    await self._set_state(connector, "Preparing")
                    try:
                        await self.wait_for(lambda cp: connector.plugged,
                                            self.config.get_int("ConnectionTimeOut", 60))
                    except TimeoutError:
                        self._starting.discard(connector.id)
                        await self._settle(connector)
                        return
        finally:
            self._starting.discard(connector.id)
        try:
            await self.start_session(connector.id, id_tag, remote=True)
        except (SessionError, CallError) as exc:
            log.info("%s: remote start on connector %d failed: %s", self.cp_id, connector.id, exc)
            if auto_plugged and connector.transaction is None:
                connector.plugged = False
                await self._settle(connector)

    async def on_RemoteStopTransaction(self, payload: dict) -> dict:
        transaction_id = payload["transactionId"]
        for connector in self.connectors[1:]:
            if connector.transaction is not None and connector.transaction.id == transaction_id:
                self.after_reply(self._end_transaction(connector, "Remote"))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    async def on_UnlockConnector(self, payload: dict) -> dict:
        connector_id = payload["connectorId"]
        if not 1 <= connector_id < len(self.connectors):
            return {"status": "NotSupported"}  # "ConnectorId is unknown"
        connector = self.connectors[connector_id]
        if connector.transaction is not None:
            self.after_reply(self._end_transaction(connector, "UnlockCommand"))
        return {"status": "Unlocked"}

    # ------------------------------------------------------------------ charge point control
    async def on_Reset(self, payload: dict) -> dict:
        self.after_reply(self._reboot(payload["type"]))
        return {"status": "Accepted"}

    async def _reboot(self, kind: str) -> None:
        reason = "HardReset" if kind == "Hard" else "SoftReset"
        for connector in self.connectors[1:]:
            if connector.transaction is not None:
                await self._end_transaction(connector, reason)
        log.info("%s: %s reset, rebooting", self.cp_id, kind)
        await self._restart()

    async def on_ChangeAvailability(self, payload: dict) -> dict:
        connector_id, operative = payload["connectorId"], payload["type"] == "Operative"
        if not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        targets = list(self.connectors) if connector_id == 0 else [self.connectors[connector_id]]
        busy = [c for c in targets if c.transaction is not None]
        scheduled = bool(busy) and not operative
        for connector in targets:
            if scheduled and (connector in busy or connector.id == 0):
                connector.scheduled_operative = False
            else:
                connector.operative, connector.scheduled_operative = operative, None
        self.after_reply(self._settle_all(targets))
        return {"status": "Scheduled" if scheduled else "Accepted"}

    async def on_ChangeConfiguration(self, payload: dict) -> dict:
        key, value = payload["key"], payload["value"]
        status = self.config.change(key, value)
        if status == "Accepted":
            name = key.lower()
            if name == "heartbeatinterval":
                self.heartbeat_interval = None  # the central system's value wins over the override
                if self.ready:
                    self._restart_heartbeat()
            elif name == "metervaluesampleinterval":
                self.meter_interval = None
            elif name == "clockaligneddatainterval":
                self.ensure_clock_task()
        return {"status": status}

    async def on_GetConfiguration(self, payload: dict) -> dict:
        return self.config.get_configuration(payload.get("key"))

    async def on_ClearCache(self, payload: dict) -> dict:
        self.auth_cache.clear()
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ RemoteTrigger
    async def on_TriggerMessage(self, payload: dict) -> dict:
        requested = payload["requestedMessage"]
        connector_id = payload.get("connectorId")
        if requested not in TRIGGERABLE:
            return {"status": "NotImplemented"}
        if connector_id is not None and not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        self.after_reply(self._send_triggered(requested, connector_id))
        return {"status": "Accepted"}

    async def _send_triggered(self, requested: str, connector_id: int | None) -> None:
        if requested == "BootNotification":
            await self.send_boot()
        elif requested == "Heartbeat":
            await self._call_quiet("Heartbeat", {})
        elif requested == "StatusNotification":
            targets = self.connectors if connector_id is None else [self.connectors[connector_id]]
            for connector in targets:
                await self._send_status(connector, force=True)
        elif requested == "MeterValues":
            targets = self.connectors[1:] if not connector_id else [self.connectors[connector_id]]
            measurands = self.config.get_list("MeterValuesSampledData")
            for connector in targets:
                self.update_meter(connector)
                await self._call_quiet("MeterValues", msg.meter_values(
                    connector.id, connector.meter, measurands, "Trigger",
                    transaction_id=connector.transaction_id, ev_connected=connector.plugged))
        elif requested in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):  # Idle unless busy
            kind = "upload" if requested == "DiagnosticsStatusNotification" else "firmware"
            await self._call_quiet(requested, self._transfer_notice(requested, kind))
