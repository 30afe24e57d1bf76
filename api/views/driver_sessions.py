"""Charging sessions of the caller: start (scan to charge), live view, stop, stop-at limits; and the
caller's connector reservations."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import CHARGING, PAYMENTS, REPOS, SETTINGS, body, int_param
from api.errors import ApiError, not_found
from api.routing import RouteTable
from api.serializers import ts
from api.common.drivers import limit, own_order, refused, user_id
from api.common.orders import SESSION_SCHEMA
from csms.domain.errors import CallTimeout, NotConnected
from csms.services.charging_start import StartRefused
from csms.services.payments import PaymentError

routes = RouteTable()

_CONNECTOR = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_CP = s.CP_ID
STOP_AT = s.obj({"energy_wh": {"type": ["integer", "null"], "minimum": 1, "maximum": 10**7},
                 "amount_fen": {"type": ["integer", "null"], "minimum": 1, "maximum": 10**7},
                 "minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 7 * 24 * 60}})
START = s.obj({"charge_point_id": _CP, "connector_id": _CONNECTOR, "pay_mode": {"enum": ["wallet", "prepay"]},
               "prepay_fen": {"type": "integer", "minimum": 1, "maximum": 10**7},
               "vehicle_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**63 - 1}, "stop_at": STOP_AT},
              ("charge_point_id", "connector_id", "pay_mode"))
SESSION = SESSION_SCHEMA
RESERVE = s.obj({"charge_point_id": _CP, "connector_id": _CONNECTOR}, ("charge_point_id", "connector_id"))
RESERVATION = s.obj({"id": s.INT, "state": s.STR, "charge_point_id": s.STR, "connector_id": s.INT,
                     "expires_at": s.TIME, "fee_fen": s.INT}, extra=True)
_ERRORS = (400, 402, 404, 409, 429)


async def session(request: web.Request, order) -> dict:
    return await request.app[PAYMENTS].updates.session(order)


@routes.add("POST", "/api/v1/driver/sessions", "Start charging (scan to charge)", "driver", auth="driver",
            body=START, response=SESSION, status=201, errors=_ERRORS, signed=True)
async def start(request: web.Request) -> web.Response:
    uid = user_id(request)
    await limit(request, f"start:{uid}", request.app[SETTINGS].driver.start_rate)
    data = body(request)
    if data["pay_mode"] == "prepay" and "prepay_fen" not in data:
        raise ApiError(400, "validation_error", "prepay needs prepay_fen", field="prepay_fen")
    try:
        order, _ = await request.app[CHARGING].start.start(
            uid, data["charge_point_id"], data["connector_id"], pay_mode=data["pay_mode"],
            prepay_fen=data.get("prepay_fen", 0), vehicle_id=data.get("vehicle_id"), stop_at=data.get("stop_at"))
    except StartRefused as exc:
        raise refused(exc) from None
    except PaymentError as exc:
        raise ApiError(503, exc.code, str(exc)) from None
    return web.json_response(await session(request, order), status=201)


@routes.add("GET", "/api/v1/driver/sessions/current", "The caller's open sessions", "driver", auth="driver",
            response=s.array(SESSION))
async def current(request: web.Request) -> web.Response:
    orders = await request.app[REPOS].orders.open_orders(user_id=user_id(request))
    return web.json_response([await session(request, o) for o in orders])


@routes.add("GET", "/api/v1/driver/sessions/{id}", "One session (the polling fallback of the push)", "driver",
            auth="driver", response=SESSION, errors=(404,))
async def get_session(request: web.Request) -> web.Response:
    return web.json_response(await session(request, await own_order(request)))


@routes.add("POST", "/api/v1/driver/sessions/{id}/stop", "Stop charging", "driver", auth="driver",
            response=SESSION, status=202, errors=(404, 409), signed=True)
async def stop(request: web.Request) -> web.Response:
    order = await own_order(request)
    if order.state not in ("created", "starting", "charging"):
        raise ApiError(409, "not_running", f"the session is {order.state}")
    order = await request.app[CHARGING].stop.stop(order, "driver")
    return web.json_response(await session(request, order), status=202)


@routes.add("PUT", "/api/v1/driver/sessions/{id}/stop-at", "Stop automatically at an energy, amount or time",
            "driver", auth="driver", body=STOP_AT, response=SESSION, errors=(404, 409), signed=True)
async def stop_at(request: web.Request) -> web.Response:
    order = await own_order(request)
    if order.state not in ("created", "starting", "charging"):
        raise ApiError(409, "not_running", f"the session is {order.state}")
    order = await request.app[CHARGING].stop.set_stop_at(order, body(request))
    return web.json_response(await session(request, order))


def reservation_view(r, fee: int) -> dict:
    state = {"Requested": "requested", "Accepted": "active", "Used": "used", "Cancelled": "cancelled",
             "Expired": "expired", "Cleared": "cancelled", "Failed": "failed", "Rejected": "rejected"}
    return {"id": r.id, "state": state.get(r.status, r.status.lower()), "charge_point_id": r.charge_point_id,
            "connector_id": r.connector_id, "expires_at": ts(r.expiry_date), "fee_fen": fee,
            "created_at": ts(r.created_at)}


@routes.add("POST", "/api/v1/driver/reservations", "Reserve a connector", "driver", auth="driver", body=RESERVE,
            response=RESERVATION, status=201, errors=_ERRORS + (504,), signed=True)
async def reserve(request: web.Request) -> web.Response:
    uid = user_id(request)
    await limit(request, f"start:{uid}", request.app[SETTINGS].driver.start_rate)
    data = body(request)
    try:
        r, fee = await request.app[CHARGING].reservations.reserve(uid, data["charge_point_id"], data["connector_id"])
    except StartRefused as exc:
        raise refused(exc) from None
    except NotConnected:
        raise ApiError(409, "offline", "the charge point is offline") from None
    except CallTimeout:
        raise ApiError(504, "timeout", "the charge point did not answer") from None
    return web.json_response(reservation_view(r, fee), status=201)


@routes.add("GET", "/api/v1/driver/reservations", "The caller's reservations", "driver", auth="driver",
            response=s.array(RESERVATION))
async def my_reservations(request: web.Request) -> web.Response:
    mine = await request.app[CHARGING].reservations.mine(user_id(request))
    return web.json_response([reservation_view(r, fee) for r, fee in mine])


@routes.add("DELETE", "/api/v1/driver/reservations/{id}", "Cancel a reservation", "driver", auth="driver",
            response=RESERVATION, errors=(404, 409, 504), signed=True)
async def cancel_reservation(request: web.Request) -> web.Response:
    rid = int_param(request, "id")
    try:
        result = await request.app[CHARGING].reservations.cancel(user_id(request), rid)
    except NotConnected:
        raise ApiError(409, "offline", "the charge point is offline") from None
    except CallTimeout:
        raise ApiError(504, "timeout", "the charge point did not answer") from None
    if result is None:
        raise not_found("reservation")
    if result["status"] != "Accepted":
        raise ApiError(409, "not_cancellable", "the reservation can no longer be cancelled")
    r = await request.app[CHARGING].reservations.get(user_id(request), rid)
    fee = dict(await request.app[REPOS].driver_reservations.of_user(user_id(request))).get(rid, 0)
    return web.json_response(reservation_view(r, fee))
