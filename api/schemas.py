"""JSON schemas of request and response bodies: used to validate requests and to build OpenAPI."""

from __future__ import annotations


def obj(props: dict, required: tuple[str, ...] = (), extra: bool = False) -> dict:
    out = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        out["required"] = list(required)
    return out


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
ANY_OBJ = {"type": "object"}

LOGIN = obj({"username": {"type": "string", "minLength": 1, "maxLength": 64},
             "password": {"type": "string", "minLength": 1, "maxLength": 256}}, ("username", "password"))
TOKEN = obj({"access_token": STR, "token_type": {"const": "Bearer"}, "expires_in": INT, "role": STR,
             "permissions": {"type": "array", "items": STR}})
OPERATOR_CREATE = obj({"username": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[\w.@-]+$"},
                       "password": {"type": "string", "minLength": 8, "maxLength": 256},
                       "role": {"enum": ["viewer", "operator", "finance", "admin"]}}, ("username", "password"))
OPERATOR_PATCH = {**obj({"role": {"enum": ["viewer", "operator", "finance", "admin"]}, "active": BOOL}),
                  "minProperties": 1}
OPERATOR = obj({"id": INT, "username": STR, "role": STR, "active": BOOL})

_LAT = {"type": ["number", "null"], "minimum": -90, "maximum": 90}
_LNG = {"type": ["number", "null"], "minimum": -180, "maximum": 180}
_STATION_FIELDS = {"name": {"type": "string", "minLength": 1, "maxLength": 128},
                   "address": {"type": "string", "maxLength": 255},
                   "lat": _LAT, "lng": _LNG,
                   "timezone": {"type": "string", "minLength": 1, "maxLength": 64}}
STATION_CREATE = obj(_STATION_FIELDS, ("name",))
STATION_PATCH = {**obj(_STATION_FIELDS), "minProperties": 1}
STATION = obj({"id": INT, "name": STR, "address": STR, "lat": _LAT, "lng": _LNG,
               "coordinate_system": {"const": "GCJ-02"}, "timezone": STR, "created_at": TIME})

CP_ID = {"type": "string", "minLength": 1, "maxLength": 48, "pattern": r"^[A-Za-z0-9._:*+|@-]+$"}
_PASSWORD = {"type": ["string", "null"], "minLength": 1, "maxLength": 64}
_PROFILE = {"type": "integer", "minimum": 0, "maximum": 3}
_REGISTRATION = {"enum": ["Accepted", "Pending", "Rejected"]}
_ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}     # a record id: the database's BIGINT range
_NULL_ROW_ID = {**_ROW_ID, "type": ["integer", "null"]}
CHARGE_POINT_CREATE = obj({"id": CP_ID, "station_id": _NULL_ROW_ID, "password": _PASSWORD, "security_profile": _PROFILE,
                           "registration_status": _REGISTRATION, "tolerant": BOOL}, ("id",))
CHARGE_POINT_PATCH = {**obj({"station_id": _NULL_ROW_ID, "password": _PASSWORD, "security_profile": _PROFILE,
                             "registration_status": _REGISTRATION, "tolerant": BOOL}), "minProperties": 1}
CONNECTOR = obj({"evse_id": INT, "connector_id": INT, "status": STR, "error_code": STR, "info": NULL_STR,
                 "vendor_error_code": NULL_STR, "type": NULL_STR, "max_power_w": NULL_INT, "status_at": NULL_TIME})
CHARGE_POINT = obj({"id": STR, "station_id": NULL_INT, "online": BOOL, "protocol": NULL_STR, "vendor": NULL_STR,
                    "model": NULL_STR, "serial_number": NULL_STR, "firmware_version": NULL_STR,
                    "last_seen": NULL_TIME, "last_boot_at": NULL_TIME, "registration_status": STR,
                    "security_profile": INT, "has_password": BOOL, "status": NULL_STR, "error_code": NULL_STR,
                    "firmware_status": NULL_STR, "diagnostics_status": NULL_STR, "tolerant": BOOL,
                    "connectors": array(CONNECTOR), "created_at": TIME})

ID_TAG_PUT = obj({"status": {"enum": ["Accepted", "Blocked", "Expired", "Invalid"]},
                  "expiry_date": NULL_TIME, "group_id": {"type": ["string", "null"], "maxLength": 36}}, ("status",))
