"""Settlement: when a driver's transaction ends, bill it from its meter readings (split exactly at
tariff period boundaries), move the money once (wallet debit, or the prepayment with the unused part
refunded), and send the bill to the driver."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from csms.domain import events
from csms.domain.driver_events import RefundSucceeded
from csms.domain.orders import FINISHED_ORDER_STATES, ORDER, InsufficientFunds, Order
from csms.domain.repositories import TransactionRepository
from csms.services.clock import Clock
from csms.services.driver_updates import DriverUpdates
from csms.services.payments import PaymentError, PaymentService
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionReadings

log = logging.getLogger(__name__)
SETTLEABLE = tuple(s for s in ORDER.states if "settling" in ORDER.transitions.get(s, ()))   # charging, abnormal


class SettlementService:
    def __init__(self, order_repo, transaction_repo: TransactionRepository, readings: TransactionReadings,
                 tariffs: TariffService, wallet, payments: PaymentService, updates: DriverUpdates, clock: Clock):
        self.orders = order_repo
        self.transaction_repo = transaction_repo
        self.readings = readings
        self.tariffs = tariffs
        self.wallet = wallet
        self.payments = payments
        self.updates = updates
        self.clock = clock

    async def settle(self, order: Order, e: events.TransactionStopped, reason: str) -> Order | None:
        """Bill a stopped transaction from its stored readings: the same samples the 2.0.1 Ended
        totalCost is computed from (csms/services/tariffs.py transaction_samples)."""
        tx = await self.transaction_repo.get(e.transaction_id)
        if tx is None:
            return None
        if tx.stopped_at is None:
            tx = replace(tx, stopped_at=e.at, meter_stop_wh=tx.meter_start_wh + e.energy_wh)
        samples = await self.readings.samples(tx)
        stopped_at = tx.stopped_at
        try:
            bill = await self.tariffs.bill(order.station_id, samples)
        except Exception as exc:
            log.error("order %s: cannot bill (%s); marked abnormal", order.id, exc)
            done = await self.orders.transition(order.id, ("charging",), state="abnormal", step="failed",
                                                reason="billing_failed", stopped_at=stopped_at)
            return done
        energy = bill.energy_wh if tx.anomaly is None else 0
        settled = await self.orders.settle(
            order.id, SETTLEABLE, list(bill.lines) if tx.anomaly is None else [],
            step="finished", energy_wh=energy, energy_fen=bill.energy_fen if energy else 0,
            service_fen=bill.service_fen if energy else 0, total_fen=bill.total_fen if energy else 0,
            cost_fen=bill.total_fen if energy else 0, stopped_at=stopped_at, settled_at=self.clock.now(),
            stop_reason=reason, power_w=0)
        if settled is None:
            return None      # settled before (a repeated stop)
        await self.updates.complete(settled, stopped_at, settled.energy_wh)     # once: only the first stop gets here
        return await self.collect(settled)

    async def collect(self, order: Order) -> Order | None:
        """Take the money for a settling order (idempotent: every movement has its own ref)."""
        total = order.total_fen
        paid = 0
        if order.pay_mode == "prepay":
            payment = await self.payments.for_order(order.id)
            prepaid = payment.amount_fen if payment is not None and payment.state != "pending" else 0
            paid = min(total, prepaid)
            if prepaid > paid:
                await self.payments.refund(payment, prepaid - paid, "预付金额未用完部分退款", "remainder")
        debt = total - paid
        if debt > 0:
            try:
                await self.wallet.move(order.user_id, "charge", -debt, f"order:{order.id}:charge", order_id=order.id,
                                       note=f"充电订单 {order.id}")
                paid += debt
            except InsufficientFunds:
                pass
        state = "paid" if paid >= total else "unpaid"
        done = await self.orders.transition(order.id, "settling", state=state, paid_fen=paid)
        if done is None:
            return await self.orders.get(order.id)
        await self._publish(done)
        await self.updates.bill(done)
        return done

    async def pay_unpaid(self, order: Order) -> Order:
        """The driver pays an unpaid order from the wallet (InsufficientFunds when short). The ledger
        ref names the debt by what was paid before, so a retry pays once and a later debt (an idle
        fee) is a movement of its own."""
        debt = order.total_fen - order.paid_fen
        if order.state != "unpaid":
            return order
        if debt > 0:
            await self.wallet.move(order.user_id, "charge", -debt, f"order:{order.id}:pay:{order.paid_fen}",
                                   order_id=order.id, note=f"补缴订单 {order.id}")
        state = "refunded" if order.refunded_fen else "paid"
        done = await self.orders.transition(order.id, "unpaid", state=state, paid_fen=order.total_fen)
        if done is not None:
            await self._publish(done)
        return done or await self.orders.get(order.id)

    # --- idle fee ----------------------------------------------------------------------------------

    async def idle_fee(self, order_id: int, unplugged_at: datetime) -> Order | None:
        """The car left the connector at ``unplugged_at``: add the idle fee (from the stop, beyond the
        tariff's grace) to the finished order once and take it from the wallet. A prepaid order's
        idle fee comes from the wallet as well (the prepayment was settled and its rest refunded).
        When the wallet cannot pay it, the order is unpaid until the driver pays it."""
        order = await self.orders.get(order_id)
        if order is None or order.stopped_at is None or order.station_id is None or order.idle_fee_fen:
            return order
        fee = await self.tariffs.idle_fee(order.station_id, order.stopped_at, unplugged_at)
        if fee <= 0:
            return order
        order = await self.orders.add_idle_fee(order.id, fee)
        if order is None:
            return None          # added before (another node or a repeated status), or not finished
        if order.state in ("paid", "refunded"):
            try:
                _, moved = await self.wallet.move(order.user_id, "charge", -fee, f"order:{order.id}:idle",
                                                  order_id=order.id, note=f"占位费 订单 {order.id}")
                if moved:
                    order = await self.orders.add_paid(order.id, fee)
            except InsufficientFunds:
                order = await self.orders.transition(order.id, ("paid", "refunded"), state="unpaid") or \
                    await self.orders.get(order.id)
        log.info("order %s: idle fee %s fen (unplugged %s); now %s", order.id, fee, unplugged_at.isoformat(),
                 order.state)
        await self._publish(order)
        return order

    async def adjust_wallet(self, user_id: int, amount_fen: int, note: str, nonce: str | None = None):
        """An operator's adjustment of a driver's balance (InsufficientFunds below zero); the ledger
        entry. Named by the signed request's nonce, so a retried request moves the money once."""
        ref = f"adjust:{user_id}:{nonce or self.clock.now().timestamp()}"
        entry, _ = await self.wallet.move(user_id, "adjustment", amount_fen, ref, note=note)
        return entry

    async def refund(self, order: Order, amount_fen: int, reason: str, nonce: str = ""):
        """An operator's refund: a prepaid order's money goes back through WeChat Pay (returns that
        payment), a wallet order's to the wallet (returns None). PaymentError when it exceeds what
        was paid."""
        payment = await self.payments.for_order(order.id)
        if payment is None:
            if order.state not in ("paid", "refunded") or amount_fen > order.paid_fen - order.refunded_fen:
                raise PaymentError("refund_exceeds_payment", "more than what was paid for this order")
            key = f"order:{order.id}:refund:{order.refunded_fen}"
            await self.wallet.move(order.user_id, "refund", amount_fen, key, order_id=order.id, note=reason)
            await self.orders.update(order.id, refunded_fen=order.refunded_fen + amount_fen)
            if order.state == "paid":
                await self.orders.transition(order.id, "paid", state="refunded")
            await self._publish(await self.orders.get(order.id))
            return None
        # each operator refund is a refund of its own (out_refund_no): numbered after those made before,
        # plus the request's nonce when signed (a retried request is refused as a replay before this)
        n = len(await self.payments.refunds_of(payment.id))
        await self.payments.refund(payment, amount_fen, reason, f"op{n}-{nonce[:16]}")
        return await self.payments.get(payment.id)

    # --- corrections by a review of an abnormal order (csms/services/order_review.py) -----------------

    async def adjust(self, order: Order, total_fen: int, reason: str, key: str) -> Order:
        """Set a settled order's bill to ``total_fen`` (``adjustment_fen`` absorbs the change). What was
        paid beyond the new bill goes back and lowers ``paid_fen`` (a prepaid order's through WeChat
        Pay, else to the wallet); a higher bill is taken from the wallet, the order unpaid when it is
        short. ``key`` names the movements, so a retry moves the money once."""
        if order.state not in FINISHED_ORDER_STATES:
            raise PaymentError("not_settled", f"order {order.id} is {order.state}: only a settled bill can change")
        delta = total_fen - order.total_fen
        paid, refunded = order.paid_fen, order.refunded_fen
        back = max(0, paid - total_fen)
        if back:
            payment = await self.payments.for_order(order.id)
            if payment is not None and payment.state != "pending":
                await self.payments.refund(payment, back, reason, f"adjust{key}")   # refunded_fen on its success
            else:
                await self.wallet.move(order.user_id, "refund", back, f"order:{order.id}:adjust:{key}",
                                       order_id=order.id, note=reason)
                refunded += back
            paid -= back
        elif delta > 0 and order.state != "unpaid":
            try:
                _, moved = await self.wallet.move(order.user_id, "charge", -delta, f"order:{order.id}:adjust:{key}",
                                                  order_id=order.id, note=reason)
                paid += delta if moved else 0
            except InsufficientFunds:
                pass
        state = "unpaid" if paid < total_fen else "refunded" if refunded or order.state == "refunded" else "paid"
        done = await self.orders.transition(order.id, order.state, state=ORDER.check(order.state, state),
                                            total_fen=total_fen, adjustment_fen=order.adjustment_fen + delta,
                                            paid_fen=paid, refunded_fen=refunded)
        if done is None:
            raise PaymentError("conflict", f"order {order.id} changed meanwhile; try again")
        await self._publish(done)
        return done

    async def bill_abnormal(self, order: Order, total_fen: int | None) -> Order:
        """Bill an abnormal order now: from its transaction's stored readings, or at ``total_fen``
        (``adjustment_fen`` the difference to those readings' bill), then collect it as any settlement."""
        tx = await self.transaction_repo.get(order.transaction_id) if order.transaction_id else None
        bill = None
        if tx is not None and tx.anomaly is None and order.station_id is not None:
            try:
                bill = await self.tariffs.bill(order.station_id, await self.readings.samples(tx))
            except Exception as exc:      # no tariff in force at its start: only an amount can bill it
                log.info("order %s: readings cannot be billed (%s)", order.id, exc)
        if bill is None and total_fen is None:
            raise PaymentError("cannot_bill", f"order {order.id} has no readings that can be billed: "
                                              "adjust it to an amount, refund or close it")
        energy, energy_fen, service_fen = (bill.energy_wh, bill.energy_fen, bill.service_fen) if bill else (0, 0, 0)
        parts = energy_fen + service_fen + order.idle_fee_fen
        total = parts if total_fen is None else total_fen
        now = self.clock.now()
        settled = await self.orders.settle(
            order.id, "abnormal", list(bill.lines) if bill else [], step="finished", energy_wh=energy,
            energy_fen=energy_fen, service_fen=service_fen, adjustment_fen=total - parts, total_fen=total,
            cost_fen=total, power_w=0, settled_at=now,
            stopped_at=order.stopped_at or (tx.stopped_at if tx else None) or now,
            stop_reason=order.stop_reason or "review")
        if settled is None:
            raise PaymentError("conflict", f"order {order.id} is no longer abnormal")
        return await self.collect(settled) or settled

    async def give_back(self, order: Order, reason: str, key: str, amount_fen: int | None = None) -> int:
        """Give back the prepayment of an order that was never billed (abnormal or cancelled): all that
        is still held, or ``amount_fen`` of it; an abnormal order is closed. The amount refunded."""
        payment = await self.payments.for_order(order.id)
        held = 0
        if payment is not None and payment.state in ("paid", "refunding", "refunded"):
            refunds = await self.payments.refunds_of(payment.id)
            held = payment.amount_fen - sum(r.amount_fen for r in refunds if r.state != "closed")
        amount = held if amount_fen is None else amount_fen
        if amount > held:
            raise PaymentError("refund_exceeds_payment", f"{held} fen of this order's prepayment is held")
        if amount:
            await self.payments.refund(payment, amount, reason, f"review{key}")
        if order.state == "abnormal":
            closed = await self.orders.transition(order.id, "abnormal", state="closed", step="failed")
            if closed is None:
                raise PaymentError("conflict", f"order {order.id} is no longer abnormal")
            await self._publish(closed)
        return amount

    async def on_refunded(self, e: RefundSucceeded) -> None:
        """A refund of an order's payment went through: the order shows what was refunded."""
        refund = e.refund
        if refund.order_id is None:
            return
        refunds = await self.payments.refunds_of(refund.payment_id)
        total = sum(r.amount_fen for r in refunds if r.state == "success")
        order = await self.orders.get(refund.order_id)
        if order is None:
            return
        if order.state == "paid":
            order = await self.orders.transition(order.id, "paid", state="refunded", refunded_fen=total)
        else:
            await self.orders.update(order.id, refunded_fen=total)
            order = await self.orders.get(order.id)
        if order is not None:
            await self._publish(order)

    async def _publish(self, order: Order) -> None:
        await self.updates.order_changed(order)
