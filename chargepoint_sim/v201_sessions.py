"""Local session actions of the simulated 2.0.1 charging station (what a driver or the hardware does):
plug in/unplug, authorize, start/stop transactions, and the TransactionEvents they cause, including the
periodic meter values. Mixed into ChargePoint201 (v201.py).

When a transaction starts follows TxCtrlr.TxStartPoint: with EVConnected or ParkingBayOccupancy it
starts at plug-in (Started: CablePluggedIn, chargingState EVConnected) and the authorization follows as
an Updated event; otherwise (Authorized, PowerPathClosed, the default, ...) it starts once the driver
is authorized and the cable is in. stop_session always ends the transaction; unplugging ends it when
StopTxOnEVSideDisconnect is true. seqNo counts the station's TransactionEvents.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from . import v201_messages as msg
from .link import CallTimeout, NotConnected
from .protocol import CallError, utc_now
from .station import (
    AVAILABLE,
    CHARGING,
    FINISHING,
    PREPARING,
    RESERVED,
    SUSPENDED_EV,
    Connector,
    SessionError,
    SessionRejected,
    Transaction,
)

log = logging.getLogger("chargepoint_sim")

PLUG_IN_START_POINTS = frozenset({"EVConnected", "ParkingBayOccupancy"})


@dataclass(slots=True)
class Transaction201(Transaction):
    remote_start_id: int | None = None
    token_type: str = "ISO14443"
    authorized: bool = False
    charging_state: str | None = None  # last chargingState sent
    evse_sent: bool = False  # the evse field goes in the first event only


class Sessions201:
    """Mixin; relies on ChargePoint201 (connectors, config, enqueue, _set_state, _settle ...)."""

    async def plug_in(self, connector_id: int) -> None:
        connector = self._connector(connector_id)
        connector.plugged = True
        if connector.state in (AVAILABLE, RESERVED) and connector.operative and not connector.faulted:
            await self._set_state(connector, PREPARING)
        start_points = set(self.config.get_list("TxCtrlr.TxStartPoint"))
        if start_points & PLUG_IN_START_POINTS and connector.usable() and connector_id not in self._starting:
            tx = self._begin_transaction(connector, None)
            self._sync_flow(connector)  # not authorized yet: no energy
            self._emit(connector, tx, "Started", "CablePluggedIn", charging_state="EVConnected",
                       meter=self._begin_meter(connector))
            self._start_meter_loop(connector, tx)
        self.notify()

    async def unplug(self, connector_id: int) -> None:
        connector = self._connector(connector_id)
        connector.plugged = False
        tx = connector.transaction
        if tx is not None:
            if self.config.get_bool("TxCtrlr.StopTxOnEVSideDisconnect", True) or not tx.authorized:
                await self._end_transaction(connector, "EVDisconnected")
            else:
                await self._set_state(connector, SUSPENDED_EV)
            return
        await self._settle(connector)

    async def authorize(self, id_tag: str, token_type: str = "ISO14443") -> str:
        """Authorize online (caching the answer) or decide locally when offline; return the status."""
        cache_on = self.config.get_bool("AuthCacheCtrlr.Enabled", True)
        cached = self.auth_cache.get(id_tag) if cache_on else None
        if self.ready:
            if cached and cached.get("status") == "Accepted" and self.config.get_bool("AuthCtrlr.LocalPreAuthorize"):
                return "Accepted"
            try:
                response = await self.call("Authorize", {"idToken": msg.id_token(id_tag, token_type)})
            except (NotConnected, CallTimeout):
                pass  # fall through to the offline decision
            else:
                info = response.get("idTokenInfo") or {}
                if cache_on:
                    self.auth_cache[id_tag] = info
                return info.get("status", "Invalid")
        if not self.config.get_bool("AuthCtrlr.LocalAuthorizeOffline", True):
            return "Invalid"
        if cached:
            return cached.get("status", "Invalid")
        return "Accepted" if self.config.get_bool("AuthCtrlr.OfflineTxForUnknownIdEnabled") else "Invalid"

    async def start_session(self, connector_id: int, id_tag: str, *, remote: bool = False,
                            remote_start_id: int | None = None, token_type: str = "ISO14443") -> str:
        """Authorize, TransactionEvent Started (or Updated if the transaction began at plug-in), go
        Charging and send meter values. Returns the transactionId (known at once, even offline).
        Raises SessionRejected if the id token is not accepted, SessionError if the EVSE is busy."""
        connector = self._connector(connector_id)
        tx = connector.transaction
        busy = tx.authorized if tx is not None else not connector.usable()
        if busy or connector_id in self._starting:
            raise SessionError(f"{self.cp_id}: EVSE {connector_id} cannot start ({connector.state})")
        if not connector.plugged:
            await self.plug_in(connector_id)  # may start the transaction (TxStartPoint EVConnected)
        self._starting.add(connector_id)
        try:
            if connector.state != PREPARING and connector.transaction is None:
                await self._set_state(connector, PREPARING)
            if not remote or self.config.get_bool("AuthCtrlr.AuthorizeRemoteStart"):
                status = await self.authorize(id_tag, token_type)
                if status != "Accepted":
                    raise SessionRejected(status)
            tx = connector.transaction
            trigger = "RemoteStart" if remote else "Authorized"
            token = msg.id_token(id_tag, token_type)
            if tx is None:
                if not connector.usable():
                    raise SessionError(f"{self.cp_id}: EVSE {connector_id} became unusable ({connector.state})")
                tx = self._begin_transaction(connector, id_tag, remote, remote_start_id, token_type)
                future = self._emit(connector, tx, "Started", trigger, charging_state=CHARGING, token=token,
                                    remote_start_id=remote_start_id, meter=self._begin_meter(connector))
            else:  # began at plug-in: now authorized
                tx.id_tag, tx.authorized, tx.remote, tx.token_type = id_tag, True, remote, token_type
                tx.remote_start_id = remote_start_id
                future = self._emit(connector, tx, "Updated", trigger, charging_state=CHARGING, token=token,
                                    remote_start_id=remote_start_id)
            if self.ready:
                try:
                    async with asyncio.timeout(self.call_timeout + 1):
                        response = await asyncio.shield(future)
                except (TimeoutError, NotConnected, CallError):
                    response = None  # carries on as an offline transaction
                if response is not None and tx.rejected:
                    await self.wait_for(lambda cp: tx.ended, self.call_timeout * 2 + 2)
                    raise SessionRejected((response.get("idTokenInfo") or {}).get("status", "Invalid"))
            if connector.transaction is tx and connector.state == PREPARING:
                await self._set_state(connector, CHARGING)
            if connector.transaction is tx:
                self._start_meter_loop(connector, tx)
            return tx.id
        finally:
            self._starting.discard(connector_id)

    async def stop_session(self, connector_id: int, reason: str = "Local", id_tag: str | None = None) -> dict | None:
        """TransactionEvent Ended (stoppedReason ``reason``, 1.6 names mapped), then Finishing (or
        Available if unplugged). Returns the CSMS's answer, or None if it was queued while offline."""
        connector = self._connector(connector_id)
        if connector.transaction is None:
            raise SessionError(f"{self.cp_id}: no transaction on EVSE {connector_id}")
        return await self._end_transaction(connector, reason)

    # ------------------------------------------------------------------ internals
    def _begin_transaction(self, connector: Connector, id_tag: str | None, remote: bool = False,
                           remote_start_id: int | None = None, token_type: str = "ISO14443") -> Transaction201:
        now = self._now()
        meter = connector.meter
        meter.update(now)
        tx = Transaction201(connector.id, id_tag, meter.energy_wh, utc_now(), next(self._local_ids), id=str(uuid.uuid4()),
                            remote=remote, remote_start_id=remote_start_id, token_type=token_type,
                            authorized=id_tag is not None)
        meter.begin(now, soc=self._rng.uniform(10.0, 50.0))
        connector.transaction = tx
        self.notify()
        log.info("%s: transaction %s started on EVSE %d for %s", self.cp_id, tx.id, connector.id, id_tag)
        return tx

    def _begin_meter(self, connector: Connector) -> list[dict] | None:
        value = msg.meter_value(connector.meter, self.config.get_list("SampledDataCtrlr.TxStartedMeasurands"),
                                "Transaction.Begin", ev_connected=connector.plugged)
        connector.transaction.begin_values = [value] if value else []
        return connector.transaction.begin_values or None

    def _emit(self, connector: Connector, tx: Transaction201, event_type: str, trigger: str, *,
              charging_state: str | None = None, stopped_reason: str | None = None, token: dict | None = None,
              remote_start_id: int | None = None, meter: list[dict] | None = None) -> asyncio.Future:
        """Queue a TransactionEvent (sent in order; kept while offline, flagged offline)."""
        if charging_state is not None:
            tx.charging_state = charging_state
        payload = msg.transaction_event(
            event_type, tx, trigger, next(self._tx_seq), charging_state=charging_state, stopped_reason=stopped_reason,
            remote_start_id=remote_start_id, evse_id=None if tx.evse_sent else connector.id, token=token,
            meter=meter, offline=not self.ready)
        tx.evse_sent = True
        return self.enqueue("TransactionEvent", payload, tx)

    async def _state_changed(self, connector: Connector, old: str, reported: bool) -> None:
        """A running transaction reports a new chargingState (suspended, faulted, resumed ...)."""
        tx = connector.transaction
        if tx is None or tx.ended or connector.id in self._starting:
            return
        state = msg.charging_state(connector)
        if state != tx.charging_state:
            self._emit(connector, tx, "Updated", "ChargingStateChanged", charging_state=state)

    async def _end_transaction(self, connector: Connector, reason: str, id_tag: str | None = None) -> dict | None:
        tx = connector.transaction
        if tx is None:
            return None
        reason = msg.stop_reason(reason)
        task = self._meter_tasks.pop(connector.id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        meter = connector.meter
        meter.end(self._now())
        end = msg.meter_value(meter, self.config.get_list("SampledDataCtrlr.TxEndedMeasurands"), "Transaction.End",
                              ev_connected=connector.plugged)
        tx.ended, tx.meter_stop = True, meter.energy_wh
        connector.transaction, connector.last_transaction = None, tx
        values = [*tx.begin_values, *([end] if end else [])]
        future = self._emit(connector, tx, "Ended", msg.STOP_TRIGGERS.get(reason, "StopAuthorized"),
                            charging_state="EVConnected" if connector.plugged else "Idle", stopped_reason=reason,
                            meter=values or None)
        log.info("%s: transaction %s on EVSE %d stopped (%s)", self.cp_id, tx.id, connector.id, reason)
        response = None
        if self.ready:
            try:
                async with asyncio.timeout(self.call_timeout + 1):
                    response = await asyncio.shield(future)
            except (TimeoutError, NotConnected, CallError, RuntimeError):
                response = None
        if connector.plugged and connector.state == PREPARING:
            connector.state = FINISHING  # ended before it was charging: the EV is still there (same status)
        for changed in [connector, *self._apply_scheduled(connector)]:
            await self._settle(changed)
        if self._reset_on_idle and all(c.transaction is None for c in self.connectors[1:]):
            self._reset_on_idle = False
            self.spawn(self._reboot("OnIdle"))
        self.notify()
        return response

    def _start_meter_loop(self, connector: Connector, tx: Transaction201) -> None:
        task = self._meter_tasks.get(connector.id)
        if task is None or task.done():
            self._meter_tasks[connector.id] = self.spawn(self._meter_loop(connector, tx))

    async def _meter_loop(self, connector: Connector, tx: Transaction201) -> None:
        while connector.transaction is tx:
            interval = self._sample_interval()
            await asyncio.sleep(interval if interval > 0 else 1)
            if connector.transaction is not tx or interval <= 0:
                continue
            self.update_meter(connector)
            if connector.meter.soc >= 100.0 and connector.state == CHARGING:
                await self._set_state(connector, SUSPENDED_EV)
            value = msg.meter_value(connector.meter, self.config.get_list("SampledDataCtrlr.TxUpdatedMeasurands"),
                                    "Sample.Periodic", ev_connected=connector.plugged)
            if value is not None:
                self._emit(connector, tx, "Updated", "MeterValuePeriodic", meter=[value])
