"""Operators' view of driver services: orders (and refunds), drivers and wallet adjustments,
payments and the daily reconciliation with WeChat Pay."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from api import schemas as s
from api.context import PAYMENTS, REPOS, body, int_param, paged, paging, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from api.common.orders import LEDGER, ORDER_SCHEMA, PAYMENT, full_order, ledger_view, order_views
from csms.domain.orders import ORDER, PAYMENT as PAYMENT_STATES, InsufficientFunds
from csms.services.order_views import payment_view
from csms.services.payments import PaymentError

routes = RouteTable()

USER = s.obj({"id": s.INT, "openid": s.STR, "nickname": s.STR, "phone": s.NULL_STR, "balance_fen": s.INT},
             extra=True)
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
            body=REFUND, response=PAYMENT, errors=(404, 409, 503), signed=True)
async def refund_order(request: web.Request) -> web.Response:
    order = await _order(request)
    data = body(request)
    try:
        payment = await request.app[PAYMENTS].settlement.refund(order, data["amount_fen"], data["reason"],
                                            request.headers.get("X-Nonce", ""))
    except PaymentError as exc:
        raise ApiError(409, exc.code, str(exc)) from None
    if payment is None:       # a wallet order: the money went back to the wallet
        return web.json_response(await full_order(request, await request.app[REPOS].orders.get(order.id)))
    return web.json_response(payment_view(payment, None))


def user_view(u) -> dict:
    return {"id": u.id, "openid": u.openid, "nickname": u.nickname, "phone": u.phone_masked,
            "balance_fen": u.balance_fen, "created_at": ts(u.created_at)}


@routes.add("GET", "/api/v1/admin/users", "Drivers", "orders", response=s.array(USER),
            query=PAGING + (Query("q", description="nickname, openid or phone digits"),))
async def list_users(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await request.app[REPOS].users.list(q=params(request).get("q"), limit=lim, offset=off)
    return paged([user_view(u) for u in page.items], page.total, lim, off)


@routes.add("POST", "/api/v1/admin/users/{id}/wallet/adjustments", "Adjust a driver's balance", "orders",
            body=ADJUST, response=LEDGER, status=201, errors=(404, 409), signed=True)
async def adjust(request: web.Request) -> web.Response:
    uid = int_param(request, "id")
    if await request.app[REPOS].users.get(uid) is None:
        raise not_found("user")
    data = body(request)
    try:
        entry = await request.app[PAYMENTS].settlement.adjust_wallet(uid, data["amount_fen"], data["note"],
                                                                     request.headers.get("X-Nonce"))
    except InsufficientFunds:
        raise ApiError(409, "insufficient_funds", "the balance cannot go below zero") from None
    return web.json_response(ledger_view(entry), status=201)


@routes.add("GET", "/api/v1/admin/payments", "WeChat Pay payments", "orders", response=s.array(PAYMENT),
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
            errors=(400, 503))
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
