"""The caller's orders (with bill lines), wallet and ledger, top-ups and payments."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import body, container, int_param, paged, paging, params
from api.errors import ApiError, not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from api.views.driver_common import user_id
from api.views.driver_sessions import own_order
from csms.domain.orders import ORDER, InsufficientFunds
from csms.services.order_views import order_view, payment_view
from csms.services.payments import PaymentError

routes = RouteTable()

ORDER_SCHEMA = s.obj({"id": s.INT, "state": s.STR, "total_fen": s.INT, "bill_lines": s.array(s.ANY_OBJ)},
                     extra=True)
PAYMENT = s.obj({"id": s.INT, "kind": s.STR, "state": s.STR, "amount_fen": s.INT}, extra=True)
LEDGER = s.obj({"id": s.INT, "kind": s.STR, "amount_fen": s.INT, "balance_after_fen": s.INT}, extra=True)
TOPUP = s.obj({"amount_fen": {"type": "integer", "minimum": 1, "maximum": 10**7}}, ("amount_fen",))


async def order_views(request: web.Request, orders: list) -> list[dict]:
    """The <order> views of a page of orders: one query for which are rated, each station read once."""
    c = container(request)
    rated = await c.ratings.rated([o.id for o in orders]) if orders else set()
    names: dict[int, str | None] = {}
    out = []
    for o in orders:
        if o.station_id is not None and o.station_id not in names:
            station = await c.stations.get(o.station_id)
            names[o.station_id] = station.name if station else None
        out.append(order_view(o, await c.orders.bill_lines(o.id), station_name=names.get(o.station_id),
                              rated=o.id in rated))
    return out


async def full_order(request: web.Request, order) -> dict:
    return (await order_views(request, [order]))[0]


@routes.add("GET", "/api/v1/driver/orders", "The caller's orders, newest first", "driver", auth="driver",
            response=s.array(ORDER_SCHEMA), query=PAGING + (Query("state", enum=tuple(sorted(ORDER.states))),))
async def list_orders(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await container(request).orders.list(user_id=user_id(request), state=params(request).get("state"),
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
        order = await container(request).settlement.pay_unpaid(order)
    except InsufficientFunds:
        raise ApiError(402, "insufficient_funds", "top up the wallet first") from None
    return web.json_response(await full_order(request, order))


@routes.add("GET", "/api/v1/driver/wallet", "The caller's balance", "driver", auth="driver",
            response=s.obj({"balance_fen": s.INT}))
async def wallet(request: web.Request) -> web.Response:
    user = await container(request).users.get(user_id(request))
    return web.json_response({"balance_fen": user.balance_fen})


def ledger_view(e) -> dict:
    return {"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "balance_after_fen": e.balance_after_fen,
            "order_id": e.order_id, "payment_id": e.payment_id, "note": e.note, "created_at": ts(e.created_at)}


@routes.add("GET", "/api/v1/driver/wallet/ledger", "Every movement of the caller's wallet, newest first", "driver",
            auth="driver", response=s.array(LEDGER), query=PAGING)
async def ledger(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await container(request).wallet.entries(user_id(request), limit=lim, offset=off)
    return paged([ledger_view(e) for e in page.items], page.total, lim, off)


@routes.add("POST", "/api/v1/driver/wallet/topups", "Top up the wallet with WeChat Pay", "driver", auth="driver",
            body=TOPUP, response=PAYMENT, status=201, errors=(400, 503), signed=True)
async def topup(request: web.Request) -> web.Response:
    c = container(request)
    try:
        p = await c.payments.create(user_id(request), "topup", body(request)["amount_fen"])
    except PaymentError as exc:
        raise ApiError(503, exc.code, str(exc)) from None
    return web.json_response(payment_view(p, c.payments.pay_params(p)), status=201)


async def own_payment(request: web.Request):
    p = await container(request).payment_repo.get(int_param(request, "id"))
    if p is None or p.user_id != user_id(request):
        raise not_found("payment")
    return p


@routes.add("GET", "/api/v1/driver/payments/{id}", "One payment", "driver", auth="driver", response=PAYMENT,
            errors=(404,))
async def get_payment(request: web.Request) -> web.Response:
    p = await own_payment(request)
    return web.json_response(payment_view(p, container(request).payments.pay_params(p)))


async def _wechat(coro):
    from csms.wechat.errors import WechatFailure
    try:
        return await coro
    except WechatFailure as exc:
        raise ApiError(503, "wechat_unavailable", f"WeChat Pay: {exc}") from None


@routes.add("POST", "/api/v1/driver/payments/{id}/sync", "Ask WeChat Pay where this payment stands", "driver",
            auth="driver", response=PAYMENT, errors=(404, 503))
async def sync_payment(request: web.Request) -> web.Response:
    c = container(request)
    p = await _wechat(c.payments.sync(await own_payment(request)))
    return web.json_response(payment_view(p, c.payments.pay_params(p)))


@routes.add("POST", "/api/v1/driver/payments/{id}/cancel", "Give up a pending payment", "driver", auth="driver",
            response=PAYMENT, errors=(404, 503), signed=True)
async def cancel_payment(request: web.Request) -> web.Response:
    c = container(request)
    p = await _wechat(c.payments.cancel(await own_payment(request)))
    return web.json_response(payment_view(p, c.payments.pay_params(p)))
