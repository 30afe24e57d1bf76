"""The idle fee's watch: a stopped session whose car may still be on the connector. The fee runs
from the stop until the connector is Available again and is added once the order is settled
(csms/services/settlement.py idle_fee). The watch is kept in the orders table (``idle_since``) so a
restart between the stop and the unplug loses nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from csms.domain import events
from csms.domain.orders import FINISHED_ORDER_STATES, Order

log = logging.getLogger(__name__)
Key = tuple[str, int]      # (charge point, driver-facing connector id)


@dataclass
class IdleWatch:
    order_id: int
    stopped_at: datetime
    settled: bool = False
    unplugged_at: datetime | None = None


class IdleFees:
    def __init__(self, orders, settlement):
        self.orders = orders
        self.settlement = settlement
        self._watches: dict[Key, IdleWatch] = {}
        self._freed: dict[Key, datetime] = {}      # the last time each connector went Available

    async def preload(self) -> None:
        """At start: the stopped sessions whose cars had not left yet when the CSMS went down."""
        for order in await self.orders.idle():
            self._watches[(order.charge_point_id, order.connector_id)] = IdleWatch(order.id, order.idle_since,
                                                                                   settled=True)

    async def taken(self, key: Key) -> None:
        """A new session started on the connector: the previous car has left, without a fee."""
        watch = self._watches.pop(key, None)
        if watch is not None:
            await self.orders.update(watch.order_id, idle_since=None)

    async def stopped(self, order: Order, at: datetime) -> IdleWatch:
        """The order's transaction stopped at ``at``: watch its connector (before settling it)."""
        key = (order.charge_point_id, order.connector_id)
        watch = self._watches[key] = IdleWatch(order.id, at)
        await self.orders.update(order.id, idle_since=at)
        freed = self._freed.get(key)
        if freed is not None and freed >= at:       # the Available was handled before this stop
            watch.unplugged_at = freed
        return watch

    async def settled(self, watch: IdleWatch, order: Order | None) -> None:
        """The order is settled (or could not be): charge the fee now if the car already left."""
        key = next((k for k, w in self._watches.items() if w is watch), None)
        watch.settled = True
        if order is None or order.state not in FINISHED_ORDER_STATES:
            if key is not None:
                await self.taken(key)
        elif watch.unplugged_at is not None:
            await self._charge(watch)

    async def on_connector_status(self, e: events.ConnectorStatusChanged) -> None:
        """A connector Available again after a session: the car has left; the idle fee follows."""
        if e.status != "Available" or e.evse_id <= 0:
            return
        key = (e.charge_point_id, e.evse_id)
        self._freed[key] = e.at
        watch = self._watches.get(key)
        if watch is None or watch.unplugged_at is not None or e.at < watch.stopped_at:
            return
        watch.unplugged_at = e.at
        if watch.settled:
            await self._charge(watch)

    async def _charge(self, watch: IdleWatch) -> None:
        key = next((k for k, w in self._watches.items() if w is watch), None)
        if key is not None:
            await self.taken(key)
        try:
            await self.settlement.idle_fee(watch.order_id, watch.unplugged_at)
        except Exception:
            log.exception("idle fee of order %s failed", watch.order_id)

    def clear(self) -> None:
        """Forget what is in memory (what a restart does); ``preload`` finds it again."""
        self._watches.clear()

    def watching(self) -> dict[Key, IdleWatch]:
        return dict(self._watches)
