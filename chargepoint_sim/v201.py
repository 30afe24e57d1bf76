"""Simulated OCPP 2.0.1 charging station: the same public Python API as ChargePoint16 (connect, plug_in,
start_session, stop_session, unplug, fault ...), a device model instead of the 1.6 key store, and the
2.0.1 messages: BootNotification (with reason), StatusNotification per EVSE/connector, TransactionEvent
(sent through the store-and-forward outbox, ``offline`` set for events that happened offline),
NotifyEvent for problems, NotifyReport. Local session actions are in v201_sessions.py, the answers
to the CSMS in v201_handlers.py, payloads in v201_messages.py, components in v201_components.py.

``connectors[i]`` is EVSE i with one connector (connectorId 1); ``connectors[0]`` is the station.
A reconnect without a reboot does not send BootNotification again (B01: only after a (re)boot).
"""

from __future__ import annotations

import itertools
import logging

from . import v201_messages as msg
from .device_model import Variable
from .outbox import OutboxMessage
from .station import Connector, SessionError, SessionRejected
from .station_runtime import StationChargePoint
from .v201_components import standard_device_model
from .v201_customer_info import CustomerInfo201
from .v201_features import Features201
from .v201_handlers import CSMS_ACTIONS_201, Handlers201
from .v201_iso15118 import EV15118, Iso15118EV
from .v201_monitoring import Monitoring201
from .v201_security import Security201
from .v201_sessions import Sessions201, Transaction201

log = logging.getLogger("chargepoint_sim")

__all__ = ["ChargePoint201", "EV15118", "SessionError", "SessionRejected", "Transaction201"]


