"""In-memory invoices and content checks (csms.domain.invoices.InvoiceRepository,
csms.domain.moderation.MediaCheckRepository), held to the SQL ones' behaviour by
tests/contract/test_invoices_and_checks.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms.domain.invoices import Invoice, InvoiceableOrder, InvoiceRequest
from csms.domain.models import Page
from csms.domain.moderation import MediaCheck
from tests.fakes import FakeClock, _page
from tests.fakes_drivers import FakeOrderRepository, _Table


class FakeInvoiceRepository(_Table):
    record = Invoice

    def __init__(self, orders: FakeOrderRepository, clock: FakeClock | None = None):
        super().__init__(clock)
        self.orders = orders

    async def order(self, order_id: int) -> InvoiceableOrder | None:
        o = self.orders.rows.get(order_id)
        if o is None:
            return None
        return InvoiceableOrder(o.id, o.user_id, o.state, o.pay_mode, o.prepay_fen, o.total_fen, o.idle_fee_fen,
                                o.paid_fen, o.refunded_fen)

    async def create(self, order_id: int, user_id: int, amount_fen: int,
                     request: InvoiceRequest) -> tuple[Invoice, bool]:
        existing = await self.for_order(order_id)
        if existing is not None:
            return existing, False
        return self._create({"order_id": order_id, "user_id": user_id, "amount_fen": amount_fen,
                             "title_type": request.title_type, "title": request.title, "email": request.email,
                             "tax_number": request.tax_number, "state": "requested"}), True

    async def get(self, invoice_id: int) -> Invoice | None:
        return self.rows.get(invoice_id)

    async def for_order(self, order_id: int) -> Invoice | None:
        return next(iter(self._where(lambda i: i.order_id == order_id)), None)

    async def list(self, *, user_id: int | None = None, state: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = self._where(lambda i: (user_id is None or i.user_id == user_id) and (state is None or i.state == state),
                            newest_first=True)
        return _page(items, limit, offset)

    async def transition(self, invoice_id: int, expected: str, **f: Any) -> Invoice | None:
        return self._cas(invoice_id, expected, {**f, "decided_at": self.clock.now()})


class FakeMediaCheckRepository(_Table):
    record = MediaCheck

    def _by(self, key: str, value: Any) -> MediaCheck | None:
        return next(iter(self._where(lambda c: getattr(c, key) == value)), None)

    def _pending(self, check_id: int, f: dict) -> MediaCheck | None:
        """Change a pending check (a check has no updated_at to stamp)."""
        row = self.rows.get(check_id)
        return None if row is None or row.state != "pending" else self._set(check_id, f, stamp=False)

    async def create(self, *, upload: str, user_id: int, purpose: str) -> MediaCheck:
        return self._by("upload", upload) or self._insert(
            {"upload": upload, "user_id": user_id, "purpose": purpose, "state": "pending",
             "created_at": self.clock.now()})

    async def get(self, upload: str) -> MediaCheck | None:
        return self._by("upload", upload)

    async def by_trace(self, trace_id: str) -> MediaCheck | None:
        return self._by("trace_id", trace_id)

    async def many(self, uploads: list[str]) -> dict[str, MediaCheck]:
        return {c.upload: c for c in self._where(lambda c: c.upload in uploads)}

    async def submitted(self, upload: str, trace_id: str, at: datetime) -> None:
        check = self._by("upload", upload)
        if check is not None:
            self._pending(check.id, {"trace_id": trace_id, "submitted_at": at})

    async def decide(self, check_id: int, state: str, label: int | None, at: datetime) -> MediaCheck | None:
        return self._pending(check_id, {"state": state, "label": label, "decided_at": at})

    async def due(self, submitted_before: datetime, limit: int) -> list[MediaCheck]:
        return self._where(lambda c: c.state == "pending"
                           and (c.submitted_at is None or c.submitted_at < submitted_before))[:limit]
