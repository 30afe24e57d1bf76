"""The caller's orders (with bill lines), wallet and ledger, top-ups and payments."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import PAYMENTS, REPOS, body, int_param, paged, paging, params
from api.errors import ApiError, not_found
from api.routing import Query, RouteTable
from api.validation import PAGING
from api.common.drivers import own_order, user_id
from api.common.orders import LEDGER, ORDER_SCHEMA, PAYMENT, full_order, ledger_view, order_views
from csms.domain.orders import ORDER, InsufficientFunds
from csms.services.order_views import payment_view
from csms.services.payments import PaymentError

routes = RouteTable()

TOPUP = s.obj({"amount_fen": {"type": "integer", "minimum": 1, "maximum": 10**7}}, ("amount_fen",))


@routes.add("GET", "/api/v1/driver/orders", "The caller's orders, newest first", "driver", auth="driver",
            response=s.array(ORDER_SCHEMA), query=PAGING + (Query("state", enum=tuple(sorted(ORDER.states))),))
async def list_orders(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await request.app[REPOS].orders.list(user_id=user_id(request), state=params(request).get("state"),
                                                limit=lim, offset=off)
    return paged(await order_views(request, page.items), page.total, lim, off)


@routes.add("GET", "/api/v1/driver/orders/{id}", "One order with its bill", "driver", auth="driver",
            response=ORDER_SCHEMA, errors=(404,))
async def get_order(request: web.Request) -> web.Response:
    return web.json_response(await full_order(request, await own_order(request)))


@routes.add("POST", "/api/v1/driver/orders/{id}/pay", "Pay an unpaid order from the wallet", "driver",
            auth="driver", response=ORDER_SCHEMA, errors=(402, 404, 409), signed=True)
async def pay_order(request: web.Request) -> web.Response:
    order = await own_order(request)
    if order.state != "unpaid":
        raise ApiError(409, "not_unpaid", f"the order is {order.state}")
    try:
        order = await request.app[PAYMENTS].settlement.pay_unpaid(order)
    except InsufficientFunds:
        raise ApiError(402, "insufficient_funds", "top up the wallet first") from None
    return web.json_response(await full_order(request, order))


@routes.add("GET", "/api/v1/driver/wallet", "The caller's balance", "driver", auth="driver",
            response=s.obj({"balance_fen": s.INT}))
async def wallet(request: web.Request) -> web.Response:
    user = await request.app[REPOS].users.get(user_id(request))
    return web.json_response({"balance_fen": user.balance_fen})


@routes.add("GET", "/api/v1/driver/wallet/ledger", "Every movement of the caller's wallet, newest first", "driver",
            auth="driver", response=s.array(LEDGER), query=PAGING)
async def ledger(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await request.app[REPOS].wallet.entries(user_id(request), limit=lim, offset=off)
    return paged([ledger_view(e) for e in page.items], page.total, lim, off)


@routes.add("POST", "/api/v1/driver/wallet/topups", "Top up the wallet with WeChat Pay", "driver", auth="driver",
            body=TOPUP, response=PAYMENT, status=201, errors=(400, 503), signed=True)
async def topup(request: web.Request) -> web.Response:
    try:
        p = await request.app[PAYMENTS].payments.create(user_id(request), "topup", body(request)["amount_fen"])
    except PaymentError as exc:
        raise ApiError(503, exc.code, str(exc)) from None
    return web.json_response(payment_view(p, request.app[PAYMENTS].payments.pay_params(p)), status=201)


async def own_payment(request: web.Request):
    p = await request.app[REPOS].payments.get(int_param(request, "id"))
    if p is None or p.user_id != user_id(request):
        raise not_found("payment")
    return p


@routes.add("GET", "/api/v1/driver/payments/{id}", "One payment", "driver", auth="driver", response=PAYMENT,
            errors=(404,))
async def get_payment(request: web.Request) -> web.Response:
    p = await own_payment(request)
    return web.json_response(payment_view(p, request.app[PAYMENTS].payments.pay_params(p)))


async def _wechat(coro):
    from csms.wechat.errors import WechatFailure
    try:
        return await coro
    except WechatFailure as exc:
        raise ApiError(503, "wechat_unavailable", f"WeChat Pay: {exc}") from None


@routes.add("POST", "/api/v1/driver/payments/{id}/sync", "Ask WeChat Pay where this payment stands", "driver",
            auth="driver", response=PAYMENT, errors=(404, 503))
async def sync_payment(request: web.Request) -> web.Response:
    p = await _wechat(request.app[PAYMENTS].payments.sync(await own_payment(request)))
    return web.json_response(payment_view(p, request.app[PAYMENTS].payments.pay_params(p)))


@routes.add("POST", "/api/v1/driver/payments/{id}/cancel", "Give up a pending payment", "driver", auth="driver",
            response=PAYMENT, errors=(404, 503), signed=True)
async def cancel_payment(request: web.Request) -> web.Response:
    p = await _wechat(request.app[PAYMENTS].payments.cancel(await own_payment(request)))
    return web.json_response(payment_view(p, request.app[PAYMENTS].payments.pay_params(p)))
