"""The funds watch of charging sessions: each running order's figures (meter samples, running cost,
the funds it may use) and the rule that stops a session before the next meter interval could take
its cost past the funds, or at the driver's stop-at energy, amount or time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from csms.domain.orders import Order
from csms.services.clock import Clock
from csms.services.tariffs import transaction_samples

log = logging.getLogger(__name__)


@dataclass
class Live:
    """A charging order's running figures (kept in memory; persisted on every change)."""
    order_id: int
    station_id: int | None
    meter_start_wh: int
    samples: list[tuple[datetime, int]] = field(default_factory=list)   # (time, meter reading Wh)
    funds_fen: int | None = None
    stopping: bool = False
    cost_fen: int = 0
    cost_step_fen: int = 0          # what the last meter interval cost: the next one will cost about as much


class FundsWatch:
    def __init__(self, *, orders, transactions, users, settlement, tariffs, clock: Clock, margin_fen: int):
        self.orders = orders
        self.transactions = transactions
        self.users = users
        self.settlement = settlement
        self.tariffs = tariffs
        self.clock = clock
        self.margin_fen = margin_fen
        self.live: dict[int, Live] = {}          # transaction id -> live figures of its order

    async def running_cost(self, live: Live) -> int:
        if live.station_id is None or len(live.samples) < 2:
            return 0
        try:
            return (await self.tariffs.bill(live.station_id, live.samples)).total_fen
        except Exception as exc:
            log.warning("running cost of order %s: %s", live.order_id, exc)
            return 0

    def limit_reached(self, order: Order, live: Live, cost: int, energy: int) -> str | None:
        # stop before the next interval could take the cost past the funds
        margin = max(self.margin_fen, 2 * live.cost_step_fen)
        if live.funds_fen is not None and cost + margin >= live.funds_fen:
            return "funds"
        if order.stop_energy_wh is not None and energy >= order.stop_energy_wh:
            return "stop_at_energy"
        if order.stop_amount_fen is not None and cost >= order.stop_amount_fen:
            return "stop_at_amount"
        if order.stop_minutes is not None and order.started_at is not None and \
                self.clock.now() - order.started_at >= timedelta(minutes=order.stop_minutes):
            return "stop_at_time"
        return None

    async def restore(self, tx_id: int) -> Live | None:
        """After a restart: a charging order's figures from the stored meter values."""
        order = await self.orders.find(transaction_id=tx_id)
        tx = await self.transactions.get(tx_id)
        if order is None or tx is None or order.state != "charging":
            return None
        samples = transaction_samples(tx, await self.settlement.register_readings(tx_id))
        funds = order.prepay_fen if order.pay_mode == "prepay" else (await self.users.get(order.user_id)).balance_fen
        live = Live(order.id, order.station_id, tx.meter_start_wh, samples, funds,
                    stopping=order.stop_requested_at is not None, cost_fen=order.cost_fen)
        self.live[tx_id] = live
        return live
