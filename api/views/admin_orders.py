"""Operators' view of driver services: orders (and refunds), drivers and wallet adjustments,
payments and the daily reconciliation with WeChat Pay."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.common.users import USER, order_summary, user_view
from api.context import BACKOFFICE, PAYMENTS, REPOS, body, int_param, paged, paging, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.validation import PAGING
from api.common.orders import LEDGER, ORDER_SCHEMA, PAYMENT, full_order, ledger_view, order_views
from csms.domain.orders import ORDER, PAYMENT as PAYMENT_STATES, InsufficientFunds
from csms.services.order_views import payment_view
from csms.services.payments import PaymentError

routes = RouteTable()

REFUND = s.obj({"amount_fen": {"type": "integer", "minimum": 1, "maximum": 10**7},
                "reason": {"type": "string", "minLength": 1, "maxLength": 80}}, ("amount_fen", "reason"))
ADJUST = s.obj({"amount_fen": {"type": "integer", "minimum": -10**7, "maximum": 10**7, "not": {"const": 0}},
                "note": {"type": "string", "minLength": 1, "maxLength": 255}}, ("amount_fen", "note"))


@routes.add("GET", "/api/v1/admin/orders", "Orders of every driver", "orders", response=s.array(ORDER_SCHEMA),
            query=PAGING + (Query("state", enum=tuple(sorted(ORDER.states))), Query("user_id", "integer", minimum=1),
                            Query("station_id", "integer", minimum=1)))
async def list_orders(request: web.Request) -> web.Response:
    q = params(request)
    lim, off = paging(request)
    page = await request.app[REPOS].orders.list(user_id=q.get("user_id"), state=q.get("state"),
                                                station_id=q.get("station_id"), limit=lim, offset=off)
    items = await order_views(request, page.items)
    for o, view in zip(page.items, items):
        view["user_id"] = o.user_id
    return paged(items, page.total, lim, off)


async def _order(request: web.Request):
    order = await request.app[REPOS].orders.get(int_param(request, "id"))
    if order is None:
        raise not_found("order")
    return order


@routes.add("GET", "/api/v1/admin/orders/{id}", "One order", "orders", response=ORDER_SCHEMA, errors=(404,))
async def get_order(request: web.Request) -> web.Response:
    order = await _order(request)
    view = await full_order(request, order)
    view["user_id"] = order.user_id
    return web.json_response(view)


@routes.add("POST", "/api/v1/admin/orders/{id}/refund", "Refund part or all of an order's payment", "orders",
            body=REFUND, response=PAYMENT, errors=(404, 409, 503), signed=True, auth="finance")
async def refund_order(request: web.Request) -> web.Response:
    order = await _order(request)
    data = body(request)
    note(request, before=order_summary(order))
    try:
        payment = await request.app[PAYMENTS].settlement.refund(order, data["amount_fen"], data["reason"],
                                            request.headers.get("X-Nonce", ""))
    except PaymentError as exc:
        raise ApiError(409, exc.code, str(exc)) from None
    after = await request.app[REPOS].orders.get(order.id)
    note(request, after=order_summary(after))
    if payment is None:       # a wallet order: the money went back to the wallet
        return web.json_response(await full_order(request, after))
    return web.json_response(payment_view(payment, None))


@routes.add("GET", "/api/v1/admin/users", "Drivers", "users", response=s.array(USER),
            query=PAGING + (Query("q", description="nickname (part), openid, masked phone digits (part), or a whole "
                                                   "mobile number (found through its lookup hash)"),
                            Query("blocked", "boolean", "only blocked (true) or not blocked (false) drivers")))
async def list_users(request: web.Request) -> web.Response:
    lim, off = paging(request)
    q = params(request)
    page = await request.app[BACKOFFICE].accounts.search(q.get("q"), blocked=q.get("blocked"), limit=lim, offset=off)
    return paged([user_view(u) for u in page.items], page.total, lim, off)


@routes.add("POST", "/api/v1/admin/users/{id}/wallet/adjustments", "Adjust a driver's balance", "users",
            body=ADJUST, response=LEDGER, status=201, errors=(404, 409), signed=True, auth="finance")
async def adjust(request: web.Request) -> web.Response:
    uid = int_param(request, "id")
    user = await request.app[REPOS].users.get(uid)
    if user is None:
        raise not_found("user")
    note(request, before={"balance_fen": user.balance_fen})
    data = body(request)
    try:
        entry = await request.app[PAYMENTS].settlement.adjust_wallet(uid, data["amount_fen"], data["note"],
                                                                     request.headers.get("X-Nonce"))
    except InsufficientFunds:
        raise ApiError(409, "insufficient_funds", "the balance cannot go below zero") from None
    note(request, after={"balance_fen": entry.balance_after_fen, "amount_fen": entry.amount_fen, "note": entry.note})
    return web.json_response(ledger_view(entry), status=201)


@routes.add("GET", "/api/v1/admin/payments", "WeChat Pay payments", "orders", response=s.array(PAYMENT), auth="finance",
            query=PAGING + (Query("state", enum=tuple(sorted(PAYMENT_STATES.states))),
                            Query("user_id", "integer", minimum=1)))
async def list_payments(request: web.Request) -> web.Response:
    q = params(request)
    lim, off = paging(request)
    page = await request.app[REPOS].payments.list(user_id=q.get("user_id"), state=q.get("state"),
                                                      limit=lim, offset=off)
    return paged([payment_view(p, None) for p in page.items], page.total, lim, off)


@routes.add("GET", "/api/v1/admin/reconciliation", "Our payments of a day against WeChat Pay's trade bill",
            "orders", response=s.ANY_OBJ, query=(Query("date", description="YYYY-MM-DD (Beijing)"),),
            errors=(400, 503), auth="finance")
async def reconciliation(request: web.Request) -> web.Response:
    raw = params(request).get("date")
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise bad_request(f"date: not YYYY-MM-DD: {raw!r}", "validation_error", field="date") from None
    if day is None:
        raise bad_request("date is required", "validation_error", field="date")
    from csms.wechat.errors import WechatFailure
    try:
        report = await request.app[PAYMENTS].payments.reconcile(day)
    except WechatFailure as exc:
        raise ApiError(503, "wechat_unavailable", str(exc)) from None
    return web.json_response(report)
