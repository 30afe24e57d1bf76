"""Stations for the mini-program map: nearby (by distance, with live counts, price now and rating),
search, station detail with its connectors and today's tariff, reviews; and the operator side of
what the map shows (opening hours, photos, connector type and power)."""

from __future__ import annotations

import functools
import math

from aiohttp import web

from api import schemas as s
from api.context import CLAIMS, body, container, int_param, paged, paging, params
from api.errors import ApiError, bad_request
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain.profile import (
    DRIVER_STATUSES,
    ProfileError,
    StationCard,
    StationDetails,
)
from csms.services.qr import InvalidQr
from csms.services.station_cards import ConnectorView, StationDetail
from csms.services.stations_geo import MAX_RADIUS_M, NearbyQuery

routes = RouteTable()


# -- errors ----------------------------------------------------------------------------------------------
def profile_errors(handler):
    """Domain refusals of the profile services -> the JSON error the contract names."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ProfileError as exc:
            extra = {"field": exc.field} if exc.field else {}
            raise ApiError(exc.status, exc.code, exc.message, **extra) from None
        except InvalidQr as exc:
            raise bad_request(str(exc), "invalid_qr") from None
    return wrapped


def user_id(request: web.Request) -> int:
    """The calling driver."""
    return int(request[CLAIMS]["sub"])


def coordinate(request: web.Request, name: str, low: float, high: float, required: bool) -> float | None:
    raw = params(request).get(name)
    if raw is None:
        if required:
            raise bad_request(f"query parameter {name} is required", "validation_error", field=name)
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"query parameter {name}: expected a number, got {raw!r}", "validation_error",
                          field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise bad_request(f"query parameter {name}: must be between {low:g} and {high:g}", "validation_error",
                          field=name)
    return value


# -- schemas and serializers -----------------------------------------------------------------------------
NUM = {"type": "number"}
NULL_NUM = {"type": ["number", "null"]}
PRICE = s.obj({"period": {"enum": ["sharp", "peak", "flat", "valley"]}, "energy_fen_per_kwh": s.INT,
               "service_fen_per_kwh": s.INT, "total_fen_per_kwh": s.INT, "until": s.NULL_TIME})
NULL_PRICE = {"oneOf": [PRICE, {"type": "null"}]}
CARD_FIELDS = {"id": s.INT, "name": s.STR, "address": s.STR, "lat": NULL_NUM, "lng": NULL_NUM,
               "coordinate_system": {"const": "GCJ-02"}, "distance_m": s.NULL_INT, "total": s.INT, "free": s.INT,
               "occupied": s.INT, "faulted": s.INT, "offline": s.INT,
               "kinds": s.array({"enum": ["dc", "ac"]}), "max_power_w": s.NULL_INT, "price_now": NULL_PRICE,
               "rating": s.obj({"average": NULL_NUM, "count": s.INT})}
CARD = s.obj(CARD_FIELDS)
CONNECTOR = s.obj({"charge_point_id": s.STR, "connector_id": s.INT, "kind": {"enum": ["dc", "ac"]},
                   "type": s.NULL_STR, "max_power_w": s.NULL_INT, "status": {"enum": list(DRIVER_STATUSES)},
                   "ocpp_status": s.STR, "qr": s.STR})
SCHEDULE_ENTRY = s.obj({"start": s.STR, "end": s.STR, "period": s.STR, "energy_fen_per_kwh": s.INT,
                        "service_fen_per_kwh": s.INT, "total_fen_per_kwh": s.INT})
DETAIL = s.obj({**CARD_FIELDS, "timezone": s.STR, "opening_hours": s.STR, "photos": s.array(s.STR),
                "favourite": s.BOOL, "idle_fee_fen_per_min": s.NULL_INT, "idle_grace_minutes": s.NULL_INT,
                "tariff_today": s.array(SCHEDULE_ENTRY), "connectors": s.array(CONNECTOR)})
REVIEW = s.obj({"order_id": s.INT, "station_stars": s.INT, "experience_stars": s.INT, "comment": s.STR,
                "nickname": s.STR, "avatar_url": s.STR, "created_at": s.TIME})
_PHOTO = {"type": "string", "minLength": 1, "maxLength": 512}
DETAILS_PUT = {**s.obj({"opening_hours": {"type": "string", "maxLength": 255},
                        "photos": {**s.array(_PHOTO), "maxItems": 20}}), "minProperties": 1}
DETAILS = s.obj({"station_id": s.INT, "opening_hours": s.STR, "photos": s.array(s.STR), "updated_at": s.NULL_TIME})
CONNECTOR_PATCH = {**s.obj({"type": {"type": ["string", "null"], "minLength": 1, "maxLength": 32},
                            "max_power_w": {"type": ["integer", "null"], "minimum": 0, "maximum": 10_000_000}}),
                   "minProperties": 1}


def price(p) -> dict | None:
    if p is None:
        return None
    until = getattr(p, "until", None)
    return {"period": p.period, "energy_fen_per_kwh": p.energy_fen_per_kwh,
            "service_fen_per_kwh": p.service_fen_per_kwh, "total_fen_per_kwh": p.total_fen_per_kwh,
            "until": ts(until) if until is not None else None}


def card(c: StationCard) -> dict:
    st, n = c.station, c.counts
    return {"id": st.id, "name": st.name, "address": st.address, "lat": st.lat, "lng": st.lng,
            "coordinate_system": "GCJ-02", "distance_m": c.distance_m, "total": n.total, "free": n.free,
            "occupied": n.occupied, "faulted": n.faulted, "offline": n.offline, "kinds": n.kinds,
            "max_power_w": n.max_power_w, "price_now": price(c.price_now),
            "rating": {"average": c.rating.average, "count": c.rating.count}}


def connector(v: ConnectorView) -> dict:
    return {"charge_point_id": v.charge_point_id, "connector_id": v.connector_id, "kind": v.kind, "type": v.type,
            "max_power_w": v.max_power_w, "status": v.status, "ocpp_status": v.ocpp_status, "qr": v.qr}


def schedule_entry(e) -> dict:
    return {"start": e.start, "end": e.end, "period": e.period, "energy_fen_per_kwh": e.energy_fen_per_kwh,
            "service_fen_per_kwh": e.service_fen_per_kwh, "total_fen_per_kwh": e.total_fen_per_kwh}


def detail(d: StationDetail) -> dict:
    return {**card(d.card), "timezone": d.card.station.timezone, "opening_hours": d.details.opening_hours,
            "photos": list(d.details.photos), "favourite": d.favourite,
            "idle_fee_fen_per_min": d.idle_fee_fen_per_min, "idle_grace_minutes": d.idle_grace_minutes,
            "tariff_today": [schedule_entry(e) for e in d.tariff_today],
            "connectors": [connector(c) for c in d.connectors]}


def details(d: StationDetails) -> dict:
    return {"station_id": d.station_id, "opening_hours": d.opening_hours, "photos": list(d.photos),
            "updated_at": ts(d.updated_at)}


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
    page = await container(request).nearby.nearby(query)
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
    page = await container(request).station_cards.search(text, lat, lng, limit, offset)
    return paged([card(c) for c in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/driver/stations/{id}", "A station with its connectors and today's tariff",
            "driver-map", auth="driver", response=DETAIL, errors=(404,))
@profile_errors
async def station(request: web.Request) -> web.Response:
    d = await container(request).station_cards.detail(int_param(request, "id"), user_id(request))
    return web.json_response(detail(d))


@routes.add("GET", "/api/v1/driver/stations/{id}/reviews", "Ratings of a station, newest first", "driver-map",
            auth="driver", response=s.array(REVIEW), query=PAGING, errors=(404,))
@profile_errors
async def reviews(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    c = container(request)
    page = await c.ratings.reviews(int_param(request, "id"), limit, offset)
    avatars = set(await c.moderation.for_others([r.avatar_url for r in page.items if r.avatar_url]))
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
    c = container(request)
    sid = int_param(request, "id")
    if not await c.station_map_repo.station_exists(sid):
        raise ProfileError(404, "not_found", "station not found")
    return web.json_response(details(await c.station_map_repo.details(sid) or StationDetails(sid)))


@routes.add("PUT", "/api/v1/admin/stations/{id}/details", "Set opening hours and/or photos of a station",
            "stations", body=DETAILS_PUT, response=DETAILS, errors=(404,))
@profile_errors
async def put_details(request: web.Request) -> web.Response:
    d = await container(request).station_info.put_details(int_param(request, "id"), **body(request))
    return web.json_response(details(d))


@routes.add("PATCH", "/api/v1/admin/charge-points/{id}/connectors/{connector_id}",
            "Set a connector's type and/or maximum power (driver connector id: 1.6 connector, 2.0.1 EVSE)",
            "charge-points", body=CONNECTOR_PATCH, response=CONNECTOR, errors=(404,))
@profile_errors
async def patch_connector(request: web.Request) -> web.Response:
    c = container(request)
    cp_id = request.match_info["id"]
    connector_id = int_param(request, "connector_id")
    if not 1 <= connector_id < 2**31:
        raise ProfileError(404, "not_found", "connector not found")
    await c.station_info.patch_connector(cp_id, connector_id, **body(request))
    rows = [r for r in await c.station_map_repo.connectors(c.clock.now(), charge_point_id=cp_id)
            if r.connector_id == connector_id]
    return web.json_response(connector(c.station_cards.connector_view(rows[0])))
