"""REST views of report request tracking: the requests a charge point was sent that are answered in
parts (reports, monitoring reports, customer information, display messages, logs), with their
progress, and one request with its parts and assembled data."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import REPORT_REQUESTS, REPOS, int_param, paged, paging, params
from api.errors import not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain import requests as rq
from csms.domain.requests import Part, ReportRequest

routes = RouteTable()
CP = "/api/v1/admin/charge-points/{id}"

REQUEST = s.obj({"request_id": s.INT, "charge_point_id": s.STR, "kind": {"enum": list(rq.KINDS)},
                 "status": {"enum": list(rq.STATUSES)}, "answer": s.NULL_STR, "params": s.ANY_OBJ,
                 "parts_received": s.INT, "last_seq_no": s.NULL_INT, "final_seq_no": s.NULL_INT,
                 "created_at": s.TIME, "updated_at": s.TIME, "completed_at": s.NULL_TIME})
REQUEST_DETAIL = {**REQUEST, "properties": {
    **REQUEST["properties"], "missing": s.array(s.INT),
    "parts": s.array(s.obj({"seq_no": s.INT, "tbc": s.BOOL, "received_at": s.TIME})),
    "data": {"type": ["array", "string"]}}}


def request_view(r: ReportRequest) -> dict:
    return {"request_id": r.request_id, "charge_point_id": r.charge_point_id, "kind": r.kind, "status": r.status,
            "answer": r.answer, "params": r.params, "parts_received": r.parts_received,
            "last_seq_no": r.last_seq_no, "final_seq_no": r.final_seq_no, "created_at": ts(r.created_at),
            "updated_at": ts(r.updated_at), "completed_at": ts(r.completed_at)}


def detail_view(r: ReportRequest, parts: list[Part]) -> dict:
    return {**request_view(r), "missing": rq.missing([p.seq_no for p in parts], r.final_seq_no),
            "parts": [{"seq_no": p.seq_no, "tbc": p.tbc, "received_at": ts(p.received_at)} for p in parts],
            "data": rq.assemble(r.kind, parts)}


async def _known_cp(request: web.Request) -> str:
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    return cp_id


_KIND = Query("kind", enum=rq.KINDS, description="request kind")


@routes.add("GET", CP + "/requests", "Requests answered in parts (reports, logs, ...) sent to a charge point, "
            "newest first", "requests", response=s.array(REQUEST),
            query=(_KIND, Query("status", enum=rq.STATUSES), *PAGING), errors=(400, 401, 404))
async def list_requests(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[REPORT_REQUESTS].list(cp_id, kind=q.get("kind"), status=q.get("status"),
                                                         limit=limit, offset=offset)
    return paged([request_view(r) for r in page.items], page.total, limit, offset)


@routes.add("GET", CP + "/requests/{request_id}", "One request with its parts and the data assembled from them",
            "requests", response=REQUEST_DETAIL, query=(_KIND,), errors=(400, 401, 404))
async def get_request(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    found = await request.app[REPORT_REQUESTS].detail(cp_id, int_param(request, "request_id"),
                                                            params(request).get("kind"))
    if found is None:
        raise not_found("request")
    return web.json_response(detail_view(*found))
