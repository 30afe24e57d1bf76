"""Scan to charge, the stop: the driver's, a stop-at limit's or the funds'. Before the transaction
started it cancels the order; after, a remote stop (asked again until the charger carries it out),
and the settlement follows the transaction's end (csms/services/charging_progress.py)."""

from __future__ import annotations

from datetime import timedelta

from csms.domain.orders import Order
from csms.services.charging_start import ChargingStart
from csms.services.clock import Clock
from csms.services.driver_updates import DriverUpdates
from csms.services.funds_watch import FundsWatch
from csms.services.remote_control import RemoteControl

STOP_RETRY = timedelta(seconds=30)      # a stop asked for but not carried out is asked again after this


class ChargingStop:
    def __init__(self, order_repo, funds: FundsWatch, start: ChargingStart, remote: RemoteControl,
                 updates: DriverUpdates, clock: Clock):
        self.orders = order_repo
        self.funds = funds
        self.start = start
        self.remote = remote
        self.updates = updates
        self.clock = clock

    async def stop(self, order: Order, reason: str) -> Order:
        if order.state in ("created", "starting"):
            await self.start.cancel(order, "cancelled" if reason == "driver" else reason)
            return await self.orders.get(order.id)
        if order.state != "charging" or order.transaction_id is None:
            return order
        live = self.funds.live.get(order.transaction_id)
        if live is not None:
            live.stopping = True
        stopping = await self.orders.transition(order.id, "charging", step="stopping",
                                                stop_reason=order.stop_reason or reason,
                                                stop_requested_at=self.clock.now())
        if stopping is None:          # it ended meanwhile
            return await self.orders.get(order.id)
        await self.updates.session_changed(stopping, funds_fen=self.funds.known_funds(stopping))
        self.remote.stop_later(stopping.charge_point_id, stopping.transaction_id)
        return stopping

    def stop_transaction(self, cp_id: str, tx_id: int) -> None:
        """A transaction that should not run (its order was given up before it started): stop it."""
        self.remote.stop_later(cp_id, tx_id)

    async def set_stop_at(self, order: Order, stop_at: dict) -> Order:
        """The driver changes the stop-at limits of a running session (reached already: stop now)."""
        await self.orders.update(order.id, stop_energy_wh=stop_at.get("energy_wh"),
                                 stop_amount_fen=stop_at.get("amount_fen"), stop_minutes=stop_at.get("minutes"))
        order = await self.orders.get(order.id)
        await self.updates.session_changed(order, funds_fen=self.funds.known_funds(order))
        live = self.funds.live.get(order.transaction_id) if order.transaction_id else None
        if live is not None and not live.stopping:
            reason = self.funds.limit_reached(order, live, order.cost_fen, order.energy_wh)
            if reason:
                order = await self.stop(order, reason)
        return order

    async def tick(self) -> None:
        """Every few seconds, each open order: a start that never came is cancelled (the start's
        timeout), a running session is checked."""
        for order in await self.orders.open_orders():
            if not await self.start.expire(order):
                await self.check(order)

    async def check(self, order: Order) -> None:
        """The periodic check of a charging order: a stop not carried out is asked again; a time limit
        (or funds, after a restart) reached stops it."""
        if order.state != "charging" or order.transaction_id is None:
            return
        now = self.clock.now()
        if order.stop_requested_at:
            if now - order.stop_requested_at >= STOP_RETRY:    # refused, lost or offline: ask again
                await self.orders.transition(order.id, "charging", stop_requested_at=now)
                self.remote.stop_later(order.charge_point_id, order.transaction_id)
            return
        live = self.funds.live.get(order.transaction_id) or await self.funds.restore(order.transaction_id)
        if live is not None and not live.stopping:
            reason = self.funds.limit_reached(order, live, order.cost_fen, order.energy_wh)
            if reason:
                await self.stop(order, reason)
