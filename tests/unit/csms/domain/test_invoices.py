"""The invoice rules that need no I/O: tax numbers, what an order is invoiced for, the lifecycle, and
the checks of a request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms.domain.invoices import (
    INVOICE,
    Invoice,
    InvoiceableOrder,
    InvoiceError,
    InvoiceRequest,
    invoice_amount,
    valid_tax_number,
)
from csms.services.invoices import checked


@pytest.mark.parametrize("number,ok", [
    ("91350100M000100Y43", True), ("91110108MA01KP2T4Q", True), ("91110108MA01KP2T4R", False), ("91350100M000100Y44", False),
    ("9135010OM000100Y43", False),        # O is not a USCC character
    ("110108000000016", True), ("11010800000001612", True), ("11010800000001612345", True),
    ("1101080000000", False), ("", False)])
def test_tax_numbers(number, ok):
    assert valid_tax_number(number) is ok


def an_order(**overrides) -> InvoiceableOrder:
    fields = {"id": 1, "user_id": 1, "state": "paid", "pay_mode": "wallet", "prepay_fen": 0, "total_fen": 1000,
              "idle_fee_fen": 0, "paid_fen": 1000, "refunded_fen": 0, **overrides}
    return InvoiceableOrder(**fields)


@pytest.mark.parametrize("overrides,amount", [
    ({}, 1000),
    ({"refunded_fen": 300, "state": "refunded"}, 700),                                 # an operator's refund
    ({"pay_mode": "prepay", "prepay_fen": 4000, "refunded_fen": 3000}, 1000),          # the unused prepayment
    ({"pay_mode": "prepay", "prepay_fen": 4000, "refunded_fen": 3500}, 500),           # ... and 500 refunded
    ({"pay_mode": "prepay", "prepay_fen": 500, "paid_fen": 1000}, 1000),               # wallet paid the rest
    # an idle fee of 200 after the settlement, from the wallet: the remainder was 4000 - 1000
    ({"pay_mode": "prepay", "prepay_fen": 4000, "total_fen": 1200, "idle_fee_fen": 200, "paid_fen": 1200,
      "refunded_fen": 3000}, 1200),
])
def test_an_order_is_invoiced_for_what_it_kept(overrides, amount):
    assert invoice_amount(an_order(**overrides)) == amount


def test_the_lifecycle_ends_issued_or_rejected():
    assert INVOICE.can("requested", "issued") and INVOICE.can("requested", "rejected")
    assert not INVOICE.can("issued", "rejected") and not INVOICE.can("rejected", "issued")
    assert not INVOICE.can("rejected", "requested")


def test_a_request_is_normalised_or_refused_naming_the_field():
    req = checked(InvoiceRequest("company", " ACME ", " a@b.cn ", "91350100m000100y43"))
    assert req == InvoiceRequest("company", "ACME", "a@b.cn", "91350100M000100Y43")
    assert checked(InvoiceRequest("personal", "张三", "z@x.com", "")).tax_number is None
    for bad, field in ((InvoiceRequest("group", "x", "a@b.cn"), "title_type"),
                       (InvoiceRequest("company", "x", "a@b.cn"), "tax_number"),
                       (InvoiceRequest("personal", "x" * 101, "a@b.cn"), "title"),
                       (InvoiceRequest("personal", "x", "a@b"), "email")):
        with pytest.raises(InvoiceError) as exc:
            checked(bad)
        assert (exc.value.status, exc.value.field) == (400, field)
    now = datetime.now(UTC)
    invoice = Invoice(1, 1, 1, 100, "company", "ACME", "a@b.cn", "requested", now, now, "91350100M000100Y43")
    assert invoice.asks_for(req) and not invoice.asks_for(InvoiceRequest("personal", "ACME", "a@b.cn"))