ID_TAG = obj({"id_tag": STR, "status": STR, "expiry_date": NULL_TIME, "group_id": NULL_STR})

TRANSACTION = obj({"id": INT, "charge_point_id": STR, "evse_id": INT, "connector_id": INT, "id_tag": NULL_STR,
                   "status": {"enum": ["Active", "Completed", "Abandoned"]}, "started_at": TIME,
                   "stopped_at": NULL_TIME, "meter_start_wh": INT, "meter_stop_wh": NULL_INT, "energy_wh": INT,
                   "stop_reason": NULL_STR, "stop_id_tag": NULL_STR, "anomaly": NULL_STR,
                   "ocpp_transaction_id": STR, "reservation_id": NULL_INT, "last_meter_wh": NULL_INT,
                   "power_w": NULL_INT, "soc": NULL_INT, "remote_start_id": NULL_INT, "seq_no": NULL_INT,
                   "offline": BOOL, "updated_at": NULL_TIME})
METER_VALUE = obj({"timestamp": TIME, "measurand": STR, "phase": NULL_STR, "unit": NULL_STR, "context": NULL_STR,
                   "location": NULL_STR, "value": STR})
TRANSACTION_DETAIL = {**TRANSACTION, "properties": {**TRANSACTION["properties"], "meter_values": array(METER_VALUE)}}

MESSAGE = obj({"id": INT, "direction": {"enum": ["in", "out"]}, "message_type": INT, "unique_id": NULL_STR,
               "action": NULL_STR, "at": TIME, "frame": {}, "raw": NULL_STR})

CALL_RESULT = obj({"response": ANY_OBJ})
COMMAND_RESULT = obj({"status": STR}, ("status",), extra=True)
ERROR = obj({"error": obj({"code": STR, "message": STR}, ("code", "message"), extra=True)}, ("error",))
# what the WeChat Pay notification endpoints answer on an error: WeChat Pay reads code "FAIL" and message,
# beside the usual error (a body that is not JSON at all gets the usual error alone: 400 invalid_json)
WECHAT_PAY_ERROR = obj({"code": {"const": "FAIL"}, "message": STR, "error": ERROR["properties"]["error"]},
                       ("error",))

_CONNECTOR_ID = {"type": "integer", "minimum": 0}
COMMANDS: dict[str, dict] = {
    "remote-start": obj({"id_tag": {"type": "string", "minLength": 1, "maxLength": 36},
                         "connector_id": {"type": "integer", "minimum": 1},
                         "charging_profile": ANY_OBJ}, ("id_tag",)),
    "remote-stop": obj({"transaction_id": _ROW_ID}, ("transaction_id",)),
    "reset": obj({"type": {"enum": ["Soft", "Hard"]}}),
    "unlock": obj({"connector_id": {"type": "integer", "minimum": 1}}, ("connector_id",)),
    "change-availability": obj({"connector_id": _CONNECTOR_ID, "operative": BOOL,
                                "type": {"enum": ["Operative", "Inoperative"]}}),
    "get-configuration": obj({"keys": array({"type": "string", "maxLength": 50})}),
    "change-configuration": obj({"key": {"type": "string", "minLength": 1, "maxLength": 50},
                                 "value": {"type": "string", "maxLength": 500}}, ("key", "value")),
    # 1.6 and 2.0.1 names; one the charge point's version lacks is refused with 400 invalid_payload
    "trigger-message": obj({"message": {"enum": ["BootNotification", "DiagnosticsStatusNotification",
                                                 "FirmwareStatusNotification", "Heartbeat", "MeterValues",
                                                 "StatusNotification", "LogStatusNotification", "TransactionEvent",
                                                 "SignChargingStationCertificate", "SignV2GCertificate",
                                                 "SignCombinedCertificate", "PublishFirmwareStatusNotification"]},
                            "connector_id": {"type": "integer", "minimum": 0}}, ("message",)),
    "clear-cache": obj({}),
    "get-transaction-status": obj({"transaction_id": INT}),
    "data-transfer": obj({"vendor_id": {"type": "string", "minLength": 1, "maxLength": 255},
                          "message_id": {"type": "string", "maxLength": 50}, "data": STR}, ("vendor_id",)),
}
