"""Abnormal orders: the checks (csms/domain/anomalies.py) run on an order when it settles or changes
afterwards, and by a sweep (job ``order-checks``) for what only time reveals (a session that never
stops, a prepayment without a start); what they find goes to the review queue, where a reviewer
approves the order, adjusts its amount, refunds it or closes the review. Money moves through the
settlement service; the driver is told the outcome (subscribe message and live push)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from csms.domain.anomalies import Limits, OrderFacts, check
from csms.domain.driver_events import OrderChanged
from csms.domain.order_review import DECIDED, REVIEW, Anomaly, OrderCheckSource, OrderReview, ReviewRepository
from csms.domain.orders import FINISHED_ORDER_STATES, OPEN_ORDER_STATES, ORDER, Order
from csms.domain.repositories import ConnectorRepository, TransactionRepository
from csms.domain.clock import Clock
from csms.services.driver_updates import DriverUpdates
from csms.services.payments import PaymentError, PaymentService
from csms.services.settlement import SettlementService
from csms.services.transaction_costs import TransactionReadings

log = logging.getLogger(__name__)
STUCK = ("never_stopped", "paid_not_started")      # what makes an open order abnormal
OUTCOMES = {"approved": "已核实", "adjusted": "已调整", "refunded": "已退款", "closed": "已处理"}   # phrase: <= 5


class ReviewError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class OrderChecks:
    """Gathers what is known about an order and runs the rules on it."""

    def __init__(self, transaction_repo: TransactionRepository, connector_repo: ConnectorRepository,
                 payments: PaymentService, source: OrderCheckSource, readings: TransactionReadings, clock: Clock,
                 limits: Limits):
        self.transaction_repo = transaction_repo
        self.connector_repo = connector_repo
        self.payments = payments
        self.source = source
        self.readings = readings
        self.clock = clock
        self.limits = limits

    async def facts(self, order: Order) -> OrderFacts:
        tx = await self.transaction_repo.get(order.transaction_id) if order.transaction_id else None
        readings: tuple[int, ...] = ()
        max_power = None
        if tx is not None:
            if tx.status != "Active":      # the meter of a running session is checked once it stops
                readings = tuple(wh for _, wh in await self.readings.registers(tx.id))
            powers = [c.max_power_w for c in await self.connector_repo.list_for(tx.charge_point_id)
                      if c.evse_id == tx.evse_id and c.max_power_w]
            max_power = max(powers) if powers else None
        payment = await self.payments.for_order(order.id) if order.pay_mode == "prepay" else None
        refunds = tuple(await self.payments.refunds_of(payment.id)) if payment is not None else ()
        return OrderFacts(order=order, now=self.clock.now(), transaction=tx, readings=readings,
                          max_power_w=max_power, payment=payment, refunds=refunds,
                          wallet=await self.source.wallet_totals(order.id),
                          tag_transactions=await self.source.tag_transactions(order.id_tag))

    async def __call__(self, order: Order) -> list[Anomaly]:
        return check(await self.facts(order), self.limits)


@dataclass(frozen=True)
class Decision:
    action: str                      # approve | adjust | refund | close
    actor: str
    note: str = ""
    total_fen: int | None = None     # adjust: the new bill
    amount_fen: int | None = None    # refund: how much (an unbilled order: default all that is held)


class OrderReviewService:
    def __init__(self, order_repo, review_repo: ReviewRepository, checks: OrderChecks, source: OrderCheckSource,
                 settlement: SettlementService, updates: DriverUpdates, clock: Clock):
        self.orders = order_repo
        self.reviews = review_repo
        self.checks = checks
        self.source = source
        self.settlement = settlement
        self.updates = updates
        self.clock = clock
        self._swept: datetime | None = None

    # --- flagging -------------------------------------------------------------------------------------

    async def flag(self, order: Order) -> OrderReview | None:
        """Check ``order``; what is found goes to its open review (or a new one). A finding already
        decided on is not raised again. A stuck open order becomes abnormal."""
        found = await self.checks(order)
        if not found:
            return None
        if any(a.code in STUCK for a in found) and order.state in OPEN_ORDER_STATES:
            moved = await self.orders.transition(order.id, order.state, state=ORDER.check(order.state, "abnormal"),
                                                 step="failed", reason=next(a.code for a in found if a.code in STUCK))
            if moved is not None:
                log.warning("order %s: %s; now abnormal", order.id, ", ".join(a.code for a in found))
                await self.updates.session_changed(moved)
        reviews = await self.reviews.of_order(order.id)
        open_review = next((r for r in reviews if r.state == "flagged"), None)
        if open_review is not None:
            merged = {a.code: a for a in (*open_review.anomalies, *found)}
            if set(merged) == set(open_review.codes):
                return open_review
            return await self.reviews.add_anomalies(open_review.id, merged.values()) or open_review
        decided = {code for r in reviews for code in r.codes}
        if all(a.code in decided for a in found):
            return None
        review = await self.reviews.add(order, found)
        log.warning("order %s flagged for review %s: %s", order.id, review.id, "; ".join(a.detail for a in found))
        return review

    async def on_order_changed(self, e: OrderChanged) -> None:
        """Settled, or changed after (refund, idle fee, payment): check it."""
        order = await self.orders.get(e.order_id)
        if order is not None and (order.state in FINISHED_ORDER_STATES or order.state == "abnormal"):
            await self.flag(order)

    async def sweep(self, lookback: timedelta) -> int:
        """Check open orders (stuck?) and the orders changed since the last sweep, ``lookback`` back
        (which covers the waits the rules have, e.g. a prepayment without a start). How many flagged."""
        now = self.clock.now()
        since = min(self._swept or now - lookback, now) - timedelta(minutes=self.checks.limits.paid_start_minutes + 5)
        seen: dict[int, Order] = {o.id: o for o in await self.orders.open_orders()}
        for o in await self.source.changed_orders(since):
            seen.setdefault(o.id, o)
        flagged = 0
        for order in seen.values():
            try:
                flagged += await self.flag(order) is not None
            except Exception:
                log.exception("order %s: checks failed", order.id)
        self._swept = now
        return flagged

    # --- decisions ------------------------------------------------------------------------------------

    async def decide(self, review_id: int, d: Decision) -> tuple[OrderReview, Order]:
        review = await self.reviews.get(review_id)
        if review is None:
            raise ReviewError(404, "not_found", f"review {review_id} not found")
        target = DECIDED[d.action]
        if not REVIEW.can(review.state, target) or review.state == target:
            raise ReviewError(409, "already_decided", f"review {review_id} is {review.state}")
        order = await self.orders.get(review.order_id)
        key = str(review.id)
        try:
            order, fields = await self._apply(order, d, key)
        except PaymentError as exc:
            status = 503 if exc.code == "wechat_unavailable" else 409
            raise ReviewError(status, exc.code, str(exc)) from None
        done = await self.reviews.decide(review.id, target, decided_by=d.actor[:64], note=d.note[:255] or None,
                                         **fields)
        if done is None:
            raise ReviewError(409, "already_decided", f"review {review_id} was decided meanwhile")
        await self._tell(done, order)
        return done, order

    async def _apply(self, order: Order, d: Decision, key: str) -> tuple[Order, dict]:
        fields: dict = {"total_before_fen": order.total_fen}
        unbilled = order.state in ("abnormal", "cancelled", "closed", "created", "starting", "charging")
        if d.action == "approve":
            if order.state == "abnormal":
                order = await self.settlement.bill_abnormal(order, None)
        elif d.action == "adjust":
            if order.state == "abnormal":
                order = await self.settlement.bill_abnormal(order, d.total_fen)
            elif order.state in FINISHED_ORDER_STATES:
                order = await self.settlement.adjust(order, d.total_fen, d.note or "订单金额调整", key)
            else:
                raise PaymentError("not_settled", f"order {order.id} is {order.state}: nothing to adjust yet")
        elif d.action == "refund":
            if unbilled:
                fields["refund_fen"] = await self.settlement.give_back(order, d.note or "订单退款", key, d.amount_fen)
            else:
                if d.amount_fen is None:
                    raise PaymentError("validation_error", "amount_fen is required to refund a billed order")
                await self.settlement.refund(order, d.amount_fen, d.note or "订单退款", f"review{key}")
                fields["refund_fen"] = d.amount_fen
            order = await self.orders.get(order.id)
        elif d.action == "close" and order.state == "abnormal":
            await self.settlement.give_back(order, d.note or "订单关闭退款", key)
            order = await self.orders.get(order.id)
        fields["total_after_fen"] = order.total_fen
        return order, fields

    async def _tell(self, review: OrderReview, order: Order) -> None:
        """The driver hears the outcome: a subscribe message (with quota) and the live push."""
        data = {"order_id": order.id, "review_id": review.id, "outcome": review.state, "note": review.note,
                "total_fen": order.total_fen, "refund_fen": review.refund_fen, "state": order.state}
        await self.updates.notice(order.user_id, "order_review", data)
        await self.updates.notices.review(order, OUTCOMES[review.state], review.note or "")
