"""Stations for the mini-program map: nearby (by distance, with live counts, price now and rating),
search, station detail with its connectors and today's tariff, reviews; and the operator side of
what the map shows (opening hours, photos, connector type and power)."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.drivers import user_id
from api.common.profile import (
    CARD,
    CONNECTOR,
    CONNECTOR_PATCH,
    DETAIL,
    DETAILS,
    DETAILS_PUT,
    REVIEW,
    card,
    connector,
    coordinate,
    detail,
    details,
    profile_errors,
)
from api.context import CLOCK, PROFILE, REPOS, body, int_param, paged, paging, params
from api.errors import bad_request
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain.profile import (
    ProfileError,
    StationDetails,
)
from csms.services.stations_geo import MAX_RADIUS_M, NearbyQuery

routes = RouteTable()


_POSITION = (Query("lat", "number", "GCJ-02 latitude"), Query("lng", "number", "GCJ-02 longitude"))
_DRIVER_PAGING = (Query("limit", "integer", "page size", 1, 100), Query("offset", "integer", "items to skip", 0, None))


# -- driver ----------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/driver/stations/nearby", "Stations near a point, nearest first", "driver-map",
            auth="driver", response=s.array(CARD),
            query=(*_POSITION, Query("radius_m", "integer", "search radius (default 5000)", 1, MAX_RADIUS_M),
                   Query("kind", enum=("dc", "ac")), Query("free", "boolean", "only with a free connector"),
                   Query("max_price_fen", "integer", "total price per kWh now at most", 0, None), *_DRIVER_PAGING))
@profile_errors
async def nearby(request: web.Request) -> web.Response:
    q = params(request)
    lat = coordinate(request, "lat", -90, 90, True)
    lng = coordinate(request, "lng", -180, 180, True)
    limit, offset = q.get("limit", 20), q.get("offset", 0)
    query = NearbyQuery(lat, lng, q.get("radius_m", 5000), q.get("kind"), q.get("free", False),
                        q.get("max_price_fen"), limit, offset)
    page = await request.app[PROFILE].nearby.nearby(query)
    return paged([card(c) for c in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/driver/stations/search", "Stations by name or address", "driver-map",
            auth="driver", response=s.array(CARD),
            query=(Query("q", description="name or address contains"), *_POSITION, *_DRIVER_PAGING))
@profile_errors
async def search(request: web.Request) -> web.Response:
    q = params(request)
    text = (q.get("q") or "").strip()
    if not text:
        raise bad_request("query parameter q is required", "validation_error", field="q")
    if len(text) > 64:
        raise bad_request("query parameter q: at most 64 characters", "validation_error", field="q")
    lat = coordinate(request, "lat", -90, 90, False)
    lng = coordinate(request, "lng", -180, 180, False)
    limit, offset = q.get("limit", 20), q.get("offset", 0)
    page = await request.app[PROFILE].station_cards.search(text, lat, lng, limit, offset)
    return paged([card(c) for c in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/driver/stations/{id}", "A station with its connectors and today's tariff",
            "driver-map", auth="driver", response=DETAIL, errors=(404,))
@profile_errors
async def station(request: web.Request) -> web.Response:
    d = await request.app[PROFILE].station_cards.detail(int_param(request, "id"), user_id(request))
    return web.json_response(detail(d))


@routes.add("GET", "/api/v1/driver/stations/{id}/reviews", "Ratings of a station, newest first", "driver-map",
            auth="driver", response=s.array(REVIEW), query=PAGING, errors=(404,))
@profile_errors
async def reviews(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    profile = request.app[PROFILE]
    page = await profile.ratings.reviews(int_param(request, "id"), limit, offset)
    avatars = set(await profile.moderation.for_others([r.avatar_url for r in page.items if r.avatar_url]))
    return paged([{"order_id": r.order_id, "station_stars": r.station_stars, "experience_stars": r.experience_stars,
                   "comment": r.comment, "nickname": r.nickname,
                   "avatar_url": r.avatar_url if r.avatar_url in avatars else "",    # only once its check passed
                   "created_at": ts(r.created_at)}
                  for r in page.items], page.total, limit, offset)


# -- operators -------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/admin/stations/{id}/details", "Opening hours and photos of a station", "stations",
            response=DETAILS, errors=(404,))
@profile_errors
async def get_details(request: web.Request) -> web.Response:
    sid = int_param(request, "id")
    if not await request.app[REPOS].station_map.station_exists(sid):
        raise ProfileError(404, "not_found", "station not found")
    return web.json_response(details(await request.app[REPOS].station_map.details(sid) or StationDetails(sid)))


@routes.add("PUT", "/api/v1/admin/stations/{id}/details", "Set opening hours and/or photos of a station",
            "stations", body=DETAILS_PUT, response=DETAILS, errors=(404,))
@profile_errors
async def put_details(request: web.Request) -> web.Response:
    d = await request.app[PROFILE].station_info.put_details(int_param(request, "id"), **body(request))
    return web.json_response(details(d))


@routes.add("PATCH", "/api/v1/admin/charge-points/{id}/connectors/{connector_id}",
            "Set a connector's type and/or maximum power (driver connector id: 1.6 connector, 2.0.1 EVSE)",
            "charge-points", body=CONNECTOR_PATCH, response=CONNECTOR, errors=(404,))
@profile_errors
async def patch_connector(request: web.Request) -> web.Response:
    cp_id = request.match_info["id"]
    connector_id = int_param(request, "connector_id")
    if not 1 <= connector_id < 2**31:
        raise ProfileError(404, "not_found", "connector not found")
    await request.app[PROFILE].station_info.patch_connector(cp_id, connector_id, **body(request))
    rows = [r for r in await request.app[REPOS].station_map.connectors(request.app[CLOCK].now(), charge_point_id=cp_id)
            if r.connector_id == connector_id]
    return web.json_response(connector(request.app[PROFILE].station_cards.connector_view(rows[0])))
