"""Events of driver services on the bus: changes for the live push (api/push.py; ``data`` is the JSON
view the driver API returns, a <session> or an <order> of docs/contract.md), and payment outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from csms.domain.orders import Payment, Refund


@dataclass(frozen=True)
class SessionChanged:
    user_id: int
    order_id: int
    data: dict


@dataclass(frozen=True)
class OrderChanged:
    user_id: int
    order_id: int
    data: dict


@dataclass(frozen=True)
class OrderOpened:
    """A driver's order was created or is starting: a transaction seen without an order may be its."""
    order_id: int


@dataclass(frozen=True)
class DriverNotice:
    """Something an operator did that concerns a driver (a review's outcome, a reply to feedback, a
    block): pushed as ``{"type": "notice", "data": {"kind", ...}}``."""
    user_id: int
    kind: str
    data: dict


@dataclass(frozen=True)
class PaymentSucceeded:
    """WeChat Pay confirmed a payment (once, whether by notification or query). Delivered awaited
    (``bus.deliver``): the notification is acknowledged only once what follows is recorded."""
    payment: Payment


@dataclass(frozen=True)
class PaymentClosed:
    """A pending payment was closed (the payer gave up, or it expired unpaid)."""
    payment: Payment


@dataclass(frozen=True)
class RefundSucceeded:
    refund: Refund


@dataclass(frozen=True)
class ContentChecked:
    """The verdict on one of the driver's photos arrived: ``data`` = {upload, url, purpose, state, label}."""
    user_id: int
    data: dict


@dataclass(frozen=True)
class InvoiceChanged:
    """An operator issued or rejected the driver's invoice: ``data`` is the <invoice> view."""
    user_id: int
    data: dict


@dataclass(frozen=True)
class PaymentFailed:
    """WeChat Pay refused or could not be asked (``stage``: prepay, amount_mismatch, query, refund,
    refund_query); what it concerns is named in ``reference`` (an out_trade_no or out_refund_no)."""
    stage: str
    reference: str
    message: str
    at: datetime


@dataclass(frozen=True)
class ReconciliationMismatch:
    """The day's WeChat Pay trade bill does not balance with the payments recorded here."""
    day: date
    report: dict
    at: datetime
