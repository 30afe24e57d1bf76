"""Scan to charge, while it runs: the transaction's events (bus subscribers, csms/subscriptions.py)
move the driver's order on. Started: the order is charging and its funds are watched. Each meter
update: the running figures and cost, and a stop when the funds or a stop-at limit would be passed.
Stopped: the idle-fee watch begins and the order is handed to settlement."""

from __future__ import annotations

import logging
import time

from csms.domain import events
from csms.domain.driver_events import OrderOpened
from csms.domain.orders import ORDER, Order
from csms.domain.repositories import TransactionRepository
from csms.services.charging_start import SessionTags
from csms.services.charging_stop import ChargingStop
from csms.services.driver_updates import DriverUpdates
from csms.services.funds_watch import FundsWatch
from csms.services.idle_fees import IdleFees
from csms.services.settlement import SettlementService

log = logging.getLogger(__name__)

# a transaction found without a driver's order is not looked up again on each meter value: until an
# order is opened on any node (OrderOpened, delivered from every node by the bus between nodes), or
# this long (an event that bus lost while a node reconnected to Redis)
ORDERLESS_RECHECK_S = 900.0


class ChargingProgress:
    def __init__(self, order_repo, transaction_repo: TransactionRepository, funds: FundsWatch, idle_fees: IdleFees,
                 settlement: SettlementService, stop: ChargingStop, tags: SessionTags, updates: DriverUpdates):
        self.orders = order_repo
        self.transaction_repo = transaction_repo
        self.funds = funds
        self.idle_fees = idle_fees
        self.settlement = settlement
        self.stop = stop
        self.tags = tags
        self.updates = updates
        self._orderless: dict[int, float] = {}    # transaction id -> when it was found without an order

    async def on_order_opened(self, e: OrderOpened) -> None:
        """An order was created or is starting (csms/services/charging_start.py): any transaction may be its."""
        self._orderless.clear()

    async def _order_for(self, tx_id: int, id_tag: str | None) -> Order | None:
        """The driver's order of a transaction: by the transaction, else by the session's id tag or
        the remoteStartId the transaction carries."""
        order = await self.orders.find(transaction_id=tx_id)
        if order is not None:
            return order
        if id_tag:
            order = await self.orders.find(id_tag=id_tag)
        if order is None:
            tx = await self.transaction_repo.get(tx_id)
            if tx is not None and tx.remote_start_id is not None:
                order = await self.orders.find(remote_start_id=tx.remote_start_id)
            if order is None and tx is not None and tx.id_tag and tx.id_tag != id_tag:
                order = await self.orders.find(id_tag=tx.id_tag)
        if order is not None and order.transaction_id not in (None, tx_id):
            return None     # the tag's order already has its transaction: this is another one
        return order

    async def on_transaction_started(self, e: events.TransactionStarted) -> None:
        if e.id_tag:   # the lookup below tries every key a meter value's would (a token assigned later only
            # comes to a transaction that had none): marked before it, so an order opened meanwhile clears the mark
            self._orderless[e.transaction_id] = time.monotonic()
        order = await self._order_for(e.transaction_id, e.id_tag)
        if order is None:
            return
        self._orderless.pop(e.transaction_id, None)
        if order.state == "cancelled":   # too late: the driver gave up or it timed out; stop it
            log.warning("order %s was cancelled but transaction %s started; stopping it", order.id,
                        e.transaction_id)
            self.stop.stop_transaction(e.charge_point_id, e.transaction_id)
            return
        moved = await self.orders.transition(order.id, ("created", "starting"), state="charging", step="charging",
                                             transaction_id=e.transaction_id, started_at=e.at)
        if moved is None:
            return
        await self.idle_fees.taken((moved.charge_point_id, moved.connector_id))   # the last car has left
        live = await self.funds.begin(moved, e)
        await self.updates.session_changed(moved, funds_fen=live.funds_fen)

    async def on_transaction_updated(self, e: events.TransactionUpdated) -> None:
        live = self.funds.live.get(e.transaction_id)
        if live is None:
            seen = self._orderless.get(e.transaction_id)
            if seen is not None and time.monotonic() - seen < ORDERLESS_RECHECK_S:
                return          # an RFID session, most of them: no database read per meter value
            # marked before the lookup: the meter values that arrive while it runs do not look again
            self._orderless[e.transaction_id] = time.monotonic()
            order = await self._order_for(e.transaction_id, None)
            if order is None or order.state not in ("starting", "charging"):
                return
            self._orderless.pop(e.transaction_id, None)
            if order.state == "starting":   # 2.0.1: identified after the start event
                tx = await self.transaction_repo.get(e.transaction_id)
                await self.on_transaction_started(events.TransactionStarted(
                    tx.id, tx.charge_point_id, tx.connector_id, tx.id_tag, tx.meter_start_wh, tx.started_at))
            live = self.funds.live.get(e.transaction_id) or await self.funds.restore(e.transaction_id)
            if live is None:
                return
        figures = await self.funds.progress(live, e)
        # only while charging: a meter value handled after the stop must not overwrite the bill
        order = await self.orders.transition(live.order_id, "charging", **figures)
        if order is None:
            return
        if order.pay_mode == "wallet":     # the balance may have moved (adjustment, an older order's fee)
            live.funds_fen = await self.funds.funds_of(order)
        await self.updates.session_changed(order, funds_fen=live.funds_fen)
        reason = self.funds.limit_reached(order, live, figures["cost_fen"], figures["energy_wh"])
        if reason and not live.stopping:
            await self.stop.stop(order, reason)

    async def catch_up(self) -> None:
        """The transaction events of a process that died after storing a start or a stop but before
        its subscribers ran are not delivered again (the charge point had its answer and does not
        repeat it): every open order whose transaction moved on without it is moved on from what is
        stored, and a settlement cut between the bill and the payment is collected. Run by the periodic driver-sessions job; each step is idempotent, so a live event
        handled at the same time changes nothing twice."""
        for order in await self.orders.open_orders():
            if order.state == "starting" and order.transaction_id is None:
                started = [tx for tx in await self.transaction_repo.active_on(order.charge_point_id, order.connector_id)
                           if tx.id_tag == order.id_tag]
                for tx in started:
                    log.warning("order %s: transaction %s started unseen; catching up", order.id, tx.id)
                    await self.on_transaction_started(events.TransactionStarted(
                        tx.id, tx.charge_point_id, tx.connector_id, tx.id_tag, tx.meter_start_wh, tx.started_at))
            elif order.state == "charging" and order.transaction_id is not None:
                tx = await self.transaction_repo.get(order.transaction_id)
                if tx is not None and tx.status != "Active":
                    log.warning("order %s: transaction %s ended unseen; catching up", order.id, tx.id)
                    energy = tx.energy_wh if tx.energy_wh is not None else max(
                        0, (tx.meter_stop_wh or tx.meter_start_wh) - tx.meter_start_wh)
                    await self.on_transaction_stopped(events.TransactionStopped(
                        tx.id, tx.charge_point_id, tx.connector_id, energy, tx.stop_reason, tx.anomaly,
                        tx.stopped_at or tx.updated_at or tx.started_at))
            elif order.state == "settling":         # billed, the money not taken yet
                log.warning("order %s: settled but not collected; catching up", order.id)
                await self.settlement.collect(order)

    async def on_transaction_stopped(self, e: events.TransactionStopped) -> None:
        self._orderless.pop(e.transaction_id, None)
        live = self.funds.live.pop(e.transaction_id, None)
        order = await self.orders.find(transaction_id=e.transaction_id)
        if order is None:
            order = await self._order_for(e.transaction_id, None)
            if order is None:
                return
            if order.state in ("created", "starting"):    # the start was never seen (lost, or offline)
                tx = await self.transaction_repo.get(e.transaction_id)
                order = await self.orders.transition(order.id, order.state, state="charging",
                                                     transaction_id=e.transaction_id, started_at=tx.started_at)
                if order is None:
                    return
        if not ORDER.can(order.state, "settling") or order.state == "settling":
            # cancelled before it started (the CSMS stopped it), or settled already (a repeated stop)
            log.info("order %s is %s; transaction %s stop not billed", order.id, order.state, e.transaction_id)
            return
        reason = order.stop_reason or ("charger" if live is None or not live.stopping else "driver")
        watch = await self.idle_fees.stopped(order, e.at)
        await self.tags.retire(order.id_tag)
        settled = await self.settlement.settle(order, e, reason)
        if settled is not None:
            await self.updates.session_changed(settled)
        await self.idle_fees.settled(watch, settled)
