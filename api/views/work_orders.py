"""Work orders (处理记录, docs/contract.md "Alarms and work orders"): opened by acknowledging an alarm;
listed, read and moved along open -> in_progress -> resolved / closed here (resolving one resolves
its alarm)."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.alarms import WORK_ORDER, caller, refusals, work_order
from api.context import OPERATIONS, body, int_param, paged, paging, params
from api.routing import Query, RouteTable
from api.validation import PAGING
from csms.domain.alarms import WORK_ORDER as LIFECYCLE

routes = RouteTable()
BASE = "/api/v1/admin/work-orders"
STATES = tuple(sorted(LIFECYCLE.states))
PATCH = {**s.obj({"status": {"enum": list(STATES)}, "assignee": {"type": "string", "minLength": 1, "maxLength": 64},
                  "resolution": {"type": "string", "maxLength": 1000},
                  "note": {"type": "string", "minLength": 1, "maxLength": 2000}}), "minProperties": 1}


@routes.add("GET", BASE, "Work orders, newest first", "alarms", response=s.array(WORK_ORDER),
            query=(Query("status", enum=STATES), Query("assignee"), Query("station_id", "integer", "one station", 1,
                                                                            None),
                   Query("charge_point_id"), *PAGING))
async def list_work_orders(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[OPERATIONS].work_orders.list(
        status=q.get("status"), assignee=q.get("assignee"), station_id=q.get("station_id"),
        charge_point_id=q.get("charge_point_id"), limit=limit, offset=offset)
    return paged([work_order(w) for w in page.items], page.total, limit, offset)


@routes.add("GET", BASE + "/{id}", "One work order with its notes", "alarms", response=WORK_ORDER, errors=(401, 404))
@refusals
async def get_work_order(request: web.Request) -> web.Response:
    return web.json_response(work_order(await request.app[OPERATIONS].work_orders.get(int_param(request, "id"))))


@routes.add("PATCH", BASE + "/{id}", "Move, assign, note or write the resolution of a work order", "alarms",
            body=PATCH, response=WORK_ORDER, errors=(400, 401, 403, 404, 409))
@refusals
async def update_work_order(request: web.Request) -> web.Response:
    d = body(request)
    _, username = await caller(request)
    order = await request.app[OPERATIONS].work_orders.update(
        int_param(request, "id"), username, status=d.get("status"), assignee=d.get("assignee"),
        resolution=d.get("resolution"), note=d.get("note"))
    return web.json_response(work_order(order))
