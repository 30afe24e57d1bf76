"""The driver's personal centre: vehicles, favourite stations, feedback, and rating a finished order.
Everything is scoped to the caller: another driver's record answers 404."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.drivers import user_id
from api.common.profile import (
    CARD,
    FEEDBACK_FIELDS,
    card,
    coordinate,
    feedback,
    profile_errors,
)
from api.context import PROFILE, body, int_param, paged, paging
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from csms.domain.moderation import CHECK_STATES
from csms.domain.profile import (
    FEEDBACK_CATEGORIES,
    MAX_PHOTOS,
    Feedback,
    Vehicle,
)

routes = RouteTable()

_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_VEHICLE_FIELDS = {"plate": {"type": "string", "minLength": 1, "maxLength": 16},
                   "model": {"type": "string", "maxLength": 64},
                   "connector_type": {"type": ["string", "null"], "maxLength": 32},
                   "is_default": s.BOOL}
VEHICLE_CREATE = s.obj(_VEHICLE_FIELDS, ("plate",))
VEHICLE_PATCH = {**s.obj(_VEHICLE_FIELDS), "minProperties": 1}
VEHICLE = s.obj({"id": s.INT, "plate": s.STR, "model": s.STR, "connector_type": s.NULL_STR,
                 "is_default": s.BOOL, "created_at": s.TIME})
FEEDBACK_CREATE = s.obj({"category": {"enum": list(FEEDBACK_CATEGORIES)},
                         "content": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": r"\S"},
                         "photos": {**s.array({"type": "string", "maxLength": 512}), "maxItems": MAX_PHOTOS},
                         "order_id": _ID, "station_id": _ID}, ("category", "content"))
CHECKS = {"type": "object", "additionalProperties": {"enum": list(CHECK_STATES)}}
FEEDBACK = s.obj({**FEEDBACK_FIELDS, "photo_checks": CHECKS})       # the author's view
RATING_CREATE = s.obj({"station_stars": {"type": "integer", "minimum": 1, "maximum": 5},
                       "experience_stars": {"type": "integer", "minimum": 1, "maximum": 5},
                       "comment": {"type": "string", "maxLength": 500}}, ("station_stars", "experience_stars"))
RATING = s.obj({"order_id": s.INT, "station_id": s.NULL_INT, "station_stars": s.INT, "experience_stars": s.INT,
                "comment": s.STR, "created_at": s.TIME})


def vehicle(v: Vehicle) -> dict:
    return {"id": v.id, "plate": v.plate, "model": v.model, "connector_type": v.connector_type,
            "is_default": bool(v.is_default), "created_at": ts(v.created_at)}


async def my_feedback(request: web.Request, items: list[Feedback]) -> list[dict]:
    """The author's view: every photo, and the state of each one's content check (pending | pass | risky)."""
    states = await request.app[PROFILE].moderation.for_author([u for f in items for u in f.photos])
    return [{**feedback(f), "photo_checks": {u: states[u] for u in f.photos}} for f in items]


# -- vehicles --------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/driver/vehicles", "My vehicles (the default first)", "driver-profile",
            auth="driver", response=s.array(VEHICLE))
async def list_vehicles(request: web.Request) -> web.Response:
    return web.json_response([vehicle(v) for v in await request.app[PROFILE].vehicles.list(user_id(request))])


@routes.add("POST", "/api/v1/driver/vehicles", "Add a vehicle (Chinese plate, unique per driver)",
            "driver-profile", auth="driver", body=VEHICLE_CREATE, response=VEHICLE, status=201, errors=(409,))
@profile_errors
async def create_vehicle(request: web.Request) -> web.Response:
    d = body(request)
    v = await request.app[PROFILE].vehicles.create(user_id(request), plate=d["plate"], model=d.get("model", ""),
                                                 connector_type=d.get("connector_type"),
                                                 is_default=d.get("is_default", False))
    return web.json_response(vehicle(v), status=201)


@routes.add("PATCH", "/api/v1/driver/vehicles/{id}", "Change a vehicle", "driver-profile", auth="driver",
            body=VEHICLE_PATCH, response=VEHICLE, errors=(404, 409))
@profile_errors
async def patch_vehicle(request: web.Request) -> web.Response:
    v = await request.app[PROFILE].vehicles.update(user_id(request), int_param(request, "id"), **body(request))
    return web.json_response(vehicle(v))


@routes.add("DELETE", "/api/v1/driver/vehicles/{id}", "Remove a vehicle", "driver-profile", auth="driver",
            status=204, errors=(404,))
@profile_errors
async def delete_vehicle(request: web.Request) -> web.Response:
    await request.app[PROFILE].vehicles.delete(user_id(request), int_param(request, "id"))
    return web.Response(status=204)


# -- favourites ------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/driver/favourites", "My favourite stations, newest first", "driver-profile",
            auth="driver", response=s.array(CARD),
            query=(Query("lat", "number", "GCJ-02 latitude (for distance_m)"),
                   Query("lng", "number", "GCJ-02 longitude")))
@profile_errors
async def list_favourites(request: web.Request) -> web.Response:
    lat = coordinate(request, "lat", -90, 90, False)
    lng = coordinate(request, "lng", -180, 180, False)
    cards = await request.app[PROFILE].station_cards.favourite_cards(user_id(request), lat, lng)
    return web.json_response([card(c) for c in cards])


@routes.add("PUT", "/api/v1/driver/favourites/{station_id}", "Add a favourite station (idempotent)",
            "driver-profile", auth="driver", status=204, errors=(404, 409))
@profile_errors
async def put_favourite(request: web.Request) -> web.Response:
    await request.app[PROFILE].favourites.add(user_id(request), int_param(request, "station_id"))
    return web.Response(status=204)


@routes.add("DELETE", "/api/v1/driver/favourites/{station_id}", "Remove a favourite station", "driver-profile",
            auth="driver", status=204, errors=(404,))
@profile_errors
async def delete_favourite(request: web.Request) -> web.Response:
    await request.app[PROFILE].favourites.remove(user_id(request), int_param(request, "station_id"))
    return web.Response(status=204)


# -- feedback --------------------------------------------------------------------------------------------
@routes.add("GET", "/api/v1/driver/feedback", "My feedback, newest first", "driver-profile", auth="driver",
            response=s.array(FEEDBACK), query=PAGING)
async def list_feedback(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    page = await request.app[PROFILE].feedback.list(user_id(request), limit=limit, offset=offset)
    return paged(await my_feedback(request, page.items), page.total, limit, offset)


@routes.add("POST", "/api/v1/driver/feedback", "Report a problem or suggestion (photos from uploads; content checked)",
            "driver-profile", auth="driver", body=FEEDBACK_CREATE, response=FEEDBACK, status=201, errors=(422, 503))
@profile_errors
async def create_feedback(request: web.Request) -> web.Response:
    d = body(request)
    f = await request.app[PROFILE].feedback.create(
        user_id(request), category=d["category"], content=d["content"].strip(), photos=d.get("photos", []),
        order_id=d.get("order_id"), station_id=d.get("station_id"))
    return web.json_response((await my_feedback(request, [f]))[0], status=201)


@routes.add("GET", "/api/v1/driver/feedback/{id}", "One of my feedback items", "driver-profile", auth="driver",
            response=FEEDBACK, errors=(404,))
@profile_errors
async def get_feedback(request: web.Request) -> web.Response:
    f = await request.app[PROFILE].feedback.get(user_id(request), int_param(request, "id"))
    return web.json_response((await my_feedback(request, [f]))[0])


# -- ratings ---------------------------------------------------------------------------------------------
@routes.add("POST", "/api/v1/driver/orders/{id}/rating", "Rate a finished order (once; the comment is checked)",
            "driver-profile", auth="driver", body=RATING_CREATE, response=RATING, status=201,
            errors=(404, 409, 422, 503))
@profile_errors
async def rate_order(request: web.Request) -> web.Response:
    d = body(request)
    r = await request.app[PROFILE].ratings.rate(user_id(request), int_param(request, "id"),
                                              station_stars=d["station_stars"],
                                              experience_stars=d["experience_stars"], comment=d.get("comment", ""))
    return web.json_response({"order_id": r.order_id, "station_id": r.station_id, "station_stars": r.station_stars,
                              "experience_stars": r.experience_stars, "comment": r.comment,
                              "created_at": ts(r.created_at)}, status=201)
