"""Simulated OCPP 1.6J charge point: the public Python API (connect, plug_in, start_session ...),
outbound messages (boot, heartbeat, status, meter values, transactions through the store-and-forward
outbox). The handlers of central-system CALLs are in v16_handlers.py.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time

from . import v16_messages as msg
from .base import BaseChargePoint
from .link import CallTimeout, NotConnected
from .outbox import OutboxMessage
from .protocol import CallError
from .station import CHARGING, FAULTED, Connector, Meter, SessionError, SessionRejected, core_keys_v16
from .v16_handlers import CSMS_ACTIONS_16, CoreHandlers16
from .v16_sessions import Sessions16

log = logging.getLogger("chargepoint_sim")

__all__ = ["ChargePoint16", "SessionError", "SessionRejected"]


class ChargePoint16(Sessions16, CoreHandlers16, BaseChargePoint):
    ocpp_version = "1.6"
    subprotocol = "ocpp1.6"
    known_actions = CSMS_ACTIONS_16

    def __init__(
        self,
        url: str = "ws://127.0.0.1:9000/ocpp",
        cp_id: str = "CP1",
        connectors: int = 2,
        password: str | None = None,
        vendor: str = "csms-sim",
        model: str = "SIM-DC60",
        max_power_w: int = 60000,
        meter_interval: float | None = None,
        heartbeat_interval: float | None = None,
        log_frames: bool = False,
        call_timeout: float = 10.0,
        reconnect: bool = True,
        *,
        serial: str | None = None,
        firmware_version: str = "1.0.0",
        time_scale: float = 1.0,
        ramp_s: float = 10.0,
        capacity_wh: float = 60_000.0,
        auto_plug: bool = True,
        boot_retry_interval: float = 10.0,
        seed: int | None = None,
        **options,
    ):
        """``options`` go to BaseChargePoint: validate, open_timeout, ping_interval,
        reconnect_min_delay, reconnect_max_delay, reboot_delay."""
        super().__init__(url, cp_id, password=password, log_frames=log_frames, call_timeout=call_timeout,
                         reconnect=reconnect, **options)
        self.vendor = vendor
        self.model = model
        self.serial = serial or f"SN-{cp_id}"
        self.firmware_version = firmware_version
        self.max_power_w = max_power_w
        self.meter_interval = meter_interval  # overrides MeterValueSampleInterval until the CSMS changes it
        self.heartbeat_interval = heartbeat_interval  # overrides the boot interval until the CSMS changes it
        self.auto_plug = auto_plug  # a remote start finds an EV plugged in right away
        self.boot_retry_interval = boot_retry_interval  # used when Pending/Rejected come with interval 0
        sample = 60 if meter_interval is None else max(1, round(meter_interval)) if meter_interval > 0 else 0
        self.config = core_keys_v16(connectors, meter_value_sample_interval=sample)
        self.connectors: list[Connector] = [Connector(0)] + [
            Connector(i, Meter(max_power_w, time_scale=time_scale, ramp_s=ramp_s, capacity_wh=capacity_wh))
            for i in range(1, connectors + 1)
        ]
        self.auth_cache: dict[str, dict] = {}
        self._rng = random.Random(seed)
        self._local_ids = itertools.count(1)
        self._starting: set[int] = set()
        self._meter_tasks: dict[int, asyncio.Task] = {}
        self._heartbeat_task: asyncio.Task | None = None
        self._clock_task: asyncio.Task | None = None

    def __repr__(self) -> str:
        return f"<ChargePoint16 {self.cp_id} connected={self.connected} boot={self.boot_status}>"

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _connector(self, connector_id: int, allow_zero: bool = False) -> Connector:
        low = 0 if allow_zero else 1
        if not isinstance(connector_id, int) or not low <= connector_id < len(self.connectors):
            raise ValueError(f"{self.cp_id}: no connector {connector_id}")
        return self.connectors[connector_id]

    def update_meter(self, connector: Connector) -> None:
        if connector.meter is not None:
            connector.meter.update(self._now())

    def _sample_interval(self) -> float:
        if self.meter_interval is not None:
            return self.meter_interval
        return self.config.get_int("MeterValueSampleInterval", 60)

    def _heartbeat_every(self) -> float:
        if self.heartbeat_interval is not None:
            return self.heartbeat_interval
        return self.config.get_int("HeartbeatInterval", 0)

    def _max_attempts(self) -> int:
        return max(1, self.config.get_int("TransactionMessageAttempts", 3))

    def _retry_interval(self) -> float:
        return self.config.get_int("TransactionMessageRetryInterval", 60)

    def _accepts_calls(self) -> bool:
        return self.boot_status != "Rejected"  # while Rejected a 1.6 charge point does not answer

    async def _call_quiet(self, action: str, payload: dict) -> dict | None:
        try:
            return await self.call(action, payload)
        except (NotConnected, CallTimeout, CallError) as exc:
            log.info("%s: %s failed: %s", self.cp_id, action, exc)
            return None

    # ------------------------------------------------------------------ boot & periodic
    async def _boot(self) -> dict:
        while True:
            response = await self.send_boot()
            if response.get("status") == "Accepted":
                return response
            interval = response.get("interval") or self.boot_retry_interval
            try:  # a TriggerMessage(BootNotification) answered Accepted also ends the wait
                await self.wait_for(lambda cp: cp.boot_status == "Accepted", interval)
                return self.boot_response
            except TimeoutError:
                continue

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

    async def _after_boot(self) -> None:
        for connector in self.connectors:
            await self._send_status(connector)
        self._restart_heartbeat()
        self.ensure_clock_task()

    def _restart_heartbeat(self) -> None:
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
        self._heartbeat_task = self.spawn(self._heartbeat_loop(), online=True, name=f"heartbeat-{self.cp_id}")

    async def _heartbeat_loop(self) -> None:
        while True:
            interval = self._heartbeat_every()
            await asyncio.sleep(interval if interval > 0 else 5)
            if interval > 0 and self.ready:
                await self._call_quiet("Heartbeat", {})

    async def heartbeat(self) -> dict:
        return await self.call("Heartbeat", {})

    def ensure_clock_task(self) -> None:
        if self.config.get_int("ClockAlignedDataInterval") > 0 and (self._clock_task is None or self._clock_task.done()):
            self._clock_task = self.spawn(self._clock_loop(), name=f"aligned-{self.cp_id}")

    async def _clock_loop(self) -> None:
        """Clock-aligned meter values (Sample.Clock) every ClockAlignedDataInterval s past midnight UTC."""
        while (interval := self.config.get_int("ClockAlignedDataInterval")) > 0:
            await asyncio.sleep(interval - time.time() % interval)
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

    # ------------------------------------------------------------------ connector state
    def _sync_flow(self, connector: Connector) -> None:
        meter = connector.meter
        flowing = connector.transaction is not None and connector.state == CHARGING
        if meter is not None and meter.flowing != flowing:
            meter.set_flowing(flowing, self._now())

    async def _send_status(self, connector: Connector, force: bool = False) -> None:
        if self.ready or (force and self.connected):
            await self._call_quiet("StatusNotification", msg.status_notification(connector))

    async def _set_state(self, connector: Connector, state: str, error_code: str = "NoError",
                         info: str | None = None) -> None:
        changed = connector.transition(state, error_code, info)
        self._sync_flow(connector)
        self.notify()
        if changed:
            log.info("%s: connector %d -> %s", self.cp_id, connector.id, state)
            await self._send_status(connector)

    async def _settle(self, connector: Connector) -> None:
        for state in connector.settle_path():
            error = connector.error_code if state == FAULTED else "NoError"
            await self._set_state(connector, state, error, connector.info if state == FAULTED else None)

    def _apply_scheduled(self, connector: Connector) -> list[Connector]:
        """Apply an availability change that waited for the transaction to end."""
        changed = []
        if connector.scheduled_operative is not None:
            connector.operative, connector.scheduled_operative = connector.scheduled_operative, None
            changed.append(connector)
        cp = self.connectors[0]
        if cp.scheduled_operative is not None and all(c.transaction is None for c in self.connectors[1:]):
            cp.operative, cp.scheduled_operative = cp.scheduled_operative, None
            changed.append(cp)
        return changed

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
