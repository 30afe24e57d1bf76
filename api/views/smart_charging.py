"""REST views of the smart_charging feature: charging profiles and composite schedules, firmware
updates and publishing, log uploads, display messages. Typed commands take one body whatever the
charge point's version; an action the version lacks is 400 ``unknown_action``."""

from __future__ import annotations

from aiohttp import web

from api.context import CLOCK, REPOS, SMART_CHARGING, body, params
from api.errors import bad_request, not_found
from api.routing import Query, RouteTable
from api.schemas import BOOL, INT, NULL_INT, NULL_STR, NULL_TIME, STR, TIME, array, obj
from api.serializers import ts
from api.common.commands import run_command
from csms.domain.smart_charging import InvalidProfile
from csms.domain.times import parse_iso as parse_time
from csms.domain.smart_charging_codec import message_from_dict, message_to_dict, profile_from_dict, profile_to_dict

routes = RouteTable()
_CP = "/api/v1/admin/charge-points/{id}"
_ERRORS = (400, 401, 404, 409, 502, 504)

# -- schemas ---------------------------------------------------------------------------------------
_ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_EVSE = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_PURPOSE = {"enum": ["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]}
_UNIT = {"enum": ["A", "W"]}
_PERIOD = obj({"start_period": {"type": "integer", "minimum": 0}, "limit": {"type": "number", "minimum": 0},
               "number_phases": {"type": "integer", "minimum": 1, "maximum": 3}}, ("start_period", "limit"))
_SCHEDULE = obj({"charging_rate_unit": _UNIT, "periods": {**array(_PERIOD), "minItems": 1, "maxItems": 1024},
                 "duration": {"type": "integer", "minimum": 0}, "start_schedule": TIME,
                 "min_charging_rate": {"type": "number", "minimum": 0}}, ("charging_rate_unit", "periods"))
PROFILE = obj({"id": _ID, "stack_level": {"type": "integer", "minimum": 0, "maximum": 1000}, "purpose": _PURPOSE,
               "kind": {"enum": ["Absolute", "Recurring", "Relative"]},
               "recurrency_kind": {"enum": ["Daily", "Weekly"]},
               "valid_from": TIME, "valid_to": TIME, "transaction_id": {"type": "integer", "minimum": 1},
               "schedule": _SCHEDULE}, ("id", "stack_level", "purpose", "kind", "schedule"))
INSTALLED = obj({"evse_id": INT, "connector_id": INT, "source": STR, "ocpp_transaction_id": NULL_STR,
                 "updated_at": NULL_TIME, "profile": PROFILE})
_PERIOD_OUT = obj({"start_period": INT, "limit": {"type": ["number", "null"]}, "number_phases": NULL_INT})
COMPOSITE = obj({"evse_id": INT, "schedule_start": TIME, "duration": INT, "charging_rate_unit": STR,
                 "periods": array(_PERIOD_OUT)})
_LOCATION = {"type": "string", "minLength": 1, "maxLength": 512}
_COUNT = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_MSG = obj({"format": {"enum": ["ASCII", "HTML", "URI", "UTF8"]}, "content": {"type": "string", "maxLength": 512},
            "language": {"type": "string", "maxLength": 8}}, ("format", "content"))
_PRIORITY = {"enum": ["AlwaysFront", "InFront", "NormalCycle"]}
_STATE = {"enum": ["Charging", "Faulted", "Idle", "Unavailable"]}
DISPLAY_MESSAGE = obj({"id": INT, "priority": STR, "message": _MSG, "state": NULL_STR, "start_date": NULL_TIME,
                       "end_date": NULL_TIME, "transaction_id": NULL_STR, "evse_id": NULL_INT, "source": STR,
                       "updated_at": NULL_TIME})
FIRMWARE_JOB = obj({"request_id": INT, "kind": STR, "status": STR, "location": STR, "retrieve_date": NULL_TIME,
                    "install_date": NULL_TIME, "retries": NULL_INT, "retry_interval": NULL_INT, "signed": BOOL,
                    "checksum": NULL_STR, "created_at": TIME, "updated_at": TIME})
LOG_JOB = obj({"request_id": INT, "log_type": STR, "status": STR, "location": STR, "start_time": NULL_TIME,
               "stop_time": NULL_TIME, "retries": NULL_INT, "retry_interval": NULL_INT, "file_name": NULL_STR,
               "created_at": TIME, "updated_at": TIME})
_RESULT = obj({"status": STR}, ("status",), extra=True)
_LOG_BODY = {"location": _LOCATION, "start_time": TIME, "stop_time": TIME, "retries": _COUNT, "retry_interval": _COUNT}

BODIES = {
    "set-charging-profile": obj({"connector_id": _EVSE, "profile": PROFILE}, ("connector_id", "profile")),
    "clear-charging-profile": obj({"id": _ID, "connector_id": _EVSE, "purpose": _PURPOSE,
                                   "stack_level": {"type": "integer", "minimum": 0}}),
    "get-composite-schedule": obj({"connector_id": _EVSE, "duration": {"type": "integer", "minimum": 1,
                                                                        "maximum": 7 * 86400},
                                   "charging_rate_unit": _UNIT}, ("connector_id", "duration")),
    "get-charging-profiles": obj({"connector_id": _EVSE, "purpose": _PURPOSE, "stack_level": {"type": "integer",
                                                                                           "minimum": 0},
                                  "ids": {**array(_ID), "minItems": 1}}),
    "update-firmware": obj({"location": _LOCATION, "retrieve_date": TIME, "install_date": TIME, "retries": _COUNT,
                            "retry_interval": _COUNT, "signature": {"type": "string", "maxLength": 800},
                            "signing_certificate": {"type": "string", "maxLength": 5500}}, ("location",)),
    "get-diagnostics": obj(_LOG_BODY, ("location",)),
    "get-log": obj({**_LOG_BODY, "log_type": {"enum": ["DiagnosticsLog", "SecurityLog"]}}, ("location", "log_type")),
    "publish-firmware": obj({"location": _LOCATION, "checksum": {"type": "string", "minLength": 1, "maxLength": 32},
                             "retries": _COUNT, "retry_interval": _COUNT}, ("location", "checksum")),
    "unpublish-firmware": obj({"checksum": {"type": "string", "minLength": 1, "maxLength": 32}}, ("checksum",)),
    "set-display-message": obj({"id": _ID, "priority": _PRIORITY, "message": _MSG, "state": _STATE,
                                "start_date": TIME, "end_date": TIME, "transaction_id": {"type": "string",
                                                                                         "maxLength": 36},
                                "evse_id": {"type": "integer", "minimum": 1}}, ("priority", "message")),
    "get-display-messages": obj({"ids": {**array(_ID), "minItems": 1}, "priority": _PRIORITY, "state": _STATE}),
    "clear-display-message": obj({"id": _ID}, ("id",)),
}


def _time(d: dict, key: str):
    return parse_time(d[key]) if d.get(key) else None


def installed(ip) -> dict:
    return {"evse_id": ip.evse_id, "connector_id": ip.evse_id, "source": ip.source,
            "ocpp_transaction_id": ip.ocpp_transaction_id, "updated_at": ts(ip.updated_at),
            "profile": profile_to_dict(ip.profile)}


def firmware_job(j) -> dict:
    return {"request_id": j.id, "kind": j.kind, "status": j.status, "location": j.location,
            "retrieve_date": ts(j.retrieve_at), "install_date": ts(j.install_at), "retries": j.retries,
            "retry_interval": j.retry_interval, "signed": j.signed, "checksum": j.checksum,
            "created_at": ts(j.created_at), "updated_at": ts(j.updated_at)}


def log_job(j) -> dict:
    return {"request_id": j.id, "log_type": j.log_type, "status": j.status, "location": j.location,
            "start_time": ts(j.oldest_at), "stop_time": ts(j.latest_at), "retries": j.retries,
            "retry_interval": j.retry_interval, "file_name": j.file_name, "created_at": ts(j.created_at),
            "updated_at": ts(j.updated_at)}


# -- command bodies -> service calls -----------------------------------------------------------------
def _set_profile(app, d):
    profile = profile_from_dict(d["profile"])
    return lambda cp: app[SMART_CHARGING].smart_charging.set_profile(cp, d["connector_id"], profile)


def _clear_profile(app, d):
    return lambda cp: app[SMART_CHARGING].smart_charging.clear_profile(cp, profile_id=d.get("id"), evse_id=d.get("connector_id"),
                                                     purpose=d.get("purpose"), stack_level=d.get("stack_level"))


def _composite(app, d):
    return lambda cp: app[SMART_CHARGING].smart_charging.station_composite(cp, d["connector_id"], d["duration"],
                                                         d.get("charging_rate_unit"))


async def _profiles(app, cp, d):
    result = await app[SMART_CHARGING].smart_charging.request_profiles(cp, evse_id=d.get("connector_id"), purpose=d.get("purpose"),
                                                     stack_level=d.get("stack_level"),
                                                     profile_ids=tuple(d.get("ids", ())))
    if "profiles" in result:
        result = {**result, "profiles": [installed(ip) for ip in result["profiles"]]}
    return result


def _update(app, d):
    return lambda cp: app[SMART_CHARGING].firmware.update(
        cp, location=d["location"], retrieve_at=_time(d, "retrieve_date") or app[CLOCK].now(),
        install_at=_time(d, "install_date"), retries=d.get("retries"), retry_interval=d.get("retry_interval"),
        signature=d.get("signature"), signing_certificate=d.get("signing_certificate"))


def _log(app, d, log_type: str, diagnostics: bool):
    return lambda cp: app[SMART_CHARGING].firmware.get_log(
        cp, location=d["location"], log_type=log_type, oldest_at=_time(d, "start_time"),
        latest_at=_time(d, "stop_time"), retries=d.get("retries"), retry_interval=d.get("retry_interval"),
        diagnostics=diagnostics)


def _publish(app, d):
    return lambda cp: app[SMART_CHARGING].firmware.publish(cp, location=d["location"], checksum=d["checksum"],
                                         retries=d.get("retries"), retry_interval=d.get("retry_interval"))


def _set_message(app, d):
    message = message_from_dict(d, d.get("id", 0))
    return lambda cp: app[SMART_CHARGING].display_messages.set(cp, message, new_id="id" not in d)


TYPED = {
    "set-charging-profile": ("Install a charging profile on a connector / EVSE (0 = the charge point)", _set_profile),
    "clear-charging-profile": ("Clear charging profiles by id or by criteria", _clear_profile),
    "get-composite-schedule": ("Ask the charge point for its composite schedule", _composite),
    "get-charging-profiles": ("Ask for installed profiles (2.0.1: ReportChargingProfiles; 1.6: the CSMS's store)",
                              lambda app, d: lambda cp: _profiles(app, cp, d)),
    "update-firmware": ("Update the firmware (signed when signature and signing_certificate are given)", _update),
    "get-diagnostics": ("Upload diagnostics (1.6 GetDiagnostics; 2.0.1 GetLog DiagnosticsLog)",
                        lambda app, d: _log(app, d, "DiagnosticsLog", True)),
    "get-log": ("Upload a diagnostics or security log (GetLog)", lambda app, d: _log(app, d, d["log_type"], False)),
    "publish-firmware": ("Publish a firmware file to the local controller's stations (2.0.1)", _publish),
    "unpublish-firmware": ("Stop publishing a firmware file (2.0.1)",
                           lambda app, d: lambda cp: app[SMART_CHARGING].firmware.unpublish(cp, d["checksum"])),
    "set-display-message": ("Show a message on the charge point's display (2.0.1)", _set_message),
    "get-display-messages": ("Ask for the messages shown (2.0.1; they arrive in NotifyDisplayMessages)",
                             lambda app, d: lambda cp: app[SMART_CHARGING].display_messages.request(
                                 cp, ids=tuple(d.get("ids", ())), priority=d.get("priority"), state=d.get("state"))),
    "clear-display-message": ("Remove a display message (2.0.1)",
                              lambda app, d: lambda cp: app[SMART_CHARGING].display_messages.clear(cp, d["id"])),
}


def _command(name: str, build):
    async def handler(request: web.Request) -> web.Response:
        try:
            result = await run_command(request, build(request.app, body(request)))
        except InvalidProfile as exc:
            raise bad_request(str(exc), "validation_error", field=exc.field) from None
        return web.json_response(result)
    handler.__name__ = name.replace("-", "_")
    return handler


for _name, (_summary, _build) in TYPED.items():
    routes.add("POST", f"{_CP}/commands/{_name}", _summary, "commands", body=BODIES[_name], response=_RESULT,
               errors=_ERRORS)(_command(_name, _build))


# -- what the CSMS knows -----------------------------------------------------------------------------
async def _known_cp(request: web.Request) -> str:
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    return cp_id


@routes.add("GET", f"{_CP}/charging-profiles", "The charging profiles the CSMS believes are installed",
            "smart-charging", response=array(INSTALLED), query=(Query("connector_id", "integer", minimum=0),),
            errors=(401, 404))
async def charging_profiles(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    found = await request.app[SMART_CHARGING].smart_charging.installed(cp_id, params(request).get("connector_id"))
    return web.json_response([installed(ip) for ip in found])


@routes.add("GET", f"{_CP}/composite-schedule", "The composite schedule computed from the installed profiles",
            "smart-charging", response=COMPOSITE,
            query=(Query("connector_id", "integer", minimum=0), Query("duration", "integer", minimum=1,
                                                                      maximum=7 * 86400),
                   Query("charging_rate_unit", enum=("A", "W")), Query("start", "date-time")),
            errors=(400, 401, 404))
async def composite_schedule(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    q = params(request)
    if "connector_id" not in q or "duration" not in q:
        raise bad_request("connector_id and duration are required", "validation_error")
    s = await request.app[SMART_CHARGING].smart_charging.computed_composite(
        cp_id, q["connector_id"], q["duration"], q.get("charging_rate_unit"), q.get("start"))
    return web.json_response({
        "evse_id": s.evse_id, "schedule_start": ts(s.schedule_start), "duration": s.duration,
        "charging_rate_unit": s.charging_rate_unit,
        "periods": [{"start_period": p.start_period, "limit": p.limit, "number_phases": p.number_phases}
                    for p in s.periods]})


@routes.add("GET", f"{_CP}/charging-reports", "Charging limits and EV charging needs/schedules the station reported",
            "smart-charging", query=(Query("kind", enum=("charging_limit", "charging_limit_cleared",
                                                         "ev_charging_needs", "ev_charging_schedule")),),
            response=array(obj({"id": INT, "kind": STR, "evse_id": NULL_INT, "data": {"type": "object"},
                                "at": TIME})), errors=(401, 404))
async def charging_reports(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    found = await request.app[SMART_CHARGING].smart_charging.reports.list(cp_id, params(request).get("kind"))
    return web.json_response([{"id": r.id, "kind": r.kind, "evse_id": r.evse_id, "data": r.data, "at": ts(r.at)}
                              for r in found])


@routes.add("GET", f"{_CP}/firmware-updates", "Firmware update and publish requests, newest first", "firmware",
            response=array(FIRMWARE_JOB), errors=(401, 404))
async def firmware_updates(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    return web.json_response([firmware_job(j) for j in await request.app[SMART_CHARGING].firmware.firmware_updates(cp_id)])


@routes.add("GET", f"{_CP}/log-requests", "Diagnostics and log upload requests, newest first", "firmware",
            response=array(LOG_JOB), errors=(401, 404))
async def log_requests(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    return web.json_response([log_job(j) for j in await request.app[SMART_CHARGING].firmware.log_requests(cp_id)])


@routes.add("GET", f"{_CP}/display-messages", "The display messages the CSMS believes are shown (2.0.1)",
            "display-messages", response=array(DISPLAY_MESSAGE), errors=(401, 404))
async def display_messages(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    return web.json_response([message_to_dict(m) for m in await request.app[SMART_CHARGING].display_messages.shown(cp_id)])
