"""SQL repository of invoices (interface: csms.domain.invoices.InvoiceRepository)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_drivers as drivers
from csms.db import tables_invoices as t
from csms.db.repositories import _Repo, _to
from csms.domain.invoices import Invoice, InvoiceableOrder, InvoiceRequest
from csms.domain.models import Page


class SqlInvoiceRepository(_Repo):
    async def order(self, order_id: int) -> InvoiceableOrder | None:
        o = drivers.orders.c
        return _to(InvoiceableOrder, await self._one(
            select(o.id, o.user_id, o.state, o.pay_mode, o.prepay_fen, o.total_fen, o.idle_fee_fen, o.paid_fen,
                   o.refunded_fen).where(o.id == order_id)))

    async def create(self, order_id: int, user_id: int, amount_fen: int,
                     request: InvoiceRequest) -> tuple[Invoice, bool]:
        """The order's invoice request, created once: a second one (a retry, or a race) gets the first."""
        at = self.clock.now()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(t.invoices.insert().values(
                    order_id=order_id, user_id=user_id, amount_fen=amount_fen, title_type=request.title_type,
                    title=request.title, tax_number=request.tax_number, email=request.email, state="requested",
                    created_at=at, updated_at=at))
            created = True
        except IntegrityError:
            created = False
        return await self.for_order(order_id), created

    async def get(self, invoice_id: int) -> Invoice | None:
        return _to(Invoice, await self._one(select(t.invoices).where(t.invoices.c.id == invoice_id)))

    async def for_order(self, order_id: int) -> Invoice | None:
        return _to(Invoice, await self._one(select(t.invoices).where(t.invoices.c.order_id == order_id)))

    async def list(self, *, user_id: int | None = None, state: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        c = t.invoices.c
        where = []
        if user_id is not None:
            where.append(c.user_id == user_id)
        if state is not None:
            where.append(c.state == state)
        return await self._page(Invoice, t.invoices, where, [c.id.desc()], limit, offset)

    async def transition(self, invoice_id: int, expected: str, **f: Any) -> Invoice | None:
        c = t.invoices.c
        at = self.clock.now()
        changed = await self._write(update(t.invoices).where(c.id == invoice_id, c.state == expected)
                                    .values(**f, updated_at=at, decided_at=at))
        return await self.get(invoice_id) if changed else None
