"""Scan to charge: a driver's session from the start request to the transaction's end.

Start: check the connector and the funds, create the order with a per-session id tag issued by the
CSMS (so a 1.6 transaction is tied to its order without guessing; 2.0.1 also carries the
remoteStartId), then RemoteStart / RequestStartTransaction. The transaction's events move the order
on; the running cost is watched and the session stopped before it exceeds the funds or the driver's
stop-at limits. Settlement (money) is csms/services/settlement.py."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from csms.domain import commands as c
from csms.domain import events
from csms.domain.driver_events import SessionChanged
from csms.domain.models import IdTag
from csms.domain.orders import ORDER, Order, Payment
from csms.ocpp.errors import CallTimeout, NotConnected
from csms.services.availability import Availability
from csms.services.clock import Clock
from csms.services.funds_watch import FundsWatch, Live
from csms.services.idle_fees import IdleFees
from csms.services.locks import KeyedLocks
from csms.services.order_views import session_view

log = logging.getLogger(__name__)

# remoteStartId of driver sessions: below 2**31, distinct across restarts
_remote_start_ids = itertools.count(1_000_000_000 + int(time.time()) % 1_000_000 * 1000)
STOP_RETRY = timedelta(seconds=30)      # a stop asked for but not carried out is asked again after this
STEP_OF_STATE = {"created": "awaiting_payment", "starting": "starting", "charging": "charging",
                 "settling": "finished", "paid": "finished", "unpaid": "finished", "refunded": "finished",
                 "cancelled": "failed", "abnormal": "failed"}


class StartRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class DriverConfig:
    start_timeout: float = 120.0
    min_wallet_fen: int = 500
    min_prepay_fen: int = 100
    max_prepay_fen: int = 100000
    funds_margin_fen: int = 50


def new_session_tag() -> str:
    """A per-session id tag: 20 characters at most (OCPP 1.6 CiString20)."""
    return "D" + secrets.token_hex(9).upper()


class ChargingService:
    def __init__(self, *, orders, users, charge_points, connectors, id_tags, transactions, meter_values,
                 reservations, driver_reservations, commands, gateway, tariffs, payments, settlement, bus,
                 clock: Clock, config: DriverConfig, reservation_service=None):
        self.orders = orders
        self.users = users
        self.charge_points = charge_points
        self.connectors = connectors
        self.id_tags = id_tags                # IdTagRepository
        self.transactions = transactions
        self.meter_values = meter_values
        self.reservations = reservations      # ReservationRepository (csms/db/repositories_reservations.py)
        self.driver_reservations = driver_reservations
        self.reservation_service = reservation_service   # ReservationService: marks a reservation Used
        self.commands = commands
        self.gateway = gateway
        self.tariffs = tariffs
        self.payments = payments
        self.settlement = settlement
        self.bus = bus
        self.clock = clock
        self.config = config
        self.funds = FundsWatch(orders=orders, transactions=transactions, users=users, settlement=settlement,
                                tariffs=tariffs, clock=clock, margin_fen=config.funds_margin_fen)
        # one rule for the scan page, reservations and the start (csms/services/availability.py)
        self.availability = Availability(charge_points=charge_points, connectors=connectors,
                                         reservations=reservations, driver_reservations=driver_reservations,
                                         transactions=transactions, orders=orders, gateway=gateway)
        self.idle_fees = IdleFees(orders, settlement)
        self._tasks: set[asyncio.Task] = set()
        self._locks = KeyedLocks()
        payments.hooks.paid.append(self._on_paid)
        payments.hooks.closed.append(self._on_payment_closed)

    # --- start -------------------------------------------------------------------------------------

    async def start(self, user_id: int, cp_id: str, connector_id: int, *, pay_mode: str, prepay_fen: int = 0,
                    vehicle_id: int | None = None, stop_at: dict | None = None) -> tuple[Order, Payment | None]:
        """Check, create the order and send the remote start (wallet) or ask for the prepayment. The
        checks and the creation run one at a time per driver and per connector, so a double tap or two
        drivers scanning the same connector at once make one order (within this process)."""
        async with self._locks.hold(f"user:{user_id}"), self._locks.hold(f"connector:{cp_id}:{connector_id}"):
            return await self._start(user_id, cp_id, connector_id, pay_mode=pay_mode, prepay_fen=prepay_fen,
                                     vehicle_id=vehicle_id, stop_at=stop_at)

    async def _start(self, user_id: int, cp_id: str, connector_id: int, *, pay_mode: str, prepay_fen: int,
                     vehicle_id: int | None, stop_at: dict | None) -> tuple[Order, Payment | None]:
        cfg = self.config
        if await self.orders.open_orders(user_id=user_id):
            raise StartRefused(409, "session_in_progress", "you already have a charging session open")
        state, my_tag = await self.availability(cp_id, connector_id, user_id)
        if state == "unknown_connector":
            raise StartRefused(404, "not_found", f"no connector {connector_id} on charge point {cp_id}")
        if state != "free":
            raise StartRefused(409, state, f"connector {cp_id}/{connector_id} is {state}")
        cp = await self.charge_points.get(cp_id)
        now = self.clock.now()
        if cp.station_id is None or await self.tariffs.price_at(cp.station_id, now) is None:
            raise StartRefused(409, "no_tariff", "this station has no tariff; charging is not offered here")
        user = await self.users.get(user_id)
        if pay_mode == "wallet":
            if user.balance_fen < cfg.min_wallet_fen:
                raise StartRefused(402, "insufficient_funds",
                                   f"a wallet session needs at least {cfg.min_wallet_fen} fen; you have {user.balance_fen}")
        elif not cfg.min_prepay_fen <= prepay_fen <= cfg.max_prepay_fen:
            raise StartRefused(400, "validation_error",
                               f"prepay_fen must be {cfg.min_prepay_fen}-{cfg.max_prepay_fen} fen")
        id_tag = my_tag or new_session_tag()
        await self.id_tags.put(IdTag(id_tag, "Accepted"))     # valid for as long as the session lasts
        stop_at = stop_at or {}
        order = await self.orders.create(
            user_id=user_id, state="created" if pay_mode == "prepay" else "starting",
            step="awaiting_payment" if pay_mode == "prepay" else "starting", charge_point_id=cp_id,
            connector_id=connector_id, station_id=cp.station_id, protocol=self.gateway.protocol_of(cp_id),
            id_tag=id_tag, remote_start_id=next(_remote_start_ids), vehicle_id=vehicle_id, pay_mode=pay_mode,
            prepay_fen=prepay_fen if pay_mode == "prepay" else 0, stop_energy_wh=stop_at.get("energy_wh"),
            stop_amount_fen=stop_at.get("amount_fen"), stop_minutes=stop_at.get("minutes"))
        payment = None
        if pay_mode == "prepay":
            try:
                payment = await self.payments.create(user_id, "prepay", prepay_fen, order.id)
            except Exception:
                await self._fail(order, "payment_failed")
                raise
        else:
            self._spawn(self._remote_start(order))
        self._changed(order)
        return order, payment

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_paid(self, payment: Payment) -> None:
        if payment.kind == "prepay" and payment.order_id is not None:
            order = await self.orders.transition(payment.order_id, "created", state="starting", step="starting")
            if order is not None:
                self._changed(order)
                self._spawn(self._remote_start(order))
            else:   # paid after the order was cancelled (timeout, cancel): give the money back
                order = await self.orders.get(payment.order_id)
                if order is not None and order.state == "cancelled":
                    await self.payments.refund(payment, payment.amount_fen, "订单已取消", "cancelled")
        # a top-up during a wallet session needs nothing here: the funds watch re-reads the balance
        # with every meter value

    async def _on_payment_closed(self, payment: Payment) -> None:
        if payment.kind == "prepay" and payment.order_id is not None:
            order = await self.orders.get(payment.order_id)
            if order is not None and order.state == "created":
                await self._fail(order, "payment_failed")

    async def _remote_start(self, order: Order) -> None:
        command = c.RemoteStart(order.id_tag, order.connector_id, remote_start_id=order.remote_start_id)
        try:
            result = await self.commands.send(order.charge_point_id, command)
        except NotConnected:
            await self._fail(order, "offline")
            return
        except CallTimeout:
            log.warning("order %s: no answer to the remote start; waiting for a transaction", order.id)
            return
        except Exception as exc:
            log.warning("order %s: remote start failed: %s", order.id, exc)
            await self._fail(order, "rejected")
            return
        if result.get("status") != "Accepted":
            await self._fail(order, "rejected")
            return
        moved = await self.orders.transition(order.id, "starting", step="plug_in")
        if moved is not None and moved.step == "plug_in":
            self._changed(moved)

    async def _fail(self, order: Order, reason: str) -> None:
        """A session that never started: cancel the order, retire its id tag, refund a prepayment."""
        ORDER.check(order.state, "cancelled")
        done = await self.orders.transition(order.id, ("created", "starting"), state="cancelled", step="failed",
                                            reason=reason)
        if done is None:
            return
        await self._retire_tag(done.id_tag)
        self._changed(done)
        payment = await self.payments.payments.for_order(done.id)
        if payment is not None:
            if payment.state == "pending":
                await self.payments.cancel(payment)
            elif payment.state == "paid":
                await self.payments.refund(payment, payment.amount_fen, "充电未开始，全额退款", "cancelled")

    async def _retire_tag(self, id_tag: str) -> None:
        tag = await self.id_tags.get(id_tag)
        if tag is not None and tag.status == "Accepted":
            await self.id_tags.put(IdTag(id_tag, "Expired", tag.expiry_date, tag.group_id))

    # --- the transaction's events ----------------------------------------------------------------------

    async def _order_for(self, tx_id: int, id_tag: str | None) -> Order | None:
        order = await self.orders.find(transaction_id=tx_id)
        if order is not None:
            return order
        if id_tag:
            order = await self.orders.find(id_tag=id_tag)
        if order is None:
            tx = await self.transactions.get(tx_id)
            if tx is not None and tx.remote_start_id is not None:
                order = await self.orders.find(remote_start_id=tx.remote_start_id)
            if order is None and tx is not None and tx.id_tag and tx.id_tag != id_tag:
                order = await self.orders.find(id_tag=tx.id_tag)
        if order is not None and order.transaction_id not in (None, tx_id):
            return None     # the tag's order already has its transaction: this is another one
        return order

    async def on_transaction_started(self, e: events.TransactionStarted) -> None:
        order = await self._order_for(e.transaction_id, e.id_tag)
        if order is None:
            return
        if order.state in ("cancelled",):   # too late: the driver gave up or it timed out; stop it
            log.warning("order %s was %s but transaction %s started; stopping it", order.id, order.state,
                        e.transaction_id)
            self._spawn(self._send_stop(e.charge_point_id, e.transaction_id))
            return
        moved = await self.orders.transition(order.id, ("created", "starting"), state="charging", step="charging",
                                             transaction_id=e.transaction_id, started_at=e.at)
        if moved is None:
            return
        await self.idle_fees.taken((moved.charge_point_id, moved.connector_id))   # the last car has left
        await self._use_reservation(moved, e.transaction_id)
        funds = moved.prepay_fen if moved.pay_mode == "prepay" else (await self.users.get(moved.user_id)).balance_fen
        self.funds.live[e.transaction_id] = Live(moved.id, moved.station_id, e.meter_start_wh,
                                            [(e.at, e.meter_start_wh)], funds)
        self._changed(moved)

    async def _use_reservation(self, order: Order, tx_id: int) -> None:
        """A session started under its driver's reservation tag uses that reservation, whether or not
        the charger reports the reservationId (2.0.1 charge points often do not)."""
        if self.reservation_service is None:
            return
        for r in await self.reservations.accepted(charge_point_id=order.charge_point_id):
            if r.id_tag == order.id_tag:
                await self.reservation_service.used(order.charge_point_id, r.id, tx_id)

    async def on_transaction_updated(self, e: events.TransactionUpdated) -> None:
        live = self.funds.live.get(e.transaction_id)
        if live is None:
            order = await self._order_for(e.transaction_id, None)
            if order is None or order.state not in ("starting", "charging"):
                return
            if order.state == "starting":   # 2.0.1: identified after the start event
                tx = await self.transactions.get(e.transaction_id)
                await self.on_transaction_started(events.TransactionStarted(
                    tx.id, tx.charge_point_id, tx.connector_id, tx.id_tag, tx.meter_start_wh, tx.started_at))
            live = self.funds.live.get(e.transaction_id) or await self.funds.restore(e.transaction_id)
            if live is None:
                return
        reading = live.meter_start_wh + e.energy_wh
        if e.energy_wh and (not live.samples or e.at >= live.samples[-1][0]):
            live.samples.append((e.at, max(reading, live.samples[-1][1] if live.samples else reading)))
        energy = max(0, live.samples[-1][1] - live.meter_start_wh) if live.samples else 0
        cost = await self.funds.running_cost(live)
        live.cost_step_fen, live.cost_fen = max(0, cost - live.cost_fen), cost
        figures = {"energy_wh": energy, "cost_fen": cost}
        if e.power_w is not None:
            figures["power_w"] = e.power_w
        if e.soc is not None:
            figures["soc"] = e.soc
        # only while charging: a meter value handled after the stop must not overwrite the bill
        order = await self.orders.transition(live.order_id, "charging", **figures)
        if order is None:
            return
        if order.pay_mode == "wallet":     # the balance may have moved (adjustment, an older order's fee)
            live.funds_fen = (await self.users.get(order.user_id)).balance_fen
        self._changed(order)
        reason = self.funds.limit_reached(order, live, cost, energy)
        if reason and not live.stopping:
            await self.stop(order, reason)

    async def on_transaction_stopped(self, e: events.TransactionStopped) -> None:
        live = self.funds.live.pop(e.transaction_id, None)
        order = await self.orders.find(transaction_id=e.transaction_id)
        if order is None:
            order = await self._order_for(e.transaction_id, None)
            if order is None:
                return
            if order.state in ("created", "starting"):    # the start was never seen (lost, or offline)
                tx = await self.transactions.get(e.transaction_id)
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
        await self._retire_tag(order.id_tag)
        settled = await self.settlement.settle(order, e, reason)
        if settled is not None:
            self._changed(settled)
        await self.idle_fees.settled(watch, settled)

    # --- stopping ------------------------------------------------------------------------------------

    async def stop(self, order: Order, reason: str) -> Order:
        """Stop a session: the driver, a limit, or the funds. Before the transaction started this
        cancels the order; after, RemoteStop (the settlement follows the transaction's end)."""
        if order.state in ("created", "starting"):
            await self._fail(order, "cancelled" if reason == "driver" else reason)
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
        self._changed(stopping)
        self._spawn(self._send_stop(stopping.charge_point_id, stopping.transaction_id))
        return stopping

    async def _send_stop(self, cp_id: str, tx_id: int) -> None:
        try:
            result = await self.commands.send(cp_id, c.RemoteStop(tx_id))
            if result.get("status") != "Accepted":
                log.warning("%s refused to stop transaction %s: %s", cp_id, tx_id, result)
        except Exception as exc:
            log.warning("stop of transaction %s on %s failed: %s", tx_id, cp_id, exc)

    async def set_stop_at(self, order: Order, stop_at: dict) -> Order:
        await self.orders.update(order.id, stop_energy_wh=stop_at.get("energy_wh"),
                                 stop_amount_fen=stop_at.get("amount_fen"), stop_minutes=stop_at.get("minutes"))
        order = await self.orders.get(order.id)
        self._changed(order)
        live = self.funds.live.get(order.transaction_id) if order.transaction_id else None
        if live is not None and not live.stopping:
            reason = self.funds.limit_reached(order, live, order.cost_fen, order.energy_wh)
            if reason:
                order = await self.stop(order, reason)
        return order

    # --- the periodic check --------------------------------------------------------------------------

    async def tick(self) -> None:
        """Every few seconds: starts that never came (timeout) and time limits."""
        now = self.clock.now()
        for order in await self.orders.open_orders():
            if order.state == "starting" and now - order.updated_at > timedelta(seconds=self.config.start_timeout) \
                    and now - order.created_at > timedelta(seconds=self.config.start_timeout):
                await self._fail(order, "timeout")
            elif order.state == "charging" and order.transaction_id is not None and order.stop_requested_at:
                if now - order.stop_requested_at >= STOP_RETRY:    # refused, lost or offline: ask again
                    await self.orders.transition(order.id, "charging", stop_requested_at=now)
                    self._spawn(self._send_stop(order.charge_point_id, order.transaction_id))
            elif order.state == "charging" and order.transaction_id is not None:
                live = self.funds.live.get(order.transaction_id) or await self.funds.restore(order.transaction_id)
                if live is not None and not live.stopping:
                    reason = self.funds.limit_reached(order, live, order.cost_fen, order.energy_wh)
                    if reason:
                        await self.stop(order, reason)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- views -----------------------------------------------------------------------------------------

    def _changed(self, order: Order) -> None:
        live = self.funds.live.get(order.transaction_id) if order.transaction_id else None
        view = session_view(order, self.clock.now(), balance_fen=live.funds_fen if live else None)
        self.bus.publish(SessionChanged(order.user_id, order.id, view))
