"""What every simulated charging station does whatever its OCPP version: the hardware (connectors with
meters), connector state changes and their notification, faults and suspension, the boot loop, the
heartbeat and clock-aligned timers. ``StationChargePoint`` sits between BaseChargePoint (connection
runtime) and the version classes ChargePoint16 (v16.py) and ChargePoint201 (v201.py), which provide
the payloads and the configuration (1.6 key store / 2.0.1 device model) through a few hooks.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time

from .base import BaseChargePoint
from .link import CallTimeout, NotConnected
from .protocol import CallError
from .station import (
    CHARGING,
    FAULTED,
    SUSPENDED_EV,
    SUSPENDED_EVSE,
    TX_STATES,
    Connector,
    Meter,
    SessionError,
)

log = logging.getLogger("chargepoint_sim")


class StationChargePoint(BaseChargePoint):
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
        """``options`` go to BaseChargePoint: validate, open_timeout, ping_interval, reconnect_min_delay,
        reconnect_max_delay, reboot_delay, ssl_context, cafile, certfile, keyfile."""
        super().__init__(url, cp_id, password=password, log_frames=log_frames, call_timeout=call_timeout,
                         reconnect=reconnect, **options)
        self.vendor = vendor
        self.model = model
        self.serial = serial or f"SN-{cp_id}"
        self.firmware_version = firmware_version
        self.max_power_w = max_power_w
        self.meter_interval = meter_interval  # overrides the configured sample interval until the CSMS sets it
        self.heartbeat_interval = heartbeat_interval  # overrides the boot interval until the CSMS sets it
        self.auto_plug = auto_plug  # a remote start finds an EV plugged in right away
        self.boot_retry_interval = boot_retry_interval  # used when Pending/Rejected come with interval 0
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
        return f"<{type(self).__name__} {self.cp_id} connected={self.connected} boot={self.boot_status}>"

    # ------------------------------------------------------------------ version hooks
    async def send_boot(self) -> dict:
        raise NotImplementedError

    async def _send_status(self, connector: Connector, force: bool = False) -> None:
        raise NotImplementedError

    def _sample_interval(self) -> float:
        raise NotImplementedError

    def _heartbeat_every(self) -> float:
        raise NotImplementedError

    def _aligned_interval(self) -> int:
        return 0

    async def _send_aligned(self) -> None:
        pass

    async def _state_changed(self, connector: Connector, old: str, reported: bool) -> None:
        """After a connector changed state (``reported``: its status notification went out)."""

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

    async def _call_quiet(self, action: str, payload: dict) -> dict | None:
        try:
            return await self.call(action, payload)
        except (NotConnected, CallTimeout, CallError) as exc:
            log.info("%s: %s failed: %s", self.cp_id, action, exc)
            return None

    # ------------------------------------------------------------------ boot & timers
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
        if self._aligned_interval() > 0 and (self._clock_task is None or self._clock_task.done()):
            self._clock_task = self.spawn(self._clock_loop(), name=f"aligned-{self.cp_id}")

    async def _clock_loop(self) -> None:
        """Clock-aligned meter values (Sample.Clock) every aligned interval past midnight UTC."""
        while (interval := self._aligned_interval()) > 0:
            await asyncio.sleep(interval - time.time() % interval)
            await self._send_aligned()

    # ------------------------------------------------------------------ connector state
    def _sync_flow(self, connector: Connector) -> None:
        meter = connector.meter
        flowing = connector.transaction is not None and connector.state == CHARGING
        if meter is not None and meter.flowing != flowing:
            meter.set_flowing(flowing, self._now())

    async def _set_state(self, connector: Connector, state: str, error_code: str = "NoError",
                         info: str | None = None) -> None:
        old = connector.state
        changed = connector.transition(state, error_code, info)
        self._sync_flow(connector)
        self.notify()
        if changed:
            log.info("%s: connector %d -> %s", self.cp_id, connector.id, state)
            await self._send_status(connector)
        if old != state:
            await self._state_changed(connector, old, changed)

    async def _settle(self, connector: Connector) -> None:
        for state in connector.settle_path():
            error = connector.error_code if state == FAULTED else "NoError"
            await self._set_state(connector, state, error, connector.info if state == FAULTED else None)

    async def _settle_all(self, connectors) -> None:
        for connector in connectors:
            await self._settle(connector)

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

    # ------------------------------------------------------------------ hardware events
    async def fault(self, connector_id: int, error_code: str = "GroundFailure", info: str | None = None) -> None:
        connector = self._connector(connector_id, allow_zero=True)
        connector.faulted = True
        await self._set_state(connector, FAULTED, error_code, info)

    async def clear_fault(self, connector_id: int) -> None:
        connector = self._connector(connector_id, allow_zero=True)
        connector.faulted = False
        connector.error_code, connector.info = "NoError", None
        await self._settle(connector)

    async def suspend(self, connector_id: int, by: str = "EV") -> None:
        """Pause energy flow of a running transaction (SuspendedEV or SuspendedEVSE)."""
        connector = self._connector(connector_id)
        if connector.transaction is None:
            raise SessionError(f"{self.cp_id}: no transaction on connector {connector_id}")
        await self._set_state(connector, SUSPENDED_EVSE if by == "EVSE" else SUSPENDED_EV)

    async def resume(self, connector_id: int) -> None:
        connector = self._connector(connector_id)
        if connector.transaction is not None and connector.state in TX_STATES:
            await self._set_state(connector, CHARGING)
