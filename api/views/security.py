"""REST views of the security feature: security events, alarms, certificates, credentials, the
2.0.1 device model and monitoring. Typed commands take one body for both OCPP versions."""

from __future__ import annotations

from aiohttp import web

from api.context import COMMANDS, REPOS, SECURITY, body, int_param, paged, paging, params
from api.errors import ApiError, bad_request, not_found
from api.routing import Query, RouteTable
from api.schemas import BOOL, INT, NULL_STR, STR, array, obj
from api.serializers import ts
from api.validation import PAGING
from api.common.commands import run_command
from csms.domain import provisioning as p
from csms.domain.security import (CERTIFICATE_TYPES, INSTALLABLE, CertificateHashData, ExtendedTriggerMessage,
                                  UpgradeSecurityProfile)
from csms.domain.states import IllegalTransition
from csms.services.message_limits import MessageTooLarge
from csms.services.security import UnknownAlarm
from csms.services.security_credentials import ProfileRefused

routes = RouteTable()
CP = "/api/v1/admin/charge-points/{id}"
_ERR = (400, 401, 404, 409, 502, 504)
RESULT = obj({"status": STR}, ("status",), extra=True)


async def _known_cp(request: web.Request) -> str:
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    return cp_id


# -- security events and alarms ------------------------------------------------------------------------
SECURITY_EVENT = obj({"id": INT, "type": STR, "timestamp": STR, "tech_info": NULL_STR, "received_at": STR})
ALARM = obj({"id": INT, "charge_point_id": STR, "source": STR, "type": STR, "message": STR, "status": STR,
             "raised_at": STR, "acknowledged_at": NULL_STR, "cleared_at": NULL_STR})


def _alarm(a) -> dict:
    return {"id": a.id, "charge_point_id": a.charge_point_id, "source": a.source, "type": a.type,
            "message": a.message, "status": a.status, "raised_at": ts(a.raised_at),
            "acknowledged_at": ts(a.acknowledged_at), "cleared_at": ts(a.cleared_at)}


@routes.add("GET", CP + "/security-events", "Security events a charge point reported, newest first", "security",
            response=array(SECURITY_EVENT), query=PAGING, errors=(401, 404))
