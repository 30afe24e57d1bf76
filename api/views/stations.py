"""Stations (sites): name, address, GCJ-02 coordinates, time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from api import schemas, serializers
from api.common.audit import note
from api.context import REPOS, TARIFFS, body, int_param, paged, paging, params
from api.errors import bad_request, not_found
from api.routing import Query, RouteTable
from api.validation import PAGING

routes = RouteTable()


def _check_timezone(data: dict) -> None:
    if "timezone" in data:
        try:
            ZoneInfo(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise bad_request(f"unknown time zone {data['timezone']!r}", "validation_error", field="timezone") from None


@routes.add("POST", "/api/v1/admin/stations", "Create a station", "stations", body=schemas.STATION_CREATE,
            response=schemas.STATION, status=201, errors=(400, 401, 403))
async def create(request: web.Request) -> web.Response:
    data = body(request)
    _check_timezone(data)
    station = await request.app[REPOS].stations.create(**data)
    return web.json_response(serializers.station(station), status=201)


@routes.add("GET", "/api/v1/admin/stations", "List stations", "stations",
            response=schemas.array(schemas.STATION), query=(Query("q", description="name or address contains"), *PAGING))
async def list_(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    page = await request.app[REPOS].stations.list(q=params(request).get("q"), limit=limit, offset=offset)
    return paged([serializers.station(s) for s in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/stations/{id}", "Get a station", "stations", response=schemas.STATION,
            errors=(401, 404))
async def get(request: web.Request) -> web.Response:
    station = await request.app[REPOS].stations.get(int_param(request, "id"))
    if station is None:
        raise not_found("station")
    return web.json_response(serializers.station(station))


@routes.add("PATCH", "/api/v1/admin/stations/{id}", "Change a station", "stations", body=schemas.STATION_PATCH,
            response=schemas.STATION, errors=(400, 401, 404))
async def patch(request: web.Request) -> web.Response:
    data = body(request)
    _check_timezone(data)
    before = await request.app[REPOS].stations.get(int_param(request, "id"))
    station = await request.app[REPOS].stations.update(int_param(request, "id"), **data) if before else None
    if station is None:
        raise not_found("station")
    note(request, before=serializers.station(before))
    request.app[TARIFFS].tariffs.forget(station.id)     # its time zone decides its tariff periods
    return web.json_response(serializers.station(station))


@routes.add("DELETE", "/api/v1/admin/stations/{id}", "Delete a station (its charge points stay, unassigned)",
            "stations", status=204, errors=(401, 404))
async def delete(request: web.Request) -> web.Response:
    before = await request.app[REPOS].stations.get(int_param(request, "id"))
    if before is None or not await request.app[REPOS].stations.delete(before.id):
        raise not_found("station")
    note(request, before=serializers.station(before))
    return web.Response(status=204)
