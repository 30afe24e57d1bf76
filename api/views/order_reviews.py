"""The review queue of abnormal orders: what the checks flagged, and the reviewer's decision
(approve, adjust the amount, refund, close). Money moves through the settlement service; the driver
is told the outcome."""

from __future__ import annotations

import functools
from datetime import timedelta

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.common.orders import ORDER_SCHEMA, full_order
from api.common.users import order_summary
from api.context import BACKOFFICE, CLAIMS, REPOS, SETTINGS, body, int_param, paged, paging, params
from api.errors import not_found, refusals
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain.order_review import CODES, REVIEW
from csms.services.order_review import Decision, ReviewError

routes = RouteTable()

_AMOUNT = {"type": "integer", "minimum": 0, "maximum": 10**8}
_REASON = {"type": "string", "minLength": 1, "maxLength": 255}
REVIEW_SCHEMA = s.obj({"id": s.INT, "order_id": s.INT, "user_id": s.INT, "station_id": s.NULL_INT,
                       "charge_point_id": s.STR, "state": {"enum": sorted(REVIEW.states)},
                       "anomalies": s.array(s.obj({"code": {"enum": list(CODES)}, "detail": s.STR})),
                       "total_before_fen": s.NULL_INT, "total_after_fen": s.NULL_INT, "refund_fen": s.NULL_INT,
                       "note": s.NULL_STR, "decided_by": s.NULL_STR, "decided_at": s.NULL_TIME,
                       "created_at": s.TIME, "updated_at": s.TIME, "order": {"oneOf": [ORDER_SCHEMA, {"type": "null"}]}})
APPROVE = s.obj({"note": {"type": "string", "maxLength": 255}})
ADJUST = s.obj({"total_fen": _AMOUNT, "reason": _REASON}, ("total_fen", "reason"))
REFUND = s.obj({"amount_fen": {**_AMOUNT, "minimum": 1}, "reason": _REASON}, ("reason",))


def review_view(r, order: dict | None = None) -> dict:
    return {"id": r.id, "order_id": r.order_id, "user_id": r.user_id, "station_id": r.station_id,
            "charge_point_id": r.charge_point_id, "state": r.state,
            "anomalies": [{"code": a.code, "detail": a.detail} for a in r.anomalies],
            "total_before_fen": r.total_before_fen, "total_after_fen": r.total_after_fen, "refund_fen": r.refund_fen,
            "note": r.note, "decided_by": r.decided_by, "decided_at": ts(r.decided_at), "created_at": ts(r.created_at),
            "updated_at": ts(r.updated_at), "order": order}


@routes.add("GET", "/api/v1/admin/order-reviews", "Abnormal orders to review, newest first", "order-reviews",
            response=s.array(REVIEW_SCHEMA),
            query=PAGING + (Query("state", enum=tuple(sorted(REVIEW.states))), Query("code", enum=CODES),
                            Query("station_id", "integer", minimum=1), Query("user_id", "integer", minimum=1)))
async def list_reviews(request: web.Request) -> web.Response:
    q = params(request)
    lim, off = paging(request)
    page = await request.app[REPOS].reviews.list(state=q.get("state"), code=q.get("code"),
                                                 station_id=q.get("station_id"), user_id=q.get("user_id"),
                                                 limit=lim, offset=off)
    return paged([review_view(r) for r in page.items], page.total, lim, off)


async def _with_order(request: web.Request, review) -> dict:
    order = await request.app[REPOS].orders.get(review.order_id)
    return review_view(review, await full_order(request, order) if order else None)


@routes.add("GET", "/api/v1/admin/order-reviews/{id}", "One review with its order", "order-reviews",
            response=REVIEW_SCHEMA, errors=(404,))
async def get_review(request: web.Request) -> web.Response:
    review = await request.app[REPOS].reviews.get(int_param(request, "id"))
    if review is None:
        raise not_found("review")
    return web.json_response(await _with_order(request, review))


def _deciding(action: str):
    """A decision endpoint: the body as a Decision by the caller; the review and its order answered."""
    def wrap(fields):
        @functools.wraps(fields)
        @refusals(ReviewError)
        async def handler(request: web.Request) -> web.Response:
            rid = int_param(request, "id")
            d = body(request)
            claims = request[CLAIMS]
            repos = request.app[REPOS]
            review = await repos.reviews.get(rid)
            order_before = await repos.orders.get(review.order_id) if review else None
            review, order = await request.app[BACKOFFICE].reviews.decide(rid, Decision(
                action, str(claims.get("name") or claims.get("sub")), **fields(d)))
            note(request, target_type="order", target_id=review.order_id, before=order_summary(order_before),
                 after={**order_summary(order), "review": review.state})
            return web.json_response(await _with_order(request, review))
        return handler
    return wrap


@routes.add("POST", "/api/v1/admin/order-reviews/{id}/approve", "The order is right: bill an abnormal one as "
            "measured", "order-reviews", body=APPROVE, response=REVIEW_SCHEMA, errors=(404, 409))
@_deciding("approve")
def approve(d: dict) -> dict:
    return {"note": d.get("note", "")}


@routes.add("POST", "/api/v1/admin/order-reviews/{id}/adjust", "Set the order's amount (money moves)",
            "order-reviews", auth="finance", signed=True, body=ADJUST, response=REVIEW_SCHEMA, errors=(404, 409, 503))
@_deciding("adjust")
def adjust(d: dict) -> dict:
    return {"note": d["reason"], "total_fen": d["total_fen"]}


@routes.add("POST", "/api/v1/admin/order-reviews/{id}/refund", "Refund the order (an unbilled one: its "
            "prepayment)", "order-reviews", auth="finance", signed=True, body=REFUND, response=REVIEW_SCHEMA,
            errors=(404, 409, 503))
@_deciding("refund")
def refund(d: dict) -> dict:
    return {"note": d["reason"], "amount_fen": d.get("amount_fen")}


@routes.add("POST", "/api/v1/admin/order-reviews/{id}/close", "Close the review; an abnormal order is closed "
            "unbilled, its prepayment given back", "order-reviews", body=APPROVE, response=REVIEW_SCHEMA,
            errors=(404, 409, 503))
@_deciding("close")
def close(d: dict) -> dict:
    return {"note": d.get("note", "")}


@routes.add("POST", "/api/v1/admin/order-reviews/sweep", "Run the abnormal-order checks now", "order-reviews",
            body=s.obj({}), response=s.obj({"flagged": s.INT}))
async def sweep(request: web.Request) -> web.Response:
    hours = request.app[SETTINGS].anomalies.sweep_lookback_hours
    note(request, target_type="order")
    return web.json_response({"flagged": await request.app[BACKOFFICE].reviews.sweep(timedelta(hours=hours))})
