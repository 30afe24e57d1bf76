"""Invoices (发票): a driver asks for one per paid order (once: a retry of the same request gets the
same invoice, another request for that order is refused), an operator issues it (with the invoice
number) or rejects it (with the reason), and the driver sees the state; the lifecycle is
csms.domain.invoices.INVOICE. Issuing the invoice itself (the tax system) is the operator's."""

from __future__ import annotations

from csms.domain.driver_events import InvoiceChanged
from csms.domain.invoices import (
    EMAIL,
    INVOICE,
    INVOICEABLE_ORDER_STATES,
    TITLE_TYPES,
    Invoice,
    InvoiceError,
    InvoiceRequest,
    invoice_amount,
    valid_tax_number,
)
from csms.domain.models import Page
from csms.services.clock import Clock
from csms.services.order_views import _ts


def invoice_view(i: Invoice) -> dict:
    """The <invoice> of docs/contract.md, for the REST API and the live push alike (the operator's
    view adds user_id)."""
    return {"id": i.id, "order_id": i.order_id, "amount_fen": i.amount_fen, "title_type": i.title_type,
            "title": i.title, "tax_number": i.tax_number, "email": i.email, "state": i.state,
            "invoice_number": i.invoice_number, "reason": i.reason, "created_at": _ts(i.created_at),
            "decided_at": _ts(i.decided_at)}


def checked(request: InvoiceRequest) -> InvoiceRequest:
    """The request with its fields normalised, or InvoiceError 400 naming the bad field."""
    if request.title_type not in TITLE_TYPES:
        raise InvoiceError(400, "validation_error", f"title_type must be one of {', '.join(TITLE_TYPES)}",
                           "title_type")
    title = request.title.strip()
    if not 1 <= len(title) <= 100:
        raise InvoiceError(400, "validation_error", "the title is 1-100 characters", "title")
    tax = (request.tax_number or "").strip().upper() or None
    if request.title_type == "company":
        if tax is None or not valid_tax_number(tax):
            raise InvoiceError(400, "validation_error", "a company title needs its tax number (统一社会信用代码, "
                               "18 characters with a valid check character)", "tax_number")
    elif tax is not None:
        raise InvoiceError(400, "validation_error", "only a company title has a tax number", "tax_number")
    email = request.email.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvoiceError(400, "validation_error", "not an e-mail address", "email")
    return InvoiceRequest(request.title_type, title, email, tax)


class InvoiceService:
    def __init__(self, repo, bus, clock: Clock):
        self.repo = repo
        self.bus = bus
        self.clock = clock

    # --- drivers -------------------------------------------------------------------------------------

    async def request(self, user_id: int, order_id: int, request: InvoiceRequest) -> tuple[Invoice, bool]:
        """(invoice, created). The same request again returns the invoice (created False)."""
        request = checked(request)
        order = await self.repo.order(order_id)
        if order is None or order.user_id != user_id:
            raise InvoiceError(404, "not_found", "order not found")
        existing = await self.repo.for_order(order_id)
        if existing is None:
            amount = invoice_amount(order)
            if order.state not in INVOICEABLE_ORDER_STATES or amount <= 0:
                raise InvoiceError(409, "not_invoiceable", "only a paid order with an amount left after refunds "
                                   f"can be invoiced (this one is {order.state})")
            existing, created = await self.repo.create(order_id, user_id, amount, request)
            if created:
                return existing, True
        if not existing.asks_for(request):
            raise InvoiceError(409, "invoice_requested", "this order's invoice has been requested already "
                               f"({existing.state}); one request per order")
        return existing, False

    async def for_order(self, user_id: int, order_id: int) -> Invoice:
        invoice = await self.repo.for_order(order_id)
        if invoice is None or invoice.user_id != user_id:
            raise InvoiceError(404, "not_found", "no invoice requested for this order")
        return invoice

    async def mine(self, user_id: int, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(user_id=user_id, limit=limit, offset=offset)

    # --- operators -----------------------------------------------------------------------------------

    async def list(self, *, state: str | None = None, user_id: int | None = None, limit: int = 50,
                   offset: int = 0) -> Page:
        return await self.repo.list(user_id=user_id, state=state, limit=limit, offset=offset)

    async def get(self, invoice_id: int) -> Invoice:
        invoice = await self.repo.get(invoice_id)
        if invoice is None:
            raise InvoiceError(404, "not_found", "invoice not found")
        return invoice

    async def issue(self, invoice_id: int, invoice_number: str) -> Invoice:
        """requested -> issued with the number of the invoice made. The same again changes nothing."""
        number = invoice_number.strip()
        if not number:
            raise InvoiceError(400, "validation_error", "the invoice number is required", "invoice_number")
        return await self._decide(invoice_id, "issued", invoice_number=number)

    async def reject(self, invoice_id: int, reason: str) -> Invoice:
        """requested -> rejected, telling the driver why. The same again changes nothing."""
        why = reason.strip()
        if not why:
            raise InvoiceError(400, "validation_error", "say why it is rejected", "reason")
        return await self._decide(invoice_id, "rejected", reason=why)

    async def _decide(self, invoice_id: int, target: str, **fields: str) -> Invoice:
        invoice = await self.get(invoice_id)
        if invoice.state == target and all(getattr(invoice, k) == v for k, v in fields.items()):
            return invoice                               # a retry
        if not INVOICE.can(invoice.state, target) or invoice.state == target:
            raise InvoiceError(409, "invalid_transition", f"the invoice is {invoice.state}; it cannot be {target}")
        done = await self.repo.transition(invoice_id, "requested", state=target, **fields)
        if done is None:                                 # another operator decided meanwhile
            return await self._decide(invoice_id, target, **fields)
        self.bus.publish(InvoiceChanged(done.user_id, invoice_view(done)))
        return done
