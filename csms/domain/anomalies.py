"""The abnormal-order checks, as pure functions of what is known about one order (``OrderFacts``).
Each rule returns an Anomaly or None; ``check`` runs them all. Run at settlement and by the sweep
(csms/services/order_review.py); the limits are settings (``anomalies.*``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from csms.domain.models import Transaction
from csms.domain.order_review import Anomaly, WalletTotals
from csms.domain.orders import FINISHED_ORDER_STATES, Order, Payment, Refund

METER_BELOW_START = "meter_stop_below_start"      # csms/services/transactions.py flags it so
CONFIRMED = ("paid", "refunding", "refunded")     # payment states in which the money arrived


@dataclass(frozen=True)
class Limits:
    zero_energy_minutes: int = 30        # a session this long that delivered nothing
    power_tolerance: float = 0.10        # energy beyond max power x time, by more than this share
    power_slack_wh: int = 100            # ... and this many Wh (meter resolution, clock skew)
    stuck_hours: int = 24                # a session still open after this long
    paid_start_minutes: int = 10         # a prepayment confirmed this long without a start


@dataclass(frozen=True)
class OrderFacts:
    order: Order
    now: datetime
    transaction: Transaction | None = None
    readings: tuple[int, ...] = ()       # the transaction's register readings (Wh), in time order
    max_power_w: int | None = None       # the connector's
    payment: Payment | None = None       # the order's prepayment
    refunds: tuple[Refund, ...] = ()     # of that payment
    wallet: WalletTotals = field(default_factory=WalletTotals)
    tag_transactions: int = 0            # transactions started with the order's id tag


def _span(f: OrderFacts) -> timedelta | None:
    tx, o = f.transaction, f.order
    start = (tx.started_at if tx else None) or o.started_at
    if start is None:
        return None
    end = (tx.stopped_at if tx else None) or o.stopped_at or f.now
    return max(end - start, timedelta(0))


def _energy(f: OrderFacts) -> int:
    tx = f.transaction
    if tx is not None:
        if tx.energy_wh is not None:
            return tx.energy_wh
        if tx.last_meter_wh is not None:
            return max(0, tx.last_meter_wh - tx.meter_start_wh)
    return f.order.energy_wh


def meter_backwards(f: OrderFacts, limits: Limits) -> Anomaly | None:
    tx = f.transaction
    if tx is not None and tx.anomaly == METER_BELOW_START:
        return Anomaly("meter_backwards", f"meter stop {tx.meter_stop_wh} Wh is below its start {tx.meter_start_wh} Wh")
    drops = [(a, b) for a, b in zip(f.readings, f.readings[1:]) if b < a]
    if drops:
        a, b = drops[0]
        return Anomaly("meter_backwards", f"the meter went back from {a} Wh to {b} Wh ({len(drops)} time(s))")
    return None


def zero_energy_long(f: OrderFacts, limits: Limits) -> Anomaly | None:
    span = _span(f)
    if span is None or span < timedelta(minutes=limits.zero_energy_minutes) or _energy(f) > 0:
        return None
    return Anomaly("zero_energy_long", f"no energy in {int(span.total_seconds() // 60)} minutes")


def energy_beyond_power(f: OrderFacts, limits: Limits) -> Anomaly | None:
    span = _span(f)
    if not f.max_power_w or span is None:
        return None
    possible = f.max_power_w * span.total_seconds() / 3600
    energy = _energy(f)
    if energy <= possible * (1 + limits.power_tolerance) + limits.power_slack_wh:
        return None
    return Anomaly("energy_beyond_power", f"{energy} Wh in {int(span.total_seconds())} s; "
                                          f"{f.max_power_w} W allows {int(possible)} Wh")


def never_stopped(f: OrderFacts, limits: Limits) -> Anomaly | None:
    o, tx = f.order, f.transaction
    running = o.state == "charging" or (tx is not None and tx.status == "Active" and o.state != "cancelled")
    start = (tx.started_at if tx else None) or o.started_at
    if not running or start is None or f.now - start < timedelta(hours=limits.stuck_hours):
        return None
    return Anomaly("never_stopped", f"open since {start.isoformat()} (more than {limits.stuck_hours} h)")


def duplicate_stop(f: OrderFacts, limits: Limits) -> Anomaly | None:
    if f.tag_transactions <= 1:
        return None
    return Anomaly("duplicate_stop", f"{f.tag_transactions} transactions ran under this session's id tag; "
                                     "one was billed")


def _paid_in(f: OrderFacts) -> int:
    p = f.payment
    return p.amount_fen if p is not None and p.state in CONFIRMED else 0


def amount_mismatch(f: OrderFacts, limits: Limits) -> Anomaly | None:
    """Money that does not add up between the order, its payment and refunds, and the wallet. What a
    settled order keeps: the prepayment that arrived plus the wallet debits, less what went back to
    lower the bill (the unused prepayment, a review's adjustment), is its ``paid_fen``; everything
    that went back is its ``refunded_fen``."""
    o = f.order
    problems = []
    parts = o.energy_fen + o.service_fen + o.idle_fee_fen + o.adjustment_fen
    if o.total_fen != parts:
        problems.append(f"total {o.total_fen} != energy + service + idle fee + adjustment {parts}")
    if o.state in FINISHED_ORDER_STATES:
        returned = sum(r.amount_fen for r in f.refunds if r.state in ("processing", "success") and _lowers_bill(r))
        kept = _paid_in(f) + f.wallet.charged_fen - returned - f.wallet.bill_returns_fen
        if kept != o.paid_fen:
            problems.append(f"paid {o.paid_fen} != prepayment {_paid_in(f)} + wallet {f.wallet.charged_fen} "
                            f"- returned {returned + f.wallet.bill_returns_fen}")
        back = sum(r.amount_fen for r in f.refunds if r.state == "success") + f.wallet.refunded_fen
        if back != o.refunded_fen:
            problems.append(f"refunded {o.refunded_fen} != refunds made {back}")
        if o.paid_fen > o.total_fen:
            problems.append(f"paid {o.paid_fen} > total {o.total_fen}")
        elif (o.state == "unpaid") != (o.paid_fen < o.total_fen):
            problems.append(f"{o.state} with {o.paid_fen} of {o.total_fen} paid")
    return Anomaly("amount_mismatch", "; ".join(problems)) if problems else None


def _lowers_bill(r: Refund) -> bool:
    """The unused part of a prepayment and a review's adjustment lower the bill; other refunds (an
    operator's, the review's refund) give back part of a paid bill (csms/services/settlement.py keys)."""
    return r.out_refund_no.endswith("-remainder") or "-adjust" in r.out_refund_no


def paid_not_started(f: OrderFacts, limits: Limits) -> Anomaly | None:
    o, p = f.order, f.payment
    if p is None or p.state not in CONFIRMED or o.started_at is not None or o.transaction_id is not None:
        return None
    held = p.amount_fen - sum(r.amount_fen for r in f.refunds if r.state in ("processing", "success"))
    since = p.paid_at or p.updated_at
    if held <= 0 or o.state not in ("created", "starting", "cancelled", "abnormal") or \
            f.now - since < timedelta(minutes=limits.paid_start_minutes):
        return None
    return Anomaly("paid_not_started", f"{held} fen prepaid at {since.isoformat()}; the session never started")


def billing_failed(f: OrderFacts, limits: Limits) -> Anomaly | None:
    o = f.order
    if o.state != "abnormal" or o.reason != "billing_failed":
        return None
    return Anomaly("billing_failed", "the session could not be billed (no tariff in force at its start?)")


RULES = (meter_backwards, zero_energy_long, energy_beyond_power, never_stopped, duplicate_stop, amount_mismatch,
         paid_not_started, billing_failed)


def check(f: OrderFacts, limits: Limits) -> list[Anomaly]:
    return [a for rule in RULES if (a := rule(f, limits)) is not None]
