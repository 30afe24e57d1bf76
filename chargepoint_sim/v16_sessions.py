"""Local session actions of the simulated 1.6 charge point (what a driver or the hardware does):
plug in/unplug, authorize, start/stop transactions and the meter-value loop (faults and suspension are
shared: station_runtime.py).
Mixed into ChargePoint16 (v16.py); transaction messages go through the store-and-forward outbox.
"""

from __future__ import annotations

import asyncio
import logging

from . import v16_messages as msg
from .link import CallTimeout, NotConnected
from .protocol import CallError, utc_now
from .station import (
    AVAILABLE, CHARGING, PREPARING, RESERVED, SUSPENDED_EV, Connector, SessionError, SessionRejected, Transaction,
)

log = logging.getLogger("chargepoint_sim")


class Sessions16:
    """Mixin; relies on ChargePoint16 (connectors, config, enqueue, _set_state, _settle ...)."""

    async def plug_in(self, connector_id: int) -> None:
        connector = self._connector(connector_id)
        connector.plugged = True
        if connector.state in (AVAILABLE, RESERVED) and connector.operative and not connector.faulted:
            await self._set_state(connector, PREPARING)
        self.notify()

    async def unplug(self, connector_id: int) -> None:
        connector = self._connector(connector_id)
        connector.plugged = False
        if connector.transaction is not None:
            if self.config.get_bool("StopTransactionOnEVSideDisconnect", True):
                await self._end_transaction(connector, "EVDisconnected")
            else:
                await self._set_state(connector, SUSPENDED_EV)
            return
        await self._settle(connector)

    async def authorize(self, id_tag: str) -> str:
        """Authorize online (caching the answer) or decide locally when offline; return the status."""
        cache_on = self.config.get_bool("AuthorizationCacheEnabled", True)
        cached = self.auth_cache.get(id_tag) if cache_on else None
        if self.ready:
            if cached and cached.get("status") == "Accepted" and self.config.get_bool("LocalPreAuthorize"):
                return "Accepted"
            try:
                response = await self.call("Authorize", {"idTag": id_tag})
            except (NotConnected, CallTimeout):
                pass  # fall through to the offline decision
            else:
                info = response.get("idTagInfo") or {}
                if cache_on:
                    self.auth_cache[id_tag] = info
                return info.get("status", "Invalid")
        if not self.config.get_bool("LocalAuthorizeOffline", True):
            return "Invalid"
        if cached:
            return cached.get("status", "Invalid")
        return "Accepted" if self.config.get_bool("AllowOfflineTxForUnknownId") else "Invalid"

    async def start_session(self, connector_id: int, id_tag: str, *, remote: bool = False) -> int | None:
        """Authorize, StartTransaction, go Charging and start the meter loop. Returns the transactionId,
        or None if the transaction started offline (its id arrives when the outbox is flushed).
        Raises SessionRejected if the id tag is not accepted, SessionError if the connector is busy."""
        connector = self._connector(connector_id)
        if not connector.usable() or connector_id in self._starting:
            raise SessionError(f"{self.cp_id}: connector {connector_id} cannot start ({connector.state})")
        self._starting.add(connector_id)
        try:
            connector.plugged = True
            if connector.state != PREPARING:
                await self._set_state(connector, PREPARING)
            if not remote or self.config.get_bool("AuthorizeRemoteTxRequests"):
                status = await self.authorize(id_tag)
                if status != "Accepted":
                    raise SessionRejected(status)
            if not connector.usable():
                raise SessionError(f"{self.cp_id}: connector {connector_id} became unusable ({connector.state})")
            tx = self._begin_transaction(connector, id_tag, remote)
            payload = msg.start_transaction(connector.id, id_tag, tx.meter_start, tx.timestamp)
            if connector.reservation is not None:  # the transaction uses the connector's reservation
                payload["reservationId"] = connector.reservation["id"]
            future = self.enqueue("StartTransaction", payload, tx)
            if self.ready:
                try:
                    async with asyncio.timeout(self.call_timeout + 1):
                        response = await asyncio.shield(future)
                except (TimeoutError, NotConnected):
                    response = None  # carries on as an offline transaction
                except CallError:
                    await self._end_transaction(connector, "Other")
                    raise
                if response is not None and tx.rejected:
                    await self.wait_for(lambda cp: tx.ended, self.call_timeout * 2 + 2)
                    raise SessionRejected(response.get("idTagInfo", {}).get("status", "Invalid"))
            if connector.transaction is tx and connector.state == PREPARING:
                await self._set_state(connector, CHARGING)
            if connector.transaction is tx:
                self._meter_tasks[connector.id] = self.spawn(self._meter_loop(connector, tx))
            return tx.id
        finally:
            self._starting.discard(connector_id)

    async def stop_session(self, connector_id: int, reason: str = "Local", id_tag: str | None = None) -> dict | None:
        """StopTransaction (with transactionData), then Finishing (or Available if unplugged).
        Returns the StopTransaction response, or None if it was queued while offline."""
        connector = self._connector(connector_id)
        if connector.transaction is None:
            raise SessionError(f"{self.cp_id}: no transaction on connector {connector_id}")
        return await self._end_transaction(connector, reason, id_tag or connector.transaction.id_tag)

    def _begin_transaction(self, connector: Connector, id_tag: str, remote: bool) -> Transaction:
        now = self._now()
        meter = connector.meter
        meter.update(now)
        tx = Transaction(connector.id, id_tag, meter.energy_wh, utc_now(), next(self._local_ids), remote=remote)
        meter.begin(now, soc=self._rng.uniform(10.0, 50.0))
        tx.begin_values = msg.sampled_values(meter, self.config.get_list("StopTxnSampledData"), "Transaction.Begin")
        connector.transaction = tx
        self.notify()
        log.info("%s: transaction started on connector %d for %s", self.cp_id, connector.id, id_tag)
        return tx

    async def _end_transaction(self, connector: Connector, reason: str, id_tag: str | None = None) -> dict | None:
        tx = connector.transaction
        if tx is None:
            return None
        task = self._meter_tasks.pop(connector.id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        meter = connector.meter
        meter.end(self._now())
        end_values = msg.sampled_values(meter, self.config.get_list("StopTxnSampledData"), "Transaction.End")
        payload = msg.stop_transaction(meter.energy_wh, utc_now(), reason, id_tag=id_tag,
                                       begin=tx.begin_values, begin_timestamp=tx.timestamp, end=end_values)
        tx.ended, tx.meter_stop = True, meter.energy_wh
        connector.transaction, connector.last_transaction = None, tx
        future = self.enqueue("StopTransaction", payload, tx)
        log.info("%s: transaction %s on connector %d stopped (%s)", self.cp_id, tx.id, connector.id, reason)
        response = None
        if self.ready:
            try:
                async with asyncio.timeout(self.call_timeout + 1):
                    response = await asyncio.shield(future)
            except (TimeoutError, NotConnected, CallError, RuntimeError):
                response = None
        for changed in [connector, *self._apply_scheduled(connector)]:
            await self._settle(changed)
        self.notify()
        return response

    async def _meter_loop(self, connector: Connector, tx: Transaction) -> None:
        while connector.transaction is tx:
            interval = self._sample_interval()
            await asyncio.sleep(interval if interval > 0 else 1)
            if connector.transaction is not tx or interval <= 0:
                continue
            self.update_meter(connector)
            if connector.meter.soc >= 100.0 and connector.state == CHARGING:
                await self._set_state(connector, SUSPENDED_EV)
            payload = msg.meter_values(connector.id, connector.meter, self.config.get_list("MeterValuesSampledData"))
            self.enqueue("MeterValues", payload, tx)