class ChargePoint201(Iso15118EV, Security201, Monitoring201, CustomerInfo201, Features201, Sessions201, Handlers201,
                     StationChargePoint):
    """Constructor: as ChargePoint16 (see StationChargePoint), plus ``items_per_message`` (NotifyReport
    size, DeviceDataCtrlr.ItemsPerMessage of GetReport), ``security_profile`` (reported only; by
    default derived from the URL and the TLS options) and ``iso15118`` (an EV15118: the EV speaks
    ISO 15118 and negotiates its charging schedule, v201_iso15118.py)."""

    ocpp_version = "2.0.1"
    subprotocol = "ocpp2.0.1"
    known_actions = CSMS_ACTIONS_201

    def __init__(self, url: str = "ws://127.0.0.1:9000/ocpp", cp_id: str = "CP1", connectors: int = 2,
                 *args, items_per_message: int = 20, security_profile: int | None = None, **kwargs):
        super().__init__(url, cp_id, connectors, *args, **kwargs)
        if security_profile is None:
            tls = self.url.startswith("wss://")
            client_cert = tls and self.ssl_context is not None and bool(kwargs.get("certfile"))
            security_profile = 3 if client_cert else 2 if tls else 1
        interval = self.meter_interval
        self.config = self.device_model = standard_device_model(
            evses=connectors, cp_id=cp_id, vendor=self.vendor, model=self.model, serial=self.serial,
            firmware=self.firmware_version, max_power_w=self.max_power_w, password=self.password,
            security_profile=security_profile,
            sample_interval=60 if interval is None else max(1, round(interval)) if interval > 0 else 0,
            items_per_message=items_per_message, availability=self._availability,
            enabled=lambda evse: self.connectors[evse].operative,
            problem=lambda evse: self.connectors[evse].faulted, power=lambda evse: self.connectors[evse].power_w)
        self.device_model.listeners.append(self._variable_changed)
        self._init_feature_variables()
        self.boot_reason = "PowerUp"  # of the next BootNotification
        self._booted = False  # Accepted since the last (re)boot: a reconnect does not boot again
        self._tx_seq = itertools.count(0)  # TransactionEvent seqNo, one counter for the station
        self._event_seq = itertools.count(0)  # NotifyEvent seqNo
        self._event_ids = itertools.count(1)
        self._reported: dict[int, str] = {}  # last ConnectorStatus sent per EVSE
        self._reset_on_idle = False

    # ------------------------------------------------------------------ device model hooks
    def _availability(self, evse: int) -> str:
        if evse == 0:
            cp = self.connectors[0]
            if cp.faulted:
                return "Faulted"
            if not cp.operative:
                return "Unavailable"
            busy = any(c.transaction is not None or c.plugged for c in self.connectors[1:])
            return "Occupied" if busy else "Available"
        return msg.connector_status(self.connectors[evse])

    def _variable_changed(self, variable: Variable) -> None:
        key = variable.key
        if key == "OCPPCommCtrlr.HeartbeatInterval":
            self.heartbeat_interval = None  # the central system's value wins over the override
            if self.ready:
                self._restart_heartbeat()
        elif key == "SampledDataCtrlr.TxUpdatedInterval":
            self.meter_interval = None
        elif key == "AlignedDataCtrlr.Interval":
            self.ensure_clock_task()
        elif key == "SecurityCtrlr.BasicAuthPassword":
            self.password = variable.value or None  # used from the next connection on
        elif key == "OCPPCommCtrlr.WebSocketPingInterval":
            self.ping_interval = variable.value and int(variable.value) or None

    def _sample_interval(self) -> float:
        if self.meter_interval is not None:
            return self.meter_interval
        return self.config.get_int("SampledDataCtrlr.TxUpdatedInterval", 60)

    def _heartbeat_every(self) -> float:
        if self.heartbeat_interval is not None:
            return self.heartbeat_interval
        return self.config.get_int("OCPPCommCtrlr.HeartbeatInterval", 0)

    def _aligned_interval(self) -> int:
        return self.config.get_int("AlignedDataCtrlr.Interval") if self.config.get_bool("AlignedDataCtrlr.Enabled") else 0

    def _max_attempts(self) -> int:
        return max(1, self.config.get_int("OCPPCommCtrlr.MessageAttempts.TransactionEvent", 3))

    def _retry_interval(self) -> float:
        return self.config.get_int("OCPPCommCtrlr.MessageAttemptInterval.TransactionEvent", 60)

    # ------------------------------------------------------------------ boot
    async def _boot(self) -> dict:
        if self._booted:  # reconnected without a reboot: the last Accepted boot still holds
            self.boot_status = "Accepted"
            return self.boot_response
        response = await super()._boot()
        self._booted = True
        return response

    async def send_boot(self) -> dict:
        payload = msg.boot_notification(self.boot_reason, self.vendor, self.model, self.serial, self.firmware_version)
        response = await self.call("BootNotification", payload)
        self.boot_status = response.get("status")
        self.boot_response = response
        if self.boot_status == "Accepted":
            self.boot_reason = "PowerUp"
            if isinstance(response.get("interval"), int) and response["interval"] > 0:
                self.config.set("OCPPCommCtrlr.HeartbeatInterval", response["interval"])
                if self.ready:
                    self._restart_heartbeat()
        self.notify()
        log.info("%s: BootNotification %s", self.cp_id, self.boot_status)
        return response

    async def _after_boot(self) -> None:
        self._reported.clear()  # a new connection: report every connector again
        await super()._after_boot()

    # ------------------------------------------------------------------ status
    async def _send_status(self, connector: Connector, force: bool = False) -> None:
        if connector.id == 0:  # 2.0.1 reports connectors only; the station's state is in its components
            return
        status = msg.connector_status(connector)
        if not (self.ready or (force and self.connected)):
            return
        if force or self._reported.get(connector.id) != status:
            self._reported[connector.id] = status
            await self._call_quiet("StatusNotification", msg.status_notification(connector.id, status))

    async def fault(self, connector_id: int, error_code: str = "GroundFailure", info: str | None = None) -> None:
        """Faulted, and a NotifyEvent (Problem = true) for the connector (0: the station)."""
        await super().fault(connector_id, error_code, info)
        await self._send_problem(self.connectors[connector_id], True, error_code, info)

    async def clear_fault(self, connector_id: int) -> None:
        await super().clear_fault(connector_id)
        await self._send_problem(self.connectors[connector_id], False)

    async def _send_problem(self, connector: Connector, active: bool, code: str | None = None,
                            info: str | None = None) -> None:
        if self.ready:
            await self._call_quiet("NotifyEvent", msg.problem_event(
                next(self._event_seq), next(self._event_ids), connector.id, active, tech_code=code, tech_info=info,
                transaction_id=connector.transaction_id))

    # ------------------------------------------------------------------ meter values outside transactions
    async def _send_aligned(self) -> None:
        measurands = self.config.get_list("AlignedDataCtrlr.Measurands")
        for connector in self.connectors[1:]:
            self.update_meter(connector)
            value = msg.meter_value(connector.meter, measurands, "Sample.Clock", ev_connected=connector.plugged)
            if value is None:
                continue
            tx = connector.transaction
            if tx is not None:
                self._emit(connector, tx, "Updated", "MeterValueClock", meter=[value])
            elif self.ready and self.config.get_bool("AlignedDataCtrlr.SendDuringIdle", True):
                await self._call_quiet("MeterValues", msg.meter_values(connector.id, [value]))

    # ------------------------------------------------------------------ outbox hooks
    def _queued_answered(self, message: OutboxMessage, response: dict) -> None:
        info = response.get("idTokenInfo")
        tx = message.tx
        if tx is not None and isinstance(response.get("totalCost"), (int, float)):
            self._record_cost(tx.id, response["totalCost"])  # I02/I03: the running / final cost
        token = message.payload.get("idToken")
        if not info or tx is None or token is None:
            return
        if self.config.get_bool("AuthCacheCtrlr.Enabled", True):
            self.auth_cache[token["idToken"]] = info
        if info.get("status", "Accepted") != "Accepted" and token["idToken"] == tx.id_tag:
            tx.rejected = True
            connector = self.connectors[tx.connector_id]
            if connector.transaction is tx and self.config.get_bool("TxCtrlr.StopTxOnInvalidId", True):
                self.spawn(self._end_transaction(connector, "DeAuthorized"))
        self.notify()
