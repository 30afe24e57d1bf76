"""Alarms (docs/contract.md "Alarms and work orders"): the list with its filters, one alarm with its
work order, and handling it: acknowledge (opens the work order), assign, note, resolve; the MTTA /
MTTR report. Changes also reach the operator feed (api/push_operator.py)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from api import schemas as s
from api.common.alarms import ALARM, ALARM_DETAIL, alarm, caller, refusals
from api.context import CLOCK, OPERATIONS, body, int_param, paged, paging, params
from api.errors import bad_request
from api.routing import Query, RouteTable
from api.validation import PAGING
from csms.domain.alarms import ALARM as LIFECYCLE
from csms.domain.alarms import KINDS, SEVERITIES, AlarmQuery, ResponseTimes
from csms.domain.times import iso

routes = RouteTable()
BASE = "/api/v1/admin/alarms"
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_USERNAME = {"type": "string", "minLength": 1, "maxLength": 64}
_ERR = (400, 401, 403, 404, 409)


async def _view(request: web.Request, alarm_id: int) -> web.Response:
    ops = request.app[OPERATIONS]
    found = await ops.alarms.get(alarm_id)
    return web.json_response(alarm(found, await ops.work_orders.for_alarm(alarm_id), detail=True))


@routes.add("GET", BASE, "Alarms, newest first, with their work order's summary", "alarms", response=s.array(ALARM),
            query=(Query("status", enum=tuple(sorted(LIFECYCLE.states))), Query("severity", enum=SEVERITIES),
                   Query("kind", enum=tuple(KINDS)), Query("station_id", "integer", "one station", 1, None),
                   Query("charge_point_id"), Query("since", "date-time", "raised at or after"),
                   Query("until", "date-time", "raised before"), *PAGING))
async def list_alarms(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    ops = request.app[OPERATIONS]
    page = await ops.alarms.list(AlarmQuery(**{k: q.get(k) for k in (
        "status", "severity", "kind", "station_id", "charge_point_id", "since", "until")}), limit=limit, offset=offset)
    orders = await ops.work_orders.for_alarms([a.id for a in page.items])
    return paged([alarm(a, orders.get(a.id)) for a in page.items], page.total, limit, offset)


@routes.add("GET", BASE + "/{id}", "One alarm with its whole work order", "alarms", response=ALARM_DETAIL,
            errors=(401, 404))
@refusals
async def get_alarm(request: web.Request) -> web.Response:
    return await _view(request, int_param(request, "id"))


@routes.add("POST", BASE + "/{id}/acknowledge", "Acknowledge (Raised -> Acknowledged) and open the work order",
            "alarms", body=s.obj({"assignee": _USERNAME, "note": _TEXT}), response=ALARM_DETAIL, errors=_ERR)
@refusals
async def acknowledge(request: web.Request) -> web.Response:
    d = body(request)
    _, username = await caller(request)
    alarm_id = int_param(request, "id")
    await request.app[OPERATIONS].work_orders.acknowledge(alarm_id, username, assignee=d.get("assignee"),
                                                          note=d.get("note"))
    return await _view(request, alarm_id)


@routes.add("POST", BASE + "/{id}/assign", "Assign the alarm's work order to an operator", "alarms",
            body=s.obj({"assignee": _USERNAME}, ("assignee",)), response=ALARM_DETAIL, errors=_ERR)
@refusals
async def assign(request: web.Request) -> web.Response:
    _, username = await caller(request)
    alarm_id = int_param(request, "id")
    await request.app[OPERATIONS].work_orders.assign(alarm_id, body(request)["assignee"], username)
    return await _view(request, alarm_id)


@routes.add("POST", BASE + "/{id}/notes", "Add a note to the alarm's work order", "alarms",
            body=s.obj({"text": _TEXT}, ("text",)), response=ALARM_DETAIL, status=201, errors=_ERR)
@refusals
async def add_note(request: web.Request) -> web.Response:
    _, username = await caller(request)
    alarm_id = int_param(request, "id")
    await request.app[OPERATIONS].work_orders.note(alarm_id, username, body(request)["text"])
    response = await _view(request, alarm_id)
    response.set_status(201)
    return response


async def _resolve(request: web.Request) -> web.Response:
    _, username = await caller(request)
    alarm_id = int_param(request, "id")
    await request.app[OPERATIONS].work_orders.resolve_alarm(alarm_id, username, body(request).get("resolution"))
    return await _view(request, alarm_id)


routes.add("POST", BASE + "/{id}/resolve", "Resolve the alarm (and its work order)", "alarms",
           body=s.obj({"resolution": {"type": "string", "maxLength": 512}}), response=ALARM_DETAIL,
           errors=_ERR)(refusals(_resolve))
# the security feature's former name of resolving, kept for its clients (docs/contract.md)
routes.add("POST", BASE + "/{id}/clear", "Resolve the alarm (former name of /resolve)", "alarms",
           body=s.obj({"resolution": {"type": "string", "maxLength": 512}}), response=ALARM_DETAIL,
           errors=_ERR)(refusals(_resolve))

# -- MTTA / MTTR ----------------------------------------------------------------------------------------
TIMES = s.obj({"station_id": s.NULL_INT, "period": s.NULL_STR, "alarms": s.INT, "acknowledged": s.INT,
               "resolved": s.INT, "auto_resolved": s.INT, "mtta_s": {"type": ["number", "null"]},
               "mttr_s": {"type": ["number", "null"]}})
MAX_RANGE = timedelta(days=366)


def _times(t: ResponseTimes) -> dict:
    return {"station_id": t.station_id, "period": t.period, "alarms": t.alarms, "acknowledged": t.acknowledged,
            "resolved": t.resolved, "auto_resolved": t.auto_resolved, "mtta_s": t.mtta_s, "mttr_s": t.mttr_s}


@routes.add("GET", "/api/v1/admin/reports/alarm-response-times",
            "Mean time to acknowledge / resolve (MTTA / MTTR) by station and period", "alarms",
            response=s.obj({"since": s.TIME, "until": s.TIME, "total": TIMES, "rows": s.array(TIMES)}),
            query=(Query("since", "date-time", "raised at or after (default: 30 days before until)"),
                   Query("until", "date-time", "raised before (default: now)"),
                   Query("station_id", "integer", "one station", 1, None),
                   Query("period", enum=("day", "month"), description="also split by UTC day or month")),
            errors=(400, 401, 403))
async def response_times(request: web.Request) -> web.Response:
    q = params(request)
    until = q.get("until") or request.app[CLOCK].now()
    since = q.get("since") or until - timedelta(days=30)
    if not since < until or until - since > MAX_RANGE:
        raise bad_request("since must be before until, at most 366 days apart", "validation_error", field="since")
    total, *rows = await request.app[OPERATIONS].alarms.response_times(
        since=since, until=until, station_id=q.get("station_id"), period=q.get("period"))
    return web.json_response({"since": iso(since), "until": iso(until), "total": _times(total),
                              "rows": [_times(r) for r in rows]})
