"""Invoices (发票) drivers ask for their paid orders (no I/O): one request per order, issued or
rejected by an operator; the lifecycle is :data:`INVOICE`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from csms.domain.models import Page
from csms.domain.profile import ProfileError
from csms.domain.states import StateMachine

INVOICE = StateMachine("invoice", {
    "requested": {"issued", "rejected"},
    "issued": set(),
    "rejected": set(),
})
INVOICE_STATES = ("requested", "issued", "rejected")
TITLE_TYPES = ("personal", "company")            # 个人 / 单位
INVOICEABLE_ORDER_STATES = ("paid", "refunded")  # settled, with something left after refunds

# 统一社会信用代码: 18 characters, the last a check character (GB 32100-2015); older tax numbers
# (税号) of 15, 17 or 20 digits and capitals are still on file for some companies
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LEGACY = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def valid_tax_number(text: str) -> bool:
    if len(text) == 18:
        if any(ch not in _USCC for ch in text):
            return False
        total = sum(_USCC.index(ch) * w for ch, w in zip(text[:17], _USCC_WEIGHTS, strict=True))
        return _USCC[(31 - total % 31) % 31] == text[17]
    return bool(_LEGACY.match(text))


class InvoiceError(ProfileError):
    """A refused invoice operation (part of the driver's personal centre): ``status`` and ``code``
    become the API error."""


@dataclass(frozen=True)
class InvoiceRequest:
    """What the driver asks for."""
    title_type: str
    title: str
    email: str
    tax_number: str | None = None


@dataclass(frozen=True)
class Invoice:
    id: int
    order_id: int
    user_id: int
    amount_fen: int
    title_type: str
    title: str
    email: str
    state: str
    created_at: datetime
    updated_at: datetime
    tax_number: str | None = None
    invoice_number: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None

    def asks_for(self, request: InvoiceRequest) -> bool:
        return (self.title_type, self.title, self.email, self.tax_number) == \
            (request.title_type, request.title, request.email, request.tax_number)


@dataclass(frozen=True)
class InvoiceableOrder:
    id: int
    user_id: int
    state: str
    pay_mode: str
    prepay_fen: int
    total_fen: int
    idle_fee_fen: int
    paid_fen: int
    refunded_fen: int


def invoice_amount(o: InvoiceableOrder) -> int:
    """What the driver paid for the order and kept paid: ``paid_fen`` less the refunds an operator
    made. An order's ``refunded_fen`` also counts the unused part of a prepayment sent back at the
    settlement, which was never the order's: that remainder is the prepayment less the bill at the
    settlement (the idle fee comes after it, from the wallet)."""
    remainder = max(0, o.prepay_fen - (o.total_fen - o.idle_fee_fen)) if o.pay_mode == "prepay" else 0
    return o.paid_fen - (o.refunded_fen - remainder)


class InvoiceRepository(Protocol):
    async def order(self, order_id: int) -> InvoiceableOrder | None: ...
    async def create(self, order_id: int, user_id: int, amount_fen: int,
                     request: InvoiceRequest) -> tuple[Invoice, bool]: ...     # (invoice, created); one per order
    async def get(self, invoice_id: int) -> Invoice | None: ...
    async def for_order(self, order_id: int) -> Invoice | None: ...
    async def list(self, *, user_id: int | None = None, state: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def transition(self, invoice_id: int, expected: str, **f) -> Invoice | None: ...   # compare-and-set
