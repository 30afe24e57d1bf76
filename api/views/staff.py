"""Staff: operator accounts and their roles, and the audit log of what they did (admins only)."""

from __future__ import annotations

import json

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.context import BACKOFFICE, OPERATORS, body, int_param, paged, paging, params
from api.errors import not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain.audit import AuditQuery

routes = RouteTable()

AUDIT_RECORD = s.obj({"id": s.INT, "at": s.TIME, "actor_id": s.STR, "actor": s.STR, "role": s.STR, "action": s.STR,
                      "method": s.STR, "path": s.STR, "status": s.INT, "request_id": s.STR,
                      "target_type": s.NULL_STR, "target_id": s.NULL_STR, "params": {}, "before": {}, "after": {},
                      "remote": s.NULL_STR})


def _load(text: str | None):
    """A stored body, before or after view; one that does not read as JSON (recorded before the
    masking kept it JSON) is shown as its text rather than failing the whole page."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def record_view(r) -> dict:
    return {"id": r.id, "at": ts(r.at), "actor_id": r.actor_id, "actor": r.actor, "role": r.role, "action": r.action,
            "method": r.method, "path": r.path, "status": r.status, "request_id": r.request_id,
            "target_type": r.target_type, "target_id": r.target_id, "params": _load(r.params),
            "before": _load(r.before), "after": _load(r.after), "remote": r.remote}


@routes.add("GET", "/api/v1/admin/audit", "The audit log of operator actions, newest first", "staff", auth="admin",
            response=s.array(AUDIT_RECORD),
            query=PAGING + (Query("actor", description="user name or operator id"),
                            Query("action", description="the endpoint's operationId (OpenAPI)"),
                            Query("target_type", description="e.g. charge-point, station, user, order"),
                            Query("target_id"), Query("since", "date-time", "at or after"),
                            Query("until", "date-time", "before")))
async def audit_log(request: web.Request) -> web.Response:
    q = params(request)
    lim, off = paging(request)
    page = await request.app[BACKOFFICE].audit.list(
        AuditQuery(actor=q.get("actor"), action=q.get("action"), target_type=q.get("target_type"),
                   target_id=q.get("target_id"), since=q.get("since"), until=q.get("until")), lim, off)
    return paged([record_view(r) for r in page.items], page.total, lim, off)


def operator_view(op) -> dict:
    return {"id": op.id, "username": op.username, "role": op.role, "active": op.active}


@routes.add("GET", "/api/v1/admin/operators", "Operator accounts, by user name", "staff", auth="admin",
            response=s.array(s.OPERATOR), query=PAGING)
async def list_operators(request: web.Request) -> web.Response:
    lim, off = paging(request)
    page = await request.app[OPERATORS].list(lim, off)
    return paged([operator_view(op) for op in page.items], page.total, lim, off)


@routes.add("PATCH", "/api/v1/admin/operators/{id}", "Change an operator's role or (de)activate them", "staff",
            auth="admin", body=s.OPERATOR_PATCH, response=s.OPERATOR, errors=(404,))
async def change_operator(request: web.Request) -> web.Response:
    service = request.app[OPERATORS]
    before = await service.operators.get(int_param(request, "id"))
    if before is None:
        raise not_found("operator")
    d = body(request)
    after = await service.change(before.id, role=d.get("role"), active=d.get("active"))
    note(request, before=operator_view(before), after=operator_view(after))
    return web.json_response(operator_view(after))
