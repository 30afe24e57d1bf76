"""Driver services' records and lifecycles: users (drivers) and their refresh tokens, orders, wallet
ledger, WeChat Pay payments and refunds. Every allowed transition is listed here, once (frozen
dataclasses, no I/O); the repository interfaces are in csms.domain.repositories_drivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from csms.domain.states import StateMachine
from csms.domain.tariffs import BillLine  # noqa: F401  (an order's bill lines are the tariff's)

# created (awaiting a prepayment) -> starting (remote start sent, waiting for the transaction) ->
# charging -> settling (bill computed, money moved) -> paid | unpaid -> refunded; an open order the
# checks find stuck goes to abnormal, which a review bills (settling) or closes.
# An idle fee (the car left plugged in after the stop) comes after the settlement: it is added to the
# order and taken from the wallet; when the wallet cannot pay it, a paid or refunded order goes back
# to unpaid (the only way back), and paying it returns the order to paid, or refunded when part of it
# was refunded before.
ORDER = StateMachine("order", {
    "created": {"starting", "cancelled", "abnormal"},
    "starting": {"charging", "cancelled", "abnormal"},
    "charging": {"settling", "abnormal"},
    "settling": {"paid", "unpaid", "abnormal"},
    "unpaid": {"paid", "refunded"},
    "paid": {"refunded", "unpaid"},
    "refunded": {"unpaid"},
    "cancelled": set(),
    # flagged by the abnormal-order checks (stuck, paid but never started) or billing failed. settling:
    # a charger back from the dead still reports its stop, or a reviewer bills it (approve, adjust);
    # closed: a reviewer closes it unbilled, any prepayment given back (csms/services/order_review.py)
    "abnormal": {"settling", "closed"},
    "closed": set(),
})
OPEN_ORDER_STATES = frozenset({"created", "starting", "charging", "settling"})
FINISHED_ORDER_STATES = frozenset({"paid", "unpaid", "refunded"})

# what the driver sees of an order's progress
STEPS = ("awaiting_payment", "starting", "plug_in", "charging", "stopping", "finished", "failed")

PAYMENT = StateMachine("payment", {
    "pending": {"paid", "closed"},
    "paid": {"refunding"},
    "refunding": {"refunded", "paid"},    # paid again when a refund is closed / abnormal
    "refunded": {"refunding"},            # another partial refund
    "closed": {"paid"},                   # a payment WeChat confirms after we closed it (late notification)
})

REFUND = StateMachine("refund", {
    "processing": {"success", "closed", "abnormal"},
    "success": set(),
    "closed": set(),
    "abnormal": {"success", "closed"},
})

LEDGER_KINDS = ("topup", "charge", "refund", "adjustment")


@dataclass(frozen=True)
class User:
    id: int
    openid: str
    nickname: str
    avatar_url: str
    balance_fen: int
    created_at: datetime
    updated_at: datetime
    unionid: str | None = None
    phone_enc: str | None = None
    phone_hash: str | None = None
    phone_masked: str | None = None
    active: int = 1
    blocked_at: datetime | None = None        # blocked by an operator: may not start sessions or reserve
    blocked_reason: str | None = None


@dataclass(frozen=True)
class RefreshToken:
    """A driver's refresh token, stored by its SHA-256 (``id``); rotating it starts the next one of
    the same ``family``, and presenting a rotated one again revokes the family."""
    id: str
    user_id: int
    family: str
    expires_at: datetime
    created_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    id: int
    user_id: int
    state: str
    step: str
    charge_point_id: str
    connector_id: int
    id_tag: str
    pay_mode: str
    created_at: datetime
    updated_at: datetime
    reason: str | None = None
    station_id: int | None = None
    protocol: str | None = None
    remote_start_id: int | None = None
    transaction_id: int | None = None
    vehicle_id: int | None = None
    prepay_fen: int = 0
    stop_energy_wh: int | None = None
    stop_amount_fen: int | None = None
    stop_minutes: int | None = None
    energy_wh: int = 0
    power_w: int | None = None
    soc: int | None = None
    cost_fen: int = 0
    energy_fen: int = 0
    service_fen: int = 0
    idle_fee_fen: int = 0
    adjustment_fen: int = 0            # a reviewer's change of the bill (signed): part of total_fen
    total_fen: int = 0
    paid_fen: int = 0
    refunded_fen: int = 0
    stop_reason: str | None = None
    stop_requested_at: datetime | None = None
    idle_since: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    settled_at: datetime | None = None


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    user_id: int
    kind: str
    amount_fen: int
    balance_after_fen: int
    ref: str
    note: str
    created_at: datetime
    order_id: int | None = None
    payment_id: int | None = None


@dataclass(frozen=True)
class Payment:
    id: int
    user_id: int
    kind: str
    state: str
    out_trade_no: str
    amount_fen: int
    openid: str
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    order_id: int | None = None
    prepay_id: str | None = None
    wx_transaction_id: str | None = None
    refunded_fen: int = 0
    paid_at: datetime | None = None
    last_query_at: datetime | None = None


@dataclass(frozen=True)
class Refund:
    id: int
    payment_id: int
    out_refund_no: str
    amount_fen: int
    state: str
    reason: str
    created_at: datetime
    updated_at: datetime
    order_id: int | None = None
    wx_refund_id: str | None = None
    succeeded_at: datetime | None = None


class InsufficientFunds(Exception):
    """A wallet debit larger than the balance."""
