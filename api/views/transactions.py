"""Transactions as recorded from the charge points, with their meter values."""

from __future__ import annotations

from aiohttp import web

from api import schemas, serializers
from api.context import BATCH, REPOS, TRANSACTIONS, int_param, paged, paging, params
from api.errors import not_found
from api.routing import Query, RouteTable
from api.validation import PAGING

routes = RouteTable()

_STATUS = {"active": "Active", "completed": "Completed", "abandoned": "Abandoned",
           "stopped": "Completed", "finished": "Completed"}


@routes.add("GET", "/api/v1/admin/transactions", "List transactions, newest first", "transactions",
            response=schemas.array(schemas.TRANSACTION),
            query=(Query("charge_point_id"), Query("status", enum=tuple(_STATUS) + ("Active", "Completed", "Abandoned")),
                   Query("id_tag"), Query("since", "date-time"), Query("until", "date-time"),
                   Query("remote_start_id", "integer", "the id a remote-start answer gave"), *PAGING))
async def list_(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    status = _STATUS.get(q["status"].lower()) if "status" in q else None
    await request.app[BATCH].flush()    # live figures (last meter, power) are batched
    page = await request.app[REPOS].transactions.list(charge_point_id=q.get("charge_point_id"), status=status, id_tag=q.get("id_tag"),
                                     since=q.get("since"), until=q.get("until"),
                                     remote_start_id=q.get("remote_start_id"), limit=limit, offset=offset)
    return paged([serializers.transaction(t) for t in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/transactions/{id}", "A transaction with every meter value", "transactions",
            response=schemas.TRANSACTION_DETAIL, errors=(401, 404))
async def get(request: web.Request) -> web.Response:
    found = await request.app[TRANSACTIONS].detail(int_param(request, "id"))
    if found is None:
        raise not_found("transaction")
    tx, values = found
    return web.json_response({**serializers.transaction(tx),
                              "meter_values": [serializers.meter_value(v) for v in values]})