async def security_events(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    limit, offset = paging(request)
    page = await request.app[SECURITY].security_events.list(cp_id, limit=limit, offset=offset)
    return paged([{"id": e.id, "type": e.type, "timestamp": ts(e.timestamp), "tech_info": e.tech_info,
                   "received_at": ts(e.received_at)} for e in page.items], page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/alarms", "Alarms, newest first", "security", response=array(ALARM),
            query=(Query("charge_point_id"), Query("status", enum=("Raised", "Acknowledged", "Cleared")), *PAGING))
async def alarms(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[SECURITY].alarms.list(charge_point_id=q.get("charge_point_id"), status=q.get("status"),
                                                limit=limit, offset=offset)
    return paged([_alarm(a) for a in page.items], page.total, limit, offset)


def _alarm_move(name: str):
    async def handler(request: web.Request) -> web.Response:
        service = request.app[SECURITY].alarms
        try:
            alarm = await getattr(service, name)(int_param(request, "id"))
        except UnknownAlarm:
            raise not_found("alarm") from None
        except IllegalTransition as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        return web.json_response(_alarm(alarm))
    handler.__name__ = f"alarm_{name}"
    return handler


routes.add("POST", "/api/v1/admin/alarms/{id}/acknowledge", "Acknowledge an alarm (Raised -> Acknowledged)",
           "security", body=obj({}), response=ALARM, errors=(401, 404, 409))(_alarm_move("acknowledge"))
routes.add("POST", "/api/v1/admin/alarms/{id}/clear", "Clear an alarm", "security", body=obj({}), response=ALARM,
           errors=(401, 404, 409))(_alarm_move("clear"))


# -- certificates --------------------------------------------------------------------------------------
CERTIFICATE = obj({"id": INT, "serial": STR, "certificate_type": STR, "subject": STR, "not_before": STR,
                   "not_after": STR, "issued_at": STR, "pem": STR})


@routes.add("GET", CP + "/certificates", "Certificates the CSMS's CA issued to a charge point", "security",
            response=array(CERTIFICATE), query=PAGING, errors=(401, 404))
async def certificates(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    limit, offset = paging(request)
    page = await request.app[SECURITY].certificates.issued(cp_id, limit=limit, offset=offset)
    return paged([{"id": c.id, "serial": c.serial, "certificate_type": c.certificate_type, "subject": c.subject,
                   "not_before": ts(c.not_before), "not_after": ts(c.not_after), "issued_at": ts(c.issued_at),
                   "pem": c.pem} for c in page.items], page.total, limit, offset)


# -- 2.0.1 device model, monitors, events, customer information ------------------------------------------
@routes.add("GET", CP + "/device-model", "The charge point's reported device model (2.0.1 NotifyReport)",
            "provisioning", query=(Query("component"), Query("variable"), *PAGING), errors=(401, 404))
async def device_model(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    q = params(request)
    limit, offset = q.get("limit", 500), q.get("offset", 0)
    page = await request.app[SECURITY].provisioning.device_model(cp_id, component=q.get("component"),
                                                              variable=q.get("variable"), limit=limit, offset=offset)
    return paged([{**{k: getattr(v, k) for k in (
        "component", "component_instance", "evse_id", "connector_id", "variable", "variable_instance",
        "attribute_type", "value", "mutability", "persistent", "constant", "characteristics", "request_id")},
        "updated_at": ts(v.updated_at)} for v in page.items], page.total, limit, offset)


@routes.add("GET", CP + "/monitors", "Variable monitors known on the charge point (2.0.1)", "provisioning",
            errors=(401, 404))
async def monitors(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    items = await request.app[SECURITY].provisioning.monitors(cp_id)
    return web.json_response([{k: getattr(m, k) for k in (
        "monitor_id", "component", "component_instance", "evse_id", "connector_id", "variable", "variable_instance",
        "type", "value", "severity", "transaction")} for m in items])


@routes.add("GET", CP + "/device-events", "Events the charge point reported (2.0.1 NotifyEvent), newest first",
            "provisioning", query=PAGING, errors=(401, 404))
async def device_events(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    limit, offset = paging(request)
    page = await request.app[SECURITY].provisioning.events(cp_id, limit=limit, offset=offset)
    return paged([{**{k: getattr(e, k) for k in (
        "event_id", "trigger", "actual_value", "notification_type", "component", "component_instance", "evse_id",
        "connector_id", "variable", "variable_instance", "cause", "tech_code", "tech_info", "cleared",
        "transaction_id", "variable_monitoring_id")}, "timestamp": ts(e.timestamp)} for e in page.items],
        page.total, limit, offset)


@routes.add("GET", CP + "/customer-information", "Customer information the charge point reported (2.0.1)",
            "provisioning", query=(Query("request_id", "integer"),), errors=(401, 404))
async def customer_information(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    parts = await request.app[SECURITY].provisioning.customer_information_parts(cp_id, params(request).get("request_id"))
    return web.json_response([{"request_id": x.request_id, "seq_no": x.seq_no, "data": x.data, "tbc": x.tbc,
                               "generated_at": ts(x.generated_at)} for x in parts])


# -- message size limits (2.0.1 DeviceDataCtrlr ItemsPerMessage / BytesPerMessage) ------------------------
_LIMIT_NAMES = {"get_variables": "GetVariables", "set_variables": "SetVariables", "get_report": "GetReport"}
_COUNT = {"type": ["integer", "null"], "minimum": 1, "maximum": 2 ** 31 - 1}
LIMIT = obj({"items_per_message": _COUNT, "bytes_per_message": _COUNT})
LIMITS = obj({name: LIMIT for name in _LIMIT_NAMES})


async def _limits_body(request: web.Request, cp_id: str) -> web.Response:
    limits = await request.app[SECURITY].message_limits.limits(cp_id)
    return web.json_response({name: {"items_per_message": limits[req].items, "bytes_per_message": limits[req].bytes}
                              for name, req in _LIMIT_NAMES.items()})


@routes.add("GET", CP + "/message-limits", "How many items and bytes the charge point takes per GetVariables, "
            "SetVariables and GetReport (2.0.1; null: not known, no limit)", "provisioning", response=LIMITS,
            errors=(401, 404))
async def message_limits(request: web.Request) -> web.Response:
    return await _limits_body(request, await _known_cp(request))


@routes.add("PUT", CP + "/message-limits", "Set the limits the CSMS splits its requests by (until the charge "
            "point reports its own)", "provisioning", body=LIMITS, response=LIMITS, errors=(400, 401, 404))
async def set_message_limits(request: web.Request) -> web.Response:
    cp_id = await _known_cp(request)
    limits = request.app[SECURITY].message_limits
    current = await limits.limits(cp_id)
    for name, value in body(request).items():
        req = _LIMIT_NAMES[name]
        await limits.set(cp_id, req, value.get("items_per_message", current[req].items),
                         value.get("bytes_per_message", current[req].bytes))
    return await _limits_body(request, cp_id)


# -- typed commands ------------------------------------------------------------------------------------
_NAME50 = {"type": "string", "minLength": 1, "maxLength": 50}
_REF_PROPS = {"component": _NAME50, "variable": _NAME50, "component_instance": _NAME50,
              "variable_instance": _NAME50, "evse_id": {"type": "integer", "minimum": 0},
              "connector_id": {"type": "integer", "minimum": 0},
              "attribute_type": {"enum": ["Actual", "Target", "MinSet", "MaxSet"]}}
REF = obj(_REF_PROPS, ("component", "variable"))
COMPONENT_REF = obj(_REF_PROPS, ("component",))
HASH_DATA = obj({"hash_algorithm": {"enum": ["SHA256", "SHA384", "SHA512"]},
                 "issuer_name_hash": {"type": "string", "minLength": 1, "maxLength": 128},
                 "issuer_key_hash": {"type": "string", "minLength": 1, "maxLength": 128},
                 "serial_number": {"type": "string", "minLength": 1, "maxLength": 40}},
                ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number"))


def _ref(d: dict) -> p.VariableRef:
    return p.VariableRef(d["component"], d.get("variable"), d.get("component_instance"), d.get("variable_instance"),
                         d.get("evse_id"), d.get("connector_id"), d.get("attribute_type"))


def _upgrade(d: dict) -> UpgradeSecurityProfile:
    names = {"ocpp_csms_url": "ocppCsmsUrl", "ocpp_version": "ocppVersion", "ocpp_transport": "ocppTransport",
             "ocpp_interface": "ocppInterface", "message_timeout": "messageTimeout", "apn": "apn", "vpn": "vpn"}
    return UpgradeSecurityProfile(d["security_profile"], d.get("configuration_slot", 1),
                                  {names[k]: v for k, v in d.items() if k in names},
                                  d.get("network_configuration_priority"))


TYPED = {
    "rotate-password": (
        "Rotate the charge point's HTTP Basic password (1.6 AuthorizationKey, 2.0.1 BasicAuthPassword)",
        obj({"password": {"type": "string", "minLength": 16, "maxLength": 40, "pattern": r"^[\x21-\x7e]+$"}}),
        lambda app, cp, d: app[SECURITY].credentials.rotate_password(cp, d.get("password"))),
    "upgrade-security-profile": (
        "Raise the security profile (1.6 SecurityProfile key; 2.0.1 SetNetworkProfile + priority)",
        obj({"security_profile": {"type": "integer", "minimum": 1, "maximum": 3},
             "configuration_slot": {"type": "integer", "minimum": 0},
             "ocpp_csms_url": {"type": "string", "minLength": 1, "maxLength": 512},
             "ocpp_version": {"enum": ["OCPP12", "OCPP15", "OCPP16", "OCPP20"]},
             "ocpp_transport": {"enum": ["JSON", "SOAP"]},
             "ocpp_interface": {"enum": ["Wired0", "Wired1", "Wired2", "Wired3", "Wireless0", "Wireless1",
                                         "Wireless2", "Wireless3"]},
             "message_timeout": {"type": "integer"}, "apn": {"type": "object"}, "vpn": {"type": "object"},
             "network_configuration_priority": {"type": "string", "minLength": 1, "maxLength": 100}},
            ("security_profile",)),
        lambda app, cp, d: app[SECURITY].credentials.upgrade_security_profile(cp, _upgrade(d))),
    "install-certificate": (
        "Install a root certificate on the charge point",
        obj({"certificate_type": {"enum": list(INSTALLABLE)},
             "certificate": {"type": "string", "minLength": 1, "maxLength": 5500}}, ("certificate_type", "certificate")),
        lambda app, cp, d: app[SECURITY].certificates.install(cp, d["certificate_type"], d["certificate"])),
    "delete-certificate": (
        "Delete an installed certificate", obj({"certificate_hash_data": HASH_DATA}, ("certificate_hash_data",)),
        lambda app, cp, d: app[SECURITY].certificates.delete(cp, CertificateHashData(**d["certificate_hash_data"]))),
    "get-installed-certificate-ids": (
        "List the certificates installed on the charge point",
        obj({"certificate_type": {"enum": list(CERTIFICATE_TYPES)}}, ("certificate_type",)),
        lambda app, cp, d: app[SECURITY].certificates.installed_ids(cp, d["certificate_type"])),
    "extended-trigger-message": (
        "Ask for a message now (1.6 ExtendedTriggerMessage, 2.0.1 TriggerMessage)",
        obj({"message": {"enum": ["BootNotification", "LogStatusNotification", "FirmwareStatusNotification",
                                  "Heartbeat", "MeterValues", "SignChargePointCertificate", "StatusNotification"]},
             "connector_id": {"type": "integer", "minimum": 0}}, ("message",)),
        lambda app, cp, d: app[COMMANDS].send(cp, ExtendedTriggerMessage(d["message"], d.get("connector_id")))),
    "get-base-report": (
        "Ask for a base report of the device model (2.0.1)",
        obj({"report_base": {"enum": ["ConfigurationInventory", "FullInventory", "SummaryInventory"]}},
            ("report_base",)),
        lambda app, cp, d: app[SECURITY].provisioning.get_base_report(cp, d["report_base"])),
    "get-report": (
        "Ask for a report of selected components and variables (2.0.1)",
        obj({"component_criteria": array({"enum": ["Active", "Available", "Enabled", "Problem"]}),
             "component_variables": array(COMPONENT_REF)}),
        lambda app, cp, d: app[SECURITY].provisioning.get_report(cp, d.get("component_criteria", ()),
                                                   [_ref(x) for x in d.get("component_variables", ())])),
    "set-variables": (
        "Set device model variables (2.0.1)",
        obj({"variables": {**array(obj({**_REF_PROPS, "value": {"type": "string", "maxLength": 1000}},
                                       ("component", "variable", "value"))), "minItems": 1}}, ("variables",)),
        lambda app, cp, d: app[SECURITY].provisioning.set_variables(cp, p.SetVariables(tuple(
            p.SetVariable(_ref(x), x["value"]) for x in d["variables"])))),
    "get-variables": (
        "Read device model variables (2.0.1)", obj({"variables": {**array(REF), "minItems": 1}}, ("variables",)),
        lambda app, cp, d: app[SECURITY].provisioning.get_variables(cp, p.GetVariables(tuple(_ref(x) for x in d["variables"])))),
    "set-variable-monitoring": (
        "Set variable monitors (2.0.1)",
        obj({"monitors": {**array(obj({**_REF_PROPS, "id": INT, "transaction": BOOL, "value": {"type": "number"},
                                       "type": {"enum": ["UpperThreshold", "LowerThreshold", "Delta", "Periodic",
                                                         "PeriodicClockAligned"]},
                                       "severity": {"type": "integer", "minimum": 0, "maximum": 9}},
                                      ("component", "variable", "value", "type", "severity"))), "minItems": 1}},
            ("monitors",)),
        lambda app, cp, d: app[SECURITY].provisioning.set_monitoring(cp, p.SetVariableMonitoring(tuple(
            p.MonitorSetting(_ref(m), m["type"], m["value"], m["severity"], m.get("id"), m.get("transaction"))
            for m in d["monitors"])))),
    "clear-variable-monitoring": (
        "Remove variable monitors (2.0.1)", obj({"ids": {**array(INT), "minItems": 1}}, ("ids",)),
        lambda app, cp, d: app[SECURITY].provisioning.clear_monitoring(cp, p.ClearVariableMonitoring(tuple(d["ids"])))),
    "set-monitoring-base": (
        "Choose the monitoring base (2.0.1)",
        obj({"monitoring_base": {"enum": ["All", "FactoryDefault", "HardWiredOnly"]}}, ("monitoring_base",)),
        lambda app, cp, d: app[SECURITY].provisioning.send(cp, p.SetMonitoringBase(d["monitoring_base"]))),
    "set-monitoring-level": (
        "Set the severity level events are reported from (2.0.1)",
        obj({"severity": {"type": "integer", "minimum": 0, "maximum": 9}}, ("severity",)),
        lambda app, cp, d: app[SECURITY].provisioning.send(cp, p.SetMonitoringLevel(d["severity"]))),
    "get-monitoring-report": (
        "Ask for a report of the monitors (2.0.1)",
        obj({"monitoring_criteria": array({"enum": ["ThresholdMonitoring", "DeltaMonitoring", "PeriodicMonitoring"]}),
             "component_variables": array(COMPONENT_REF)}),
        lambda app, cp, d: app[SECURITY].provisioning.get_monitoring_report(cp, d.get("monitoring_criteria", ()),
                                                              [_ref(x) for x in d.get("component_variables", ())])),
    "customer-information": (
        "Ask for (and/or clear) what the charge point holds about a customer (2.0.1)",
        obj({"report": BOOL, "clear": BOOL, "customer_identifier": {"type": "string", "maxLength": 64},
             "id_token": {"type": "object"}, "customer_certificate": {"type": "object"}}, ("report", "clear")),
        lambda app, cp, d: app[SECURITY].provisioning.customer_information(
            cp, report=d["report"], clear=d["clear"], customer_identifier=d.get("customer_identifier"),
            id_token=d.get("id_token"), customer_certificate=d.get("customer_certificate"))),
}


def _typed(name: str, fn):
    async def handler(request: web.Request) -> web.Response:
        data = body(request)
        try:
            result = await run_command(request, lambda cp_id: fn(request.app, cp_id, data))
        except ProfileRefused as exc:
            raise bad_request(str(exc), "profile_refused") from None
        except MessageTooLarge as exc:
            raise bad_request(str(exc), "message_too_large") from None
        return web.json_response(result)
    handler.__name__ = name.replace("-", "_")
    return handler


for _name, (_summary, _schema, _fn) in TYPED.items():
    routes.add("POST", f"{CP}/commands/{_name}", _summary, "security", body=_schema, response=RESULT,
               errors=_ERR)(_typed(_name, _fn))
