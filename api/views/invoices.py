"""Invoices (发票): a driver asks for one per paid order and sees its state; operators list them and
mark them issued (with the invoice number) or rejected (with the reason)."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.drivers import user_id
from api.common.profile import profile_errors
from api.context import INVOICES, body, int_param, paged, paging, params
from api.routing import Query, RouteTable
from api.validation import PAGING
from csms.domain.invoices import (
    INVOICE_STATES,
    TITLE_TYPES,
    Invoice,
    InvoiceRequest,
)
from csms.services.invoices import invoice_view

routes = RouteTable()

INVOICE_FIELDS = {"id": s.INT, "order_id": s.INT, "amount_fen": s.INT, "title_type": {"enum": list(TITLE_TYPES)},
                  "title": s.STR, "tax_number": s.NULL_STR, "email": s.STR, "state": {"enum": list(INVOICE_STATES)},
                  "invoice_number": s.NULL_STR, "reason": s.NULL_STR, "created_at": s.TIME,
                  "decided_at": {"type": ["string", "null"], "format": "date-time"}}
INVOICE = s.obj(INVOICE_FIELDS)
ADMIN_INVOICE = s.obj({**INVOICE_FIELDS, "user_id": s.INT})
REQUEST = s.obj({"title_type": {"enum": list(TITLE_TYPES)},
                 "title": {"type": "string", "minLength": 1, "maxLength": 100},
                 "tax_number": {"type": ["string", "null"], "maxLength": 20},
                 "email": {"type": "string", "minLength": 3, "maxLength": 254}}, ("title_type", "title", "email"))
ISSUE = s.obj({"invoice_number": {"type": "string", "minLength": 1, "maxLength": 32}}, ("invoice_number",))
REJECT = s.obj({"reason": {"type": "string", "minLength": 1, "maxLength": 200}}, ("reason",))


def admin_invoice(i: Invoice) -> dict:
    return {**invoice_view(i), "user_id": i.user_id}


# -- drivers ---------------------------------------------------------------------------------------------
@routes.add("POST", "/api/v1/driver/orders/{id}/invoice", "Ask for the invoice of a paid order (once)", "invoices",
            auth="driver", body=REQUEST, response=INVOICE, status=201, errors=(404, 409))
@profile_errors
async def request_invoice(request: web.Request) -> web.Response:
    d = body(request)
    invoice, created = await request.app[INVOICES].invoices.request(
        user_id(request), int_param(request, "id"),
        InvoiceRequest(d["title_type"], d["title"], d["email"], d.get("tax_number")))
    return web.json_response(invoice_view(invoice), status=201 if created else 200)


@routes.add("GET", "/api/v1/driver/orders/{id}/invoice", "The invoice asked for an order", "invoices",
            auth="driver", response=INVOICE, errors=(404,))
@profile_errors
async def order_invoice(request: web.Request) -> web.Response:
    invoice = await request.app[INVOICES].invoices.for_order(user_id(request), int_param(request, "id"))
    return web.json_response(invoice_view(invoice))


@routes.add("GET", "/api/v1/driver/invoices", "My invoices, newest first", "invoices", auth="driver",
            response=s.array(INVOICE), query=PAGING)
async def my_invoices(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    page = await request.app[INVOICES].invoices.mine(user_id(request), limit, offset)
    return paged([invoice_view(i) for i in page.items], page.total, limit, offset)


# -- operators -------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/admin/invoices", "Invoice requests, newest first", "invoices", auth="finance",
            response=s.array(ADMIN_INVOICE),
            query=(Query("state", enum=INVOICE_STATES), Query("user_id", "integer", "one driver", 1, None), *PAGING))
async def list_invoices(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[INVOICES].invoices.list(state=q.get("state"), user_id=q.get("user_id"), limit=limit,
                                                  offset=offset)
    return paged([admin_invoice(i) for i in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/invoices/{id}", "One invoice request", "invoices", response=ADMIN_INVOICE,
            errors=(404,), auth="finance")
@profile_errors
async def get_invoice(request: web.Request) -> web.Response:
    return web.json_response(admin_invoice(await request.app[INVOICES].invoices.get(int_param(request, "id"))))


@routes.add("POST", "/api/v1/admin/invoices/{id}/issue", "Mark it issued, with the invoice number", "invoices",
            body=ISSUE, response=ADMIN_INVOICE, errors=(404, 409), auth="finance")
@profile_errors
async def issue(request: web.Request) -> web.Response:
    invoice = await request.app[INVOICES].invoices.issue(int_param(request, "id"), body(request)["invoice_number"])
    return web.json_response(admin_invoice(invoice))


@routes.add("POST", "/api/v1/admin/invoices/{id}/reject", "Reject it, telling the driver why", "invoices",
            body=REJECT, response=ADMIN_INVOICE, errors=(404, 409), auth="finance")
@profile_errors
async def reject(request: web.Request) -> web.Response:
    invoice = await request.app[INVOICES].invoices.reject(int_param(request, "id"), body(request)["reason"])
    return web.json_response(admin_invoice(invoice))
