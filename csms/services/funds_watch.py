"""The funds watch of charging sessions: each running order's figures (meter samples, running cost,
the funds it may use) and the rule that stops a session before the next meter interval could take
its cost past the funds, or at the driver's stop-at energy, amount or time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from csms.domain import events
from csms.domain.orders import Order
from csms.domain.repositories import TransactionRepository
from csms.services.clock import Clock
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionReadings

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
    def __init__(self, order_repo, transaction_repo: TransactionRepository, user_repo, readings: TransactionReadings,
                 tariffs: TariffService, clock: Clock, margin_fen: int):
        self.order_repo = order_repo
        self.transaction_repo = transaction_repo
        self.user_repo = user_repo
        self.readings = readings
        self.tariffs = tariffs
        self.clock = clock
        self.margin_fen = margin_fen
        self.live: dict[int, Live] = {}          # transaction id -> live figures of its order

    async def funds_of(self, order: Order) -> int:
        """What a session may spend: its prepayment, or the driver's wallet balance now."""
        if order.pay_mode == "prepay":
            return order.prepay_fen
        return (await self.user_repo.get(order.user_id)).balance_fen

    async def begin(self, order: Order, e: events.TransactionStarted) -> Live:
        live = self.live[e.transaction_id] = Live(order.id, order.station_id, e.meter_start_wh,
                                                  [(e.at, e.meter_start_wh)], await self.funds_of(order))
        return live

    async def progress(self, live: Live, e: events.TransactionUpdated) -> dict:
        """Take a meter update into the figures; returns what the order shows now (energy, cost,
        power, state of charge)."""
        reading = live.meter_start_wh + e.energy_wh
        if e.energy_wh and (not live.samples or e.at >= live.samples[-1][0]):
            live.samples.append((e.at, max(reading, live.samples[-1][1] if live.samples else reading)))
        energy = max(0, live.samples[-1][1] - live.meter_start_wh) if live.samples else 0
        cost = await self.running_cost(live)
        live.cost_step_fen, live.cost_fen = max(0, cost - live.cost_fen), cost
        figures = {"energy_wh": energy, "cost_fen": cost}
        if e.power_w is not None:
            figures["power_w"] = e.power_w
        if e.soc is not None:
            figures["soc"] = e.soc
        return figures

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
        order = await self.order_repo.find(transaction_id=tx_id)
        tx = await self.transaction_repo.get(tx_id)
        if order is None or tx is None or order.state != "charging":
            return None
        samples = await self.readings.samples(tx)
        live = Live(order.id, order.station_id, tx.meter_start_wh, samples, await self.funds_of(order),
                    stopping=order.stop_requested_at is not None, cost_fen=order.cost_fen)
        self.live[tx_id] = live
        return live

    def known_funds(self, order: Order) -> int | None:
        """The funds the watch works with for this order's session, when it is watched."""
        live = self.live.get(order.transaction_id) if order.transaction_id else None
        return live.funds_fen if live is not None else None
