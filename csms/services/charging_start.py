"""Scan to charge, the start: check the connector and the funds, create the order with a per-session
id tag issued by the CSMS (so a 1.6 transaction is tied to its order without guessing; 2.0.1 also
carries the remoteStartId), then the remote start (wallet) or, once the prepayment is paid, the
remote start. A start that never comes (refused, timed out, paid too late) cancels the order and
gives any prepayment back."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from csms.domain.driver_events import PaymentClosed, PaymentSucceeded
from csms.domain.errors import CallTimeout, NotConnected
from csms.domain.models import IdTag
from csms.domain.orders import ORDER, Order, Payment
from csms.domain.repositories import ChargePointRepository, IdTagRepository
from csms.services.availability import Availability
from csms.services.clock import Clock
from csms.services.driver_updates import DriverUpdates
from csms.services.ids import next_remote_start_id
from csms.services.locks import KeyedLocks, Locks
from csms.services.payments import PaymentService
from csms.services.remote_control import RemoteControl
from csms.services.tariffs import TariffService

log = logging.getLogger(__name__)


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


def refuse_blocked(user) -> None:
    """A driver an operator blocked may neither start nor reserve, and is told why."""
    if user is not None and user.blocked_at is not None:
        raise StartRefused(403, "account_blocked", f"your account is blocked: {user.blocked_reason or 'no reason given'}"
                                                   "; please contact customer service")


def new_session_tag() -> str:
    """A per-session id tag: 20 characters at most (OCPP 1.6 CiString20)."""
    return "D" + secrets.token_hex(9).upper()


class SessionTags:
    """The id tags the CSMS issues for driver sessions: Accepted while the session may start or runs."""

    def __init__(self, id_tag_repo: IdTagRepository):
        self.id_tag_repo = id_tag_repo

    async def issue(self, id_tag: str) -> None:
        await self.id_tag_repo.put(IdTag(id_tag, "Accepted"))

    async def retire(self, id_tag: str) -> None:
        tag = await self.id_tag_repo.get(id_tag)
        if tag is not None and tag.status == "Accepted":
            await self.id_tag_repo.put(IdTag(id_tag, "Expired", tag.expiry_date, tag.group_id))


class StartChecks:
    """May this driver start on this connector now? One rule with the scan page (Availability). ``locks``:
    what makes the checks and the order's creation one at a time per driver and per connector (in
    process; in Redis on several nodes: csms/cluster/locks.py)."""

    def __init__(self, order_repo, charge_point_repo: ChargePointRepository, availability: Availability,
                 tariffs: TariffService, user_repo, clock: Clock, config: DriverConfig, locks: Locks | None = None):
        self.locks = locks or KeyedLocks()
        self.order_repo = order_repo
        self.charge_point_repo = charge_point_repo
        self.availability = availability
        self.tariffs = tariffs
        self.user_repo = user_repo
        self.clock = clock
        self.config = config

    async def __call__(self, user_id: int, cp_id: str, connector_id: int, pay_mode: str, prepay_fen: int):
        """(the charge point, its protocol, the driver's reservation tag or None), or StartRefused."""
        cfg = self.config
        user = await self.user_repo.get(user_id)
        refuse_blocked(user)
        if await self.order_repo.open_orders(user_id=user_id):
            raise StartRefused(409, "session_in_progress", "you already have a charging session open")
        state, my_tag = await self.availability(cp_id, connector_id, user_id)
        if state == "unknown_connector":
            raise StartRefused(404, "not_found", f"no connector {connector_id} on charge point {cp_id}")
        if state != "free":
            raise StartRefused(409, state, f"connector {cp_id}/{connector_id} is {state}")
        cp = await self.charge_point_repo.get(cp_id)
        if cp.station_id is None or await self.tariffs.price_at(cp.station_id, self.clock.now()) is None:
            raise StartRefused(409, "no_tariff", "this station has no tariff; charging is not offered here")
        if pay_mode == "wallet":
            if user.balance_fen < cfg.min_wallet_fen:
                raise StartRefused(402, "insufficient_funds", f"a wallet session needs at least "
                                   f"{cfg.min_wallet_fen} fen; you have {user.balance_fen}")
        elif not cfg.min_prepay_fen <= prepay_fen <= cfg.max_prepay_fen:
            raise StartRefused(400, "validation_error",
                               f"prepay_fen must be {cfg.min_prepay_fen}-{cfg.max_prepay_fen} fen")
        return cp, self.availability.protocol_of(cp_id), my_tag


class ChargingStart:
    def __init__(self, order_repo, checks: StartChecks, tags: SessionTags, payments: PaymentService,
                 remote: RemoteControl, updates: DriverUpdates, clock: Clock, config: DriverConfig):
        self.orders = order_repo
        self.checks = checks
        self.tags = tags
        self.payments = payments
        self.remote = remote
        self.updates = updates
        self.clock = clock
        self.config = config
        self._locks = checks.locks

    async def start(self, user_id: int, cp_id: str, connector_id: int, *, pay_mode: str, prepay_fen: int = 0,
                    vehicle_id: int | None = None, stop_at: dict | None = None) -> tuple[Order, Payment | None]:
        """Check, create the order and send the remote start (wallet) or ask for the prepayment. The
        checks and the creation run one at a time per driver and per connector, so a double tap or two
        drivers scanning the same connector at once make one order (on every node, with the Redis locks)."""
        async with self._locks.hold(f"user:{user_id}"), self._locks.hold(f"connector:{cp_id}:{connector_id}"):
            cp, protocol, my_tag = await self.checks(user_id, cp_id, connector_id, pay_mode, prepay_fen)
            id_tag = my_tag or new_session_tag()
            await self.tags.issue(id_tag)         # valid for as long as the session lasts
            stop_at = stop_at or {}
            prepay = pay_mode == "prepay"
            order = await self.orders.create(
                user_id=user_id, state="created" if prepay else "starting",
                step="awaiting_payment" if prepay else "starting", charge_point_id=cp_id,
                connector_id=connector_id, station_id=cp.station_id, protocol=protocol, id_tag=id_tag,
                remote_start_id=next_remote_start_id(), vehicle_id=vehicle_id, pay_mode=pay_mode,
                prepay_fen=prepay_fen if prepay else 0, stop_energy_wh=stop_at.get("energy_wh"),
                stop_amount_fen=stop_at.get("amount_fen"), stop_minutes=stop_at.get("minutes"))
            self.updates.order_opened(order)
        payment = None
        if prepay:
            try:
                payment = await self.payments.create(user_id, "prepay", prepay_fen, order.id)
            except Exception:
                await self.cancel(order, "payment_failed")
                raise
        else:
            self.remote.background.spawn(self._remote_start(order), name=f"remote-start-{order.id}")
        await self.updates.session_changed(order)
        return order, payment

    async def on_paid(self, e: PaymentSucceeded) -> None:
        """A prepayment arrived: start the session, or give it back if the order was given up meanwhile.
        (A top-up during a wallet session needs nothing: the funds watch re-reads the balance.)"""
        payment = e.payment
        if payment.kind != "prepay" or payment.order_id is None:
            return
        order = await self.orders.transition(payment.order_id, "created", state="starting", step="starting")
        if order is not None:
            self.updates.order_opened(order)
            await self.updates.session_changed(order)
            self.remote.background.spawn(self._remote_start(order), name=f"remote-start-{order.id}")
            return
        order = await self.orders.get(payment.order_id)
        if order is not None and order.state == "cancelled":      # paid after a timeout or a cancel
            await self.payments.refund(payment, payment.amount_fen, "订单已取消", "cancelled")

    async def on_payment_closed(self, e: PaymentClosed) -> None:
        payment = e.payment
        if payment.kind == "prepay" and payment.order_id is not None:
            order = await self.orders.get(payment.order_id)
            if order is not None and order.state == "created":
                await self.cancel(order, "payment_failed")

    async def _remote_start(self, order: Order) -> None:
        try:
            result = await self.remote.start(order)
        except NotConnected:
            await self.cancel(order, "offline")
            return
        except CallTimeout:
            log.warning("order %s: no answer to the remote start; waiting for a transaction", order.id)
            return
        except Exception as exc:
            log.warning("order %s: remote start failed: %s", order.id, exc)
            await self.cancel(order, "rejected")
            return
        if result.get("status") != "Accepted":
            await self.cancel(order, "rejected")
            return
        moved = await self.orders.transition(order.id, "starting", step="plug_in")
        if moved is not None and moved.step == "plug_in":
            await self.updates.session_changed(moved)

    async def cancel(self, order: Order, reason: str) -> None:
        """A session that never started: cancel the order, retire its id tag, give a prepayment back."""
        ORDER.check(order.state, "cancelled")
        done = await self.orders.transition(order.id, ("created", "starting"), state="cancelled", step="failed",
                                            reason=reason)
        if done is None:
            return
        await self.tags.retire(done.id_tag)
        await self.updates.session_changed(done)
        payment = await self.payments.for_order(done.id)
        if payment is not None:
            if payment.state == "pending":
                await self.payments.cancel(payment)
            elif payment.state == "paid":
                await self.payments.refund(payment, payment.amount_fen, "充电未开始，全额退款", "cancelled")

    async def expire(self, order: Order) -> bool:
        """The periodic check: a start that never came within ``start_timeout`` is cancelled."""
        now, timeout = self.clock.now(), timedelta(seconds=self.config.start_timeout)
        if order.state == "starting" and now - order.updated_at > timeout and now - order.created_at > timeout:
            await self.cancel(order, "timeout")
            return True
        return False
