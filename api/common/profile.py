"""The driver's map and personal centre as the API shows them: schemas, JSON views, the profile
services' refusals as API errors, query coordinates."""

from __future__ import annotations

import functools
import math

from aiohttp import web

from api import schemas as s
from api.context import params
from api.errors import ApiError, bad_request
from api.serializers import ts
from csms.domain.profile import (
    DRIVER_STATUSES,
    FEEDBACK_CATEGORIES,
    FEEDBACK_STATES,
    Feedback,
    ProfileError,
    StationCard,
    StationDetails,
)
from csms.services.qr import InvalidQr
from csms.services.station_cards import ConnectorView, StationDetail


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


FEEDBACK_FIELDS = {"id": s.INT, "category": {"enum": list(FEEDBACK_CATEGORIES)}, "content": s.STR,
                   "photos": s.array(s.STR), "order_id": s.NULL_INT, "station_id": s.NULL_INT,
                   "status": {"enum": list(FEEDBACK_STATES)}, "reply": s.NULL_STR, "created_at": s.TIME,
                   "updated_at": s.TIME}
FEEDBACK = s.obj(FEEDBACK_FIELDS)


def feedback(f: Feedback) -> dict:
    return {"id": f.id, "category": f.category, "content": f.content, "photos": list(f.photos),
            "order_id": f.order_id, "station_id": f.station_id, "status": f.status, "reply": f.reply,
            "created_at": ts(f.created_at), "updated_at": ts(f.updated_at)}
