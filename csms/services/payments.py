"""WeChat Pay v3 payments: top-ups of the wallet and per-session prepayments, their confirmation
exactly once (notification, active query or both, in any order and any number of times), closing,
refunds and their notifications, and the daily reconciliation with WeChat's trade bill."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

from csms import metrics
from csms.domain.driver_events import (PaymentClosed, PaymentFailed, PaymentSucceeded, ReconciliationMismatch,
                                      RefundSucceeded)
from csms.domain.orders import Payment, Refund
from csms.services.clock import Clock

log = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")     # WeChat Pay's bill days are Beijing days
PAY_WINDOW = timedelta(minutes=15)      # a prepay order WeChat keeps open
DESCRIPTION = "充电服务"                 # what the payer sees in WeChat


class PaymentError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(timezone.utc)


class PaymentService:
    """What happens once money arrived or went back is the business of the services that own the
    orders: they subscribe to PaymentSucceeded, PaymentClosed and RefundSucceeded (csms/subscriptions.py),
    which are delivered awaited."""

    def __init__(self, payment_repo, refund_repo, notifications, wallet, user_repo, pay_client, bus, clock: Clock):
        self.payment_repo = payment_repo
        self.refund_repo = refund_repo
        self.notifications = notifications
        self.wallet = wallet
        self.user_repo = user_repo
        self.pay = pay_client
        self.bus = bus
        self.clock = clock

    def _failed(self, stage: str, reference: str, message: str) -> None:
        """Counted, and published for the alarms (csms/subscriptions.py)."""
        metrics.PAYMENT_FAILURES.labels(stage).inc()
        self.bus.publish(PaymentFailed(stage, reference, message, self.clock.now()))

    # --- creating and confirming ---------------------------------------------------------------

    async def create(self, user_id: int, kind: str, amount_fen: int, order_id: int | None = None) -> Payment:
        user = await self.user_repo.get(user_id)
        now = self.clock.now()
        out_trade_no = f"{'T' if kind == 'topup' else 'P'}{now:%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"
        payment = await self.payment_repo.create(user_id=user_id, kind=kind, state="pending", order_id=order_id,
                                             out_trade_no=out_trade_no, amount_fen=amount_fen, refunded_fen=0,
                                             openid=user.openid, expires_at=now + PAY_WINDOW)
        try:
            prepay_id = await self.pay.jsapi_prepay(out_trade_no, amount_fen, DESCRIPTION, user.openid,
                                                    payment.expires_at, None)
        except Exception as exc:
            await self.payment_repo.transition(payment.id, "pending", state="closed")
            log.warning("prepay %s failed: %s", out_trade_no, exc)
            self._failed("prepay", out_trade_no, str(exc))
            raise PaymentError("payment_unavailable", f"WeChat Pay did not accept the payment: {exc}") from exc
        await self.payment_repo.update(payment.id, prepay_id=prepay_id)
        return await self.payment_repo.get(payment.id)

    async def for_order(self, order_id: int) -> Payment | None:
        return await self.payment_repo.for_order(order_id)

    async def get(self, payment_id: int) -> Payment | None:
        return await self.payment_repo.get(payment_id)

    async def refunds_of(self, payment_id: int) -> list[Refund]:
        return await self.refund_repo.for_payment(payment_id)

    def pay_params(self, payment: Payment) -> dict | None:
        if payment.state != "pending" or not payment.prepay_id:
            return None
        return self.pay.pay_params(payment.prepay_id)

    async def _confirm(self, payment: Payment, resource: Mapping) -> Payment:
        """WeChat says this payment succeeded: mark it paid once and tell the owners of the order once."""
        amount = int(resource.get("amount", {}).get("total", -1))
        if amount != payment.amount_fen:
            log.error("payment %s: WeChat reports %s fen, we asked %s; not credited", payment.out_trade_no,
                      amount, payment.amount_fen)
            self._failed("amount_mismatch", payment.out_trade_no,
                         f"WeChat reports {amount} fen, {payment.amount_fen} fen were asked")
            return payment
        if payment.kind == "topup" and payment.state in ("pending", "closed"):
            # credit first (idempotent under its ref), then show the payment paid: whoever sees
            # "paid" also sees the balance; a notification racing a query credits once
            await self.wallet.move(payment.user_id, "topup", payment.amount_fen, f"pay:{payment.id}",
                                   payment_id=payment.id, note="微信支付充值")
        paid = await self.payment_repo.transition(payment.id, ("pending", "closed"), state="paid",
                                              wx_transaction_id=resource.get("transaction_id"),
                                              paid_at=_parse_time(resource.get("success_time")) or self.clock.now())
        if paid is None:
            return await self.payment_repo.get(payment.id)   # already confirmed: nothing twice
        await self.bus.deliver(PaymentSucceeded(paid))
        return paid

    async def _closed(self, payment: Payment) -> Payment:
        closed = await self.payment_repo.transition(payment.id, "pending", state="closed")
        if closed is None:
            return await self.payment_repo.get(payment.id)
        await self.bus.deliver(PaymentClosed(closed))
        return closed

    async def _fresh(self, headers: Mapping[str, str], body: bytes):
        """The verified, decrypted notification (the client raises on a bad signature or a stale
        timestamp), or None when this notification id was handled before (a replay)."""
        note = await self.pay.parse_notification(headers, body, self.clock.now())
        if await self.notifications.seen(note.id):
            log.info("notification %s seen before; ignored", note.id)
            return None
        return note

    async def _done(self, note) -> None:
        """Recorded only once handled: a notification whose handling failed is handled on WeChat's retry."""
        await self.notifications.record(note.id, note.event_type, json.dumps(note.resource))

    async def on_notification(self, headers: Mapping[str, str], body: bytes) -> None:
        """A payment notification; handling is idempotent, and a replayed id is not handled again."""
        note = await self._fresh(headers, body)
        if note is None:
            return
        await self._payment_notice(note.id, note.resource)
        await self._done(note)

    async def _payment_notice(self, note_id: str, resource: Mapping) -> None:
        payment = await self.payment_repo.get_by_out_trade_no(resource.get("out_trade_no", ""))
        if payment is None:
            log.warning("notification %s for unknown out_trade_no %r", note_id, resource.get("out_trade_no"))
            return
        if resource.get("trade_state") == "SUCCESS":
            await self._confirm(payment, resource)

    async def sync(self, payment: Payment) -> Payment:
        """Ask WeChat Pay where a payment stands (after wx.requestPayment, or from the query job)."""
        if payment.state != "pending":
            return payment
        result = await self.pay.query(payment.out_trade_no)
        await self.payment_repo.update(payment.id, last_query_at=self.clock.now())
        state = result.get("trade_state")
        if state == "SUCCESS":
            return await self._confirm(payment, result)
        if state in ("CLOSED", "REVOKED", "PAYERROR"):
            return await self._closed(payment)
        if state == "NOTPAY" and self.clock.now() >= payment.expires_at:
            await self.pay.close_order(payment.out_trade_no)
            return await self._closed(payment)
        return await self.payment_repo.get(payment.id)

    async def cancel(self, payment: Payment) -> Payment:
        """The payer gave up: close it at WeChat (so it can no longer be paid) and here."""
        if payment.state != "pending":
            return payment
        result = await self.pay.query(payment.out_trade_no)
        if result.get("trade_state") == "SUCCESS":       # paid after all: keep the money
            return await self._confirm(payment, result)
        await self.pay.close_order(payment.out_trade_no)
        return await self._closed(payment)

    async def query_pending(self, older_than: timedelta) -> int:
        """The APScheduler job: payments without a notification are queried actively."""
        done = 0
        for payment in await self.payment_repo.pending_before(self.clock.now() - older_than):
            try:
                await self.sync(payment)
                done += 1
            except Exception as exc:
                log.warning("query of payment %s failed: %s", payment.out_trade_no, exc)
                self._failed("query", payment.out_trade_no, str(exc))
        for refund in await self.refund_repo.processing():
            try:
                await self.sync_refund(refund)
            except Exception as exc:
                log.warning("query of refund %s failed: %s", refund.out_refund_no, exc)
                self._failed("refund_query", refund.out_refund_no, str(exc))
        return done

    # --- refunds -----------------------------------------------------------------------------------

    async def refund(self, payment: Payment, amount_fen: int, reason: str, key: str) -> Refund:
        """Refund part or all of a paid payment. ``key`` names the refund (e.g. "order:12:remainder")
        so that asking twice refunds once."""
        out_refund_no = f"R{payment.id}-{key}"[:64]
        existing = await self.refund_repo.get_by_no(out_refund_no)
        if existing is not None:
            return existing
        if amount_fen <= 0:
            raise PaymentError("validation_error", "a refund needs a positive amount")
        refunded = sum(r.amount_fen for r in await self.refund_repo.for_payment(payment.id) if r.state != "closed")
        if payment.state not in ("paid", "refunding", "refunded") or refunded + amount_fen > payment.amount_fen:
            raise PaymentError("refund_exceeds_payment",
                               f"payment {payment.id} has {payment.amount_fen - refunded} fen left to refund")
        refund, created = await self.refund_repo.create(payment_id=payment.id, order_id=payment.order_id,
                                                    out_refund_no=out_refund_no, amount_fen=amount_fen,
                                                    state="processing", reason=reason[:80])
        if not created:
            return refund
        await self.payment_repo.transition(payment.id, ("paid", "refunded"), state="refunding")
        try:
            result = await self.pay.refund(out_refund_no, payment.out_trade_no, amount_fen, payment.amount_fen,
                                           reason, self.pay.refund_notify_url)
        except Exception as exc:   # unknown outcome: the refund job asks again later
            log.warning("refund %s: %s; will query", out_refund_no, exc)
            self._failed("refund", out_refund_no, str(exc))
            return refund
        return await self._refund_result(refund, result)

    async def _refund_result(self, refund: Refund, result: Mapping) -> Refund:
        status = result.get("status")
        wx_id = result.get("refund_id")
        if status == "SUCCESS":
            done = await self.refund_repo.transition(refund.id, ("processing", "abnormal"), state="success",
                                                 wx_refund_id=wx_id, succeeded_at=_parse_time(result.get("success_time"))
                                                 or self.clock.now())
            if done is not None:
                payment = await self.payment_repo.add_refunded(done.payment_id, done.amount_fen)
                await self.payment_repo.transition(payment.id, "refunding", state="refunded")
                await self.bus.deliver(RefundSucceeded(done))
                return done
        elif status in ("CLOSED", "ABNORMAL"):
            new = "closed" if status == "CLOSED" else "abnormal"
            done = await self.refund_repo.transition(refund.id, "processing", state=new, wx_refund_id=wx_id)
            if done is not None and new == "closed":
                payment = await self.payment_repo.get(done.payment_id)
                await self.payment_repo.transition(payment.id, "refunding",
                                               state="refunded" if payment.refunded_fen else "paid")
        elif wx_id and not refund.wx_refund_id:
            await self.refund_repo.transition(refund.id, refund.state, wx_refund_id=wx_id)
        return await self.refund_repo.get_by_no(refund.out_refund_no)

    async def sync_refund(self, refund: Refund) -> Refund:
        if refund.state not in ("processing", "abnormal"):
            return refund
        return await self._refund_result(refund, await self.pay.query_refund(refund.out_refund_no))

    async def on_refund_notification(self, headers: Mapping[str, str], body: bytes) -> None:
        note = await self._fresh(headers, body)
        if note is None:
            return
        r = note.resource
        refund = await self.refund_repo.get_by_no(r.get("out_refund_no", ""))
        if refund is None:
            log.warning("refund notification %s for unknown refund %r", note.id, r.get("out_refund_no"))
        else:
            await self._refund_result(refund, {"status": r.get("refund_status"), "refund_id": r.get("refund_id"),
                                               "success_time": r.get("success_time")})
        await self._done(note)

    # --- reconciliation ----------------------------------------------------------------------------

    async def reconcile(self, day: date) -> dict:
        """Compare our payments confirmed on ``day`` (Beijing time) with WeChat's trade bill."""
        start = datetime.combine(day, time(0), BEIJING).astimezone(timezone.utc)
        ours = {p.out_trade_no: p for p in await self.payment_repo.paid_between(start, start + timedelta(days=1))}
        rows = await self.pay.trade_bill(day)
        theirs = {}
        for row in rows:
            if row.get("trade_state") == "SUCCESS":      # refunds are rows of their own (REFUND)
                theirs[row["out_trade_no"]] = row
        mismatched = []
        for no in sorted(set(ours) & set(theirs)):
            their_fen = int(theirs[no]["total_fen"])
            if their_fen != ours[no].amount_fen:
                mismatched.append({"out_trade_no": no, "ours_fen": ours[no].amount_fen, "wechat_fen": their_fen})
        report = {"date": day.isoformat(), "matched": len(set(ours) & set(theirs)) - len(mismatched),
                  "missing_here": sorted(set(theirs) - set(ours)), "missing_at_wechat": sorted(set(ours) - set(theirs)),
                  "amount_mismatch": mismatched,
                  "ours_total_fen": sum(p.amount_fen for p in ours.values()),
                  "wechat_total_fen": sum(int(r["total_fen"]) for r in theirs.values())}
        report["balanced"] = not (report["missing_here"] or report["missing_at_wechat"] or mismatched)
        if not report["balanced"]:
            log.error("reconciliation %s does not balance: %s", day, report)
            self.bus.publish(ReconciliationMismatch(day, report, self.clock.now()))
        return report
