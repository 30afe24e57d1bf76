"""Simulated OCPP 1.6J charge point: the public Python API (connect, plug_in, start_session ...),
outbound messages (boot, heartbeat, status, meter values, transactions through the store-and-forward
outbox). What does not depend on the version is in station_runtime.py; the handlers of
central-system CALLs are in v16_handlers.py, the local session actions in v16_sessions.py.
"""

from __future__ import annotations

import logging

from . import v16_messages as msg
from .outbox import OutboxMessage
from .station import Connector, SessionError, SessionRejected, core_keys_v16
from .station_runtime import StationChargePoint
from .v16_features import Features16
from .v16_handlers import CSMS_ACTIONS_16, CoreHandlers16
from .v16_security import Security16
from .v16_sessions import Sessions16

log = logging.getLogger("chargepoint_sim")

__all__ = ["ChargePoint16", "SessionError", "SessionRejected"]


class ChargePoint16(Security16, Features16, Sessions16, CoreHandlers16, StationChargePoint):
    """Constructor: see StationChargePoint (url, cp_id, connectors, password, vendor, model, max_power_w,
    meter_interval, heartbeat_interval, log_frames, call_timeout, reconnect, and keyword options)."""

    ocpp_version = "1.6"
    subprotocol = "ocpp1.6"
    known_actions = CSMS_ACTIONS_16

    def __init__(self, url: str = "ws://127.0.0.1:9000/ocpp", cp_id: str = "CP1", connectors: int = 2,
                 *args, **kwargs):
        super().__init__(url, cp_id, connectors, *args, **kwargs)
        interval = self.meter_interval
        sample = 60 if interval is None else max(1, round(interval)) if interval > 0 else 0
        self.config = core_keys_v16(connectors, meter_value_sample_interval=sample)
        self._init_feature_config()
        self._init_security_config(bool(kwargs.get("certfile")))

    # ------------------------------------------------------------------ configuration hooks
    def _sample_interval(self) -> float:
        if self.meter_interval is not None:
            return self.meter_interval
        return self.config.get_int("MeterValueSampleInterval", 60)

    def _heartbeat_every(self) -> float:
        if self.heartbeat_interval is not None:
            return self.heartbeat_interval
        return self.config.get_int("HeartbeatInterval", 0)

    def _aligned_interval(self) -> int:
        return self.config.get_int("ClockAlignedDataInterval")

    def _max_attempts(self) -> int:
        return max(1, self.config.get_int("TransactionMessageAttempts", 3))

    def _retry_interval(self) -> float:
        return self.config.get_int("TransactionMessageRetryInterval", 60)

    def _accepts_calls(self) -> bool:
        return self.boot_status != "Rejected"  # while Rejected a 1.6 charge point does not answer

    # ------------------------------------------------------------------ outbound
    async def send_boot(self) -> dict:
        payload = msg.boot_notification(self.vendor, self.model, self.serial, self.firmware_version)
        response = await self.call("BootNotification", payload)
        self.boot_status = response.get("status")
        self.boot_response = response
        if self.boot_status == "Accepted" and isinstance(response.get("interval"), int) and response["interval"] > 0:
            self.config.set("HeartbeatInterval", response["interval"])
            if self.ready:
                self._restart_heartbeat()
        self.notify()
        log.info("%s: BootNotification %s", self.cp_id, self.boot_status)
        return response

    async def _send_aligned(self) -> None:
        measurands = self.config.get_list("MeterValuesAlignedData")
        for connector in self.connectors[1:]:
            self.update_meter(connector)
            tx = connector.transaction
            payload = msg.meter_values(connector.id, connector.meter, measurands, "Sample.Clock",
                                       ev_connected=connector.plugged)
            if tx is not None:
                self.enqueue("MeterValues", payload, tx)
            elif self.ready:
                await self._call_quiet("MeterValues", payload)

    async def _send_status(self, connector: Connector, force: bool = False) -> None:
        if self.ready or (force and self.connected):
            await self._call_quiet("StatusNotification", msg.status_notification(connector))

    # ------------------------------------------------------------------ outbox hooks
    def _prepare_queued(self, message: OutboxMessage) -> bool:
        tx = message.tx
        if tx is None or message.action == "StartTransaction":
            return True
        if tx.id is None:  # its StartTransaction was dropped: the message cannot be sent
            return False
        message.payload["transactionId"] = tx.id
        return True

    def _queued_answered(self, message: OutboxMessage, response: dict) -> None:
        info = response.get("idTagInfo") or {}
        tx = message.tx
        if info and tx is not None and self.config.get_bool("AuthorizationCacheEnabled", True):
            self.auth_cache[tx.id_tag] = info
        if message.action != "StartTransaction" or tx is None:
            return
        tx.id = response.get("transactionId")
        if info.get("status", "Accepted") != "Accepted":
            tx.rejected = True
            connector = self.connectors[tx.connector_id]
            if connector.transaction is tx and self.config.get_bool("StopTransactionOnInvalidId", True):
                self.spawn(self._end_transaction(connector, "DeAuthorized"))
        self.notify()
