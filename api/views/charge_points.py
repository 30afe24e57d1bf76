"""Charge points: registration, credentials, security profile, live view, message log."""

from __future__ import annotations

from aiohttp import web

from api import schemas, serializers
from api.common.audit import note
from api.context import CHARGERS, MESSAGE_LOG, REPOS, TOLERANCE, body, paged, paging, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.validation import PAGING
from csms.domain.repositories import Conflict

routes = RouteTable()


async def _fields(request: web.Request, data: dict) -> dict:
    fields = {k: data[k] for k in ("station_id", "security_profile", "registration_status", "tolerant") if k in data}
    if data.get("station_id") is not None and await request.app[REPOS].stations.get(data["station_id"]) is None:
        raise bad_request(f"station {data['station_id']} does not exist", "unknown_station", field="station_id")
    if "password" in data:
        passwords = request.app[CHARGERS].passwords
        fields["password_hash"] = await passwords.hash(data["password"]) if data["password"] else None
    return fields


async def _view(request: web.Request, cp_id: str) -> dict:
    found = await request.app[CHARGERS].view(cp_id)
    if found is None:
        raise not_found(f"charge point {cp_id!r}")
    return serializers.charge_point(*found)


@routes.add("POST", "/api/v1/admin/charge-points", "Register a charge point", "charge-points",
            body=schemas.CHARGE_POINT_CREATE, response=schemas.CHARGE_POINT, status=201, errors=(400, 401, 409))
async def create(request: web.Request) -> web.Response:
    data = body(request)
    fields = await _fields(request, data)
    fields.setdefault("security_profile", 1 if fields.get("password_hash") else 0)
    fields.setdefault("registration_status", "Accepted")
    try:
        await request.app[REPOS].charge_points.create(id=data["id"], **fields)
    except Conflict:
        raise ApiError(409, "conflict", f"charge point {data['id']!r} exists") from None
    return web.json_response(await _view(request, data["id"]), status=201)


@routes.add("GET", "/api/v1/admin/charge-points", "List charge points", "charge-points",
            response=schemas.array(schemas.CHARGE_POINT),
            query=(Query("station_id", "integer"), Query("online", "boolean"), *PAGING))
async def list_(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[REPOS].charge_points.list(station_id=q.get("station_id"), limit=500 if "online" in q else limit,
                                      offset=0 if "online" in q else offset)
    cps = [request.app[CHARGERS].overlay(cp) for cp in page.items]
    total = page.total
    if "online" in q:   # presence is live state: filter after the overlay
        cps = [cp for cp in cps if cp.online == q["online"]]
        total = len(cps)
        cps = cps[offset: offset + limit]
    items = [serializers.charge_point(cp, await request.app[REPOS].connectors.list_for(cp.id)) for cp in cps]
    return paged(items, total, limit, offset)


@routes.add("GET", "/api/v1/admin/charge-points/{id}", "A charge point with its connectors and live state",
            "charge-points", response=schemas.CHARGE_POINT, errors=(401, 404))
async def get(request: web.Request) -> web.Response:
    return web.json_response(await _view(request, request.match_info["id"]))


@routes.add("PATCH", "/api/v1/admin/charge-points/{id}", "Change password, security profile, registration status",
            "charge-points", body=schemas.CHARGE_POINT_PATCH, response=schemas.CHARGE_POINT, errors=(400, 401, 404))
async def patch(request: web.Request) -> web.Response:
    cp_id = request.match_info["id"]
    fields = await _fields(request, body(request))
    before = await request.app[CHARGERS].view(cp_id)
    if before is None or await request.app[REPOS].charge_points.update(cp_id, **fields) is None:
        raise not_found(f"charge point {cp_id!r}")
    note(request, before=serializers.charge_point(*before))
    request.app[CHARGERS].forget(cp_id)
    request.app[TOLERANCE].forget(cp_id)
    return web.json_response(await _view(request, cp_id))


@routes.add("DELETE", "/api/v1/admin/charge-points/{id}", "Remove a charge point (closes its connection)",
            "charge-points", status=204, errors=(401, 404))
async def delete(request: web.Request) -> web.Response:
    cp_id = request.match_info["id"]
    before = await request.app[CHARGERS].view(cp_id)
    if before is None or not await request.app[REPOS].charge_points.delete(cp_id):
        raise not_found(f"charge point {cp_id!r}")
    note(request, before=serializers.charge_point(*before))
    request.app[CHARGERS].forget(cp_id)
    await request.app[CHARGERS].presence.close(cp_id, "charge point removed")
    return web.Response(status=204)


@routes.add("GET", "/api/v1/admin/charge-points/{id}/messages", "The OCPP message log of a charge point, newest first",
            "charge-points", response=schemas.array(schemas.MESSAGE),
            query=(Query("action"), Query("direction", enum=("in", "out")), *PAGING), errors=(401, 404))
async def messages(request: web.Request) -> web.Response:
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[MESSAGE_LOG].list(cp_id, action=q.get("action"), direction=q.get("direction"),
                                    limit=limit, offset=offset)
    return paged([serializers.message(m) for m in page.items], page.total, limit, offset)
