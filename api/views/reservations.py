"""REST views of the reservations feature: reserve / cancel, the reservation records, and the local
authorization list (send, read its version on the charge point, what the CSMS last had accepted).
One body for both OCPP versions; commands map errors as api.views.commands._run does."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from api import schemas as s
from api.context import REPOS, RESERVATIONS, body, int_param, paged, paging, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.serializers import ts
from api.validation import PAGING
from api.common.commands import run_command
from csms.domain.reservations import (
    RESERVATION_STATES,
    LocalAuthEntry,
    LocalList,
    Reservation,
)
from csms.services.reservations import InvalidRequest, UnknownReservation

routes = RouteTable()

_TAG = {"type": "string", "minLength": 1, "maxLength": 36}
_TOKEN_TYPE = {"enum": ["Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress",
                        "NoAuthorization"]}
RESERVE_NOW = s.obj({"connector_id": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "id_tag": _TAG,
                     "expiry_date": s.TIME, "parent_id_tag": _TAG,
                     "connector_type": {"type": "string", "minLength": 1, "maxLength": 32},
                     "id_token_type": _TOKEN_TYPE}, ("connector_id", "id_tag"))
RESERVE_RESULT = s.obj({"status": s.STR, "reservation_id": s.INT}, ("status", "reservation_id"), extra=True)
CANCEL = s.obj({"reservation_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}, ("reservation_id",))
RESERVATION = s.obj({"id": s.INT, "charge_point_id": s.STR, "connector_id": s.INT, "id_tag": s.STR,
                     "parent_id_tag": s.NULL_STR, "connector_type": s.NULL_STR, "expiry_date": s.TIME,
                     "status": {"enum": list(RESERVATION_STATES)}, "ocpp_status": s.NULL_STR,
                     "transaction_id": s.NULL_INT, "reason": s.NULL_STR, "created_at": s.TIME,
                     "updated_at": s.TIME})
_ENTRY_FIELDS = {"id_tag": _TAG, "status": {"enum": ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"]},
                 "expiry_date": s.NULL_TIME, "group_id": {"type": ["string", "null"], "maxLength": 36},
                 "id_token_type": _TOKEN_TYPE}
SEND_LOCAL_LIST = s.obj({"update_type": {"enum": ["Full", "Differential"]},
                         "entries": {**s.array(s.obj(_ENTRY_FIELDS, ("id_tag",))), "maxItems": 10000},
                         "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                         "from_id_tags": s.BOOL}, ("update_type",))
LOCAL_LIST_RESULT = s.obj({"status": s.STR, "version": s.INT}, ("status", "version"), extra=True)
LOCAL_LIST = s.obj({"version": s.INT, "updated_at": s.NULL_TIME,
                    "entries": s.array(s.obj({**_ENTRY_FIELDS, "status": s.STR}))})
_COMMAND_ERRORS = (400, 401, 404, 409, 502, 504)


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise bad_request(f"{name}: not an ISO 8601 time: {value!r}", "validation_error", field=name) from None


def _invalid(exc: InvalidRequest) -> ApiError:
    return bad_request(str(exc), "validation_error", field=exc.field)


def reservation(r: Reservation) -> dict:
    return {"id": r.id, "charge_point_id": r.charge_point_id, "connector_id": r.connector_id, "id_tag": r.id_tag,
            "parent_id_tag": r.parent_id_tag, "connector_type": r.connector_type, "expiry_date": ts(r.expiry_date),
            "status": r.status, "ocpp_status": r.ocpp_status, "transaction_id": r.transaction_id,
            "reason": r.reason, "created_at": ts(r.created_at), "updated_at": ts(r.updated_at)}


def local_list(lst: LocalList) -> dict:
    return {"version": lst.version, "updated_at": ts(lst.updated_at),
            "entries": [{"id_tag": e.id_tag, "status": e.status, "expiry_date": ts(e.expiry_date),
                         "group_id": e.group_id, "id_token_type": e.token_type} for e in lst.entries]}


# -- reservations ------------------------------------------------------------------------------------
@routes.add("POST", "/api/v1/admin/charge-points/{id}/commands/reserve-now",
            "Reserve a connector (0 = any) for an id tag", "reservations",
            body=RESERVE_NOW, response=RESERVE_RESULT, errors=_COMMAND_ERRORS)
async def reserve_now(request: web.Request) -> web.Response:
    d = body(request)
    service = request.app[RESERVATIONS].reservations

    async def go(cp_id: str):
        return await service.reserve(cp_id, connector_id=d["connector_id"], id_tag=d["id_tag"],
                                     expiry_date=_time(d.get("expiry_date"), "expiry_date"),
                                     parent_id_tag=d.get("parent_id_tag"), connector_type=d.get("connector_type"),
                                     token_type=d.get("id_token_type", "ISO14443"))
    try:
        r = await run_command(request, go)
    except InvalidRequest as exc:
        raise _invalid(exc) from None
    out = {"status": r.ocpp_status, "reservation_id": r.id, "reservation": reservation(r)}
    if r.reason:
        out["reason"] = r.reason      # 2.0.1 statusInfo.reasonCode
    return web.json_response(out)


@routes.add("POST", "/api/v1/admin/charge-points/{id}/commands/cancel-reservation", "Cancel a reservation",
            "reservations", body=CANCEL, response=s.COMMAND_RESULT, errors=_COMMAND_ERRORS)
async def cancel_reservation(request: web.Request) -> web.Response:
    rid = body(request)["reservation_id"]
    service = request.app[RESERVATIONS].reservations
    try:
        result = await run_command(request, lambda cp_id: service.cancel(cp_id, rid))
    except UnknownReservation as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return web.json_response(result)


@routes.add("GET", "/api/v1/admin/reservations", "List reservations, newest first", "reservations",
            response=s.array(RESERVATION),
            query=(Query("charge_point_id"), Query("status", enum=RESERVATION_STATES), *PAGING))
async def list_reservations(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[RESERVATIONS].reservations.list(charge_point_id=q.get("charge_point_id"),
                                                      status=q.get("status"), limit=limit, offset=offset)
    return paged([reservation(r) for r in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/reservations/{id}", "A reservation", "reservations", response=RESERVATION,
            errors=(401, 404))
async def get_reservation(request: web.Request) -> web.Response:
    r = await request.app[RESERVATIONS].reservations.get(int_param(request, "id"))
    if r is None:
        raise not_found("reservation")
    return web.json_response(reservation(r))


# -- local authorization list ------------------------------------------------------------------------
def _entries(raw: list[dict]) -> list[LocalAuthEntry]:
    return [LocalAuthEntry(e["id_tag"], e.get("status"), _time(e.get("expiry_date"), "entries.expiry_date"),
                           e.get("group_id"), e.get("id_token_type", "ISO14443")) for e in raw]


@routes.add("POST", "/api/v1/admin/charge-points/{id}/commands/send-local-list",
            "Send the local authorization list (Full or Differential)", "reservations",
            body=SEND_LOCAL_LIST, response=LOCAL_LIST_RESULT, errors=_COMMAND_ERRORS)
async def send_local_list(request: web.Request) -> web.Response:
    d = body(request)
    entries = _entries(d.get("entries", []))
    service = request.app[RESERVATIONS].local_lists
    try:
        result = await run_command(request, lambda cp_id: service.send(
            cp_id, update_type=d["update_type"], entries=entries, version=d.get("version"),
            from_id_tags=d.get("from_id_tags", False)))
    except InvalidRequest as exc:
        raise _invalid(exc) from None
    return web.json_response(result)


@routes.add("POST", "/api/v1/admin/charge-points/{id}/commands/get-local-list-version",
            "Read the local authorization list version of the charge point", "reservations",
            body=s.obj({}), response=LOCAL_LIST_RESULT, errors=_COMMAND_ERRORS)
async def get_local_list_version(request: web.Request) -> web.Response:
    service = request.app[RESERVATIONS].local_lists
    return web.json_response(await run_command(request, service.get_version))


@routes.add("GET", "/api/v1/admin/charge-points/{id}/local-list",
            "The local authorization list the charge point last accepted", "reservations",
            response=LOCAL_LIST, errors=(401, 404))
async def get_local_list(request: web.Request) -> web.Response:
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    return web.json_response(local_list(await request.app[RESERVATIONS].local_lists.current(cp_id)))
