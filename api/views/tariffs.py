"""Operator views of time-of-use tariffs: write a new version, list versions, the price now, a
local day's schedule. Bodies: docs/contract.md, section "Tariffs"."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from api import schemas as s
from api.context import CLOCK, REPOS, TARIFFS, body, int_param, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from csms.domain.tariffs import (
    EARLIEST,
    LATEST,
    MAX_GRACE_MINUTES,
    MAX_PRICE_FEN,
    MAX_SEGMENTS,
    PERIODS,
    InvalidTariff,
    Price,
    ScheduleEntry,
    TariffVersion,
    UnknownStation,
    prices_doc,
    segments_doc,
)

routes = RouteTable()

_HHMM = {"type": "string", "pattern": r"^([01]\d|2[0-4]):[0-5]\d$"}
_PERIOD = {"enum": list(PERIODS)}
_FEN = {"type": "integer", "minimum": 0, "maximum": MAX_PRICE_FEN}
SEGMENT = s.obj({"start": _HHMM, "end": _HHMM, "period": _PERIOD}, ("start", "end", "period"))
PERIOD_PRICE = s.obj({"energy_fen_per_kwh": _FEN, "service_fen_per_kwh": _FEN},
                     ("energy_fen_per_kwh", "service_fen_per_kwh"))
PRICES = s.obj({p: PERIOD_PRICE for p in PERIODS})
TARIFF_PUT = s.obj({"effective_from": s.TIME,
                    "segments": {**s.array(SEGMENT), "minItems": 1, "maxItems": MAX_SEGMENTS},
                    "prices": PRICES, "idle_fee_fen_per_min": _FEN,
                    "idle_grace_minutes": {"type": "integer", "minimum": 0, "maximum": MAX_GRACE_MINUTES}},
                   ("segments", "prices"))
VERSION = s.obj({"id": s.INT, "station_id": s.INT, "effective_from": s.TIME, "segments": s.array(SEGMENT),
                 "prices": PRICES, "idle_fee_fen_per_min": s.INT, "idle_grace_minutes": s.INT,
                 "created_at": s.TIME})
PRICE = s.obj({"period": _PERIOD, "energy_fen_per_kwh": s.INT, "service_fen_per_kwh": s.INT,
               "total_fen_per_kwh": s.INT, "until": s.TIME})
SCHEDULE_ENTRY = s.obj({"start": _HHMM, "end": _HHMM, "period": _PERIOD, "energy_fen_per_kwh": s.INT,
                        "service_fen_per_kwh": s.INT, "total_fen_per_kwh": s.INT})


def version(v: TariffVersion) -> dict:
    return {"id": v.id, "station_id": v.station_id, "effective_from": ts(v.effective_from),
            "segments": segments_doc(v.segments), "prices": prices_doc(v.prices),
            "idle_fee_fen_per_min": v.idle_fee_fen_per_min, "idle_grace_minutes": v.idle_grace_minutes,
            "created_at": ts(v.created_at)}


def price(p: Price) -> dict:
    return {"period": p.period, "energy_fen_per_kwh": p.energy_fen_per_kwh,
            "service_fen_per_kwh": p.service_fen_per_kwh, "total_fen_per_kwh": p.total_fen_per_kwh,
            "until": ts(p.until)}


def schedule_entry(e: ScheduleEntry) -> dict:
    return {"start": e.start, "end": e.end, "period": e.period, "energy_fen_per_kwh": e.energy_fen_per_kwh,
            "service_fen_per_kwh": e.service_fen_per_kwh, "total_fen_per_kwh": e.total_fen_per_kwh}


@routes.add("PUT", "/api/v1/admin/stations/{id}/tariff",
            "Set a station's tariff: a new version from effective_from (default now)", "tariffs",
            body=TARIFF_PUT, response=VERSION, status=201, errors=(400, 401, 404))
async def put_tariff(request: web.Request) -> web.Response:
    try:
        v = await request.app[TARIFFS].tariffs.set_tariff(int_param(request, "id"), body(request))
    except UnknownStation:
        raise not_found("station") from None
    except InvalidTariff as exc:
        raise bad_request(str(exc), "validation_error", field=exc.field) from None
    return web.json_response(version(v), status=201)


@routes.add("GET", "/api/v1/admin/stations/{id}/tariffs", "A station's tariff versions, newest first",
            "tariffs", response=s.array(VERSION), errors=(401, 404))
async def list_versions(request: web.Request) -> web.Response:
    try:
        versions = await request.app[TARIFFS].tariffs.versions(int_param(request, "id"))
    except UnknownStation:
        raise not_found("station") from None
    return web.json_response([version(v) for v in versions])


@routes.add("GET", "/api/v1/admin/stations/{id}/tariff/now", "The price in force now", "tariffs",
            response=PRICE, errors=(401, 404))
async def price_now(request: web.Request) -> web.Response:
    station_id = int_param(request, "id")
    p = await request.app[TARIFFS].tariffs.price_at(station_id, request.app[CLOCK].now())
    if p is None:
        if await request.app[REPOS].stations.get(station_id) is None:
            raise not_found("station")
        raise ApiError(404, "no_tariff", f"station {station_id} has no tariff in force")
    return web.json_response(price(p))


@routes.add("GET", "/api/v1/admin/stations/{id}/tariff/day",
            "A local day's prices (HH:MM in the station's time zone; default today)", "tariffs",
            response=s.array(SCHEDULE_ENTRY), query=(Query("date", description="YYYY-MM-DD, local"),),
            errors=(400, 401, 404))
async def day(request: web.Request) -> web.Response:
    station_id = int_param(request, "id")
    raw = params(request).get("date")
    try:
        if raw is None:
            tz = await request.app[TARIFFS].tariffs.timezone(station_id)
            the_day = request.app[CLOCK].now().astimezone(tz).date()
        else:
            try:
                the_day = date.fromisoformat(raw)
            except ValueError:
                raise bad_request(f"query parameter date: expected YYYY-MM-DD, got {raw!r}",
                                  "validation_error", field="date") from None
            if not EARLIEST.date() <= the_day < LATEST.date():
                raise bad_request(f"query parameter date: must be from {EARLIEST.year} to {LATEST.year - 1}",
                                  "validation_error", field="date")
        entries = await request.app[TARIFFS].tariffs.day_schedule(station_id, the_day)
    except UnknownStation:
        raise not_found("station") from None
    return web.json_response([schedule_entry(e) for e in entries])
