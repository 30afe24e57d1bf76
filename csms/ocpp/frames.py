"""What a valid OCPP-J message is, in one place: the frames ([2, id, action, payload] / [3, id, payload] /
[4, id, code, description, details]), the official JSON schemas of their payloads, the value checks the
schemas cannot express, and the timestamps inside payloads.

The schemas ship with the `ocpp` package and are compiled once with fastjsonschema: a compiled
validator is a plain Python function, no thread-pool hop, no per-frame compilation. ``multipleOf`` is
dropped: with binary floats 2.5 is not a multiple of 0.1 and valid frames would be refused (the same
trap the `ocpp` library works around with Decimal)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import ocpp
import orjson

from csms.domain.meter import unstorable
from csms.domain.models import SampledValue
from csms.ocpp import schema_cache
from csms.ocpp.errors import OcppError

CALL, CALLRESULT, CALLERROR = 2, 3, 4
_ID = re.compile(r'^\s*\[\s*\d+\s*,\s*"([^"\\]{1,64})"')
# orjson decodes an integer past 64 bits (2^64, -2^63-1) as a float: a JSON integer would pass for a
# number with an exponent. Frames with such a run of digits are decoded again exactly (rare: no cost to the others).
_LONG_INTEGER = re.compile(r"\d{19}")
# past 1e308 orjson does not decode an integer at all ("number is infinity"), though it is JSON
_HUGE_INTEGER = re.compile(r"\d{309,}")


@dataclass(slots=True)
class Frame:
    type: int
    unique_id: str
    action: str | None = None
    payload: object = None
    error_code: str | None = None
    error_description: str = ""
    error_details: object = None


class FrameError(OcppError):
    """A frame that cannot be understood; ``unique_id`` is what could be salvaged ("-1" if none)."""

    def __init__(self, code: str, description: str, unique_id: str = "-1", message_type: int = 0):
        super().__init__(code, description)
        self.unique_id = unique_id
        self.message_type = message_type


def decode(raw: str | bytes, version: str) -> Frame:
    bad_format = "FormationViolation" if version == "ocpp1.6" else "FormatViolation"
    rpc_error = "ProtocolError" if version == "ocpp1.6" else "RpcFrameworkError"
    if isinstance(raw, bytes):
        raise FrameError(bad_format, "OCPP-J frames are text frames, not binary", _salvage(raw))
    try:
        msg = _loads(raw)
    except (orjson.JSONDecodeError, ValueError):
        raise FrameError(bad_format, "frame is not valid JSON", _salvage(raw)) from None
    if not isinstance(msg, list) or not msg:
        raise FrameError(rpc_error, "frame must be a JSON array [type, id, ...]")
    mtype = msg[0]
    uid = msg[1] if len(msg) > 1 and isinstance(msg[1], str) and 0 < len(msg[1]) <= 36 else "-1"
    if type(mtype) is not int or mtype not in (CALL, CALLRESULT, CALLERROR):
        code = "ProtocolError" if version == "ocpp1.6" else "MessageTypeNotSupported"
        raise FrameError(code, f"message type {mtype!r} is not 2, 3 or 4", uid, 0)
    if uid == "-1" and (len(msg) < 2 or msg[1] != "-1"):
        raise FrameError(rpc_error, "message id must be a non-empty string of at most 36 characters", uid, mtype)
    if mtype == CALL:
        if len(msg) != 4:
            raise FrameError(rpc_error, "a CALL has 4 elements [2, id, action, payload]", uid, mtype)
        if not isinstance(msg[2], str):
            raise FrameError(bad_format if version != "ocpp1.6" else "FormationViolation",
                             "action must be a string", uid, mtype)
        if not isinstance(msg[3], dict):
            raise FrameError(bad_format, "payload must be a JSON object", uid, mtype)
        return Frame(CALL, uid, msg[2], msg[3])
    if mtype == CALLRESULT:
        if len(msg) != 3 or not isinstance(msg[2], dict):
            raise FrameError(rpc_error, "a CALLRESULT is [3, id, {payload}]", uid, mtype)
        return Frame(CALLRESULT, uid, payload=msg[2])
    if len(msg) not in (4, 5) or not isinstance(msg[2], str):
        raise FrameError(rpc_error, "a CALLERROR is [4, id, code, description, details]", uid, mtype)
    return Frame(CALLERROR, uid, error_code=msg[2], error_description=str(msg[3]),
                 error_details=msg[4] if len(msg) == 5 else {})


def _loads(text: str) -> Any:
    """orjson, exact where it is not: a frame with an integer past 64 bits is decoded by json. One
    with an integer orjson cannot decode at all (past 1e308) must first pass orjson with those
    integers read as 0, so that both decoders refuse the same frames (json takes an unpaired
    surrogate escape, orjson does not)."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError:
        if not _HUGE_INTEGER.search(text):
            raise
        orjson.loads(_HUGE_INTEGER.sub("0", text))
        return json.loads(text, parse_constant=_not_json)
    return json.loads(text, parse_constant=_not_json) if _LONG_INTEGER.search(text) else msg


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def _salvage(raw: str | bytes) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    m = _ID.match(text[:200])
    return m.group(1) if m else "-1"


def call(uid: str, action: str, payload: dict) -> str:
    return orjson.dumps([CALL, uid, action, payload]).decode()


def result(uid: str, payload: dict) -> str:
    return orjson.dumps([CALLRESULT, uid, payload]).decode()


def error(uid: str, code: str, description: str = "", details: dict | None = None) -> str:
    return orjson.dumps([CALLERROR, uid, code, description[:255], details or {}]).decode()


# -- payload schemas ----------------------------------------------------------------------------------
_DIRS = {
    "ocpp1.6": Path(ocpp.__file__).parent / "v16" / "schemas",
    "ocpp2.0.1": Path(ocpp.__file__).parent / "v201" / "schemas",
}
_SUFFIX = {"ocpp1.6": "", "ocpp2.0.1": "Request"}


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "multipleOf"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


@lru_cache(maxsize=None)
def actions(version: str) -> frozenset[str]:
    """Every action the version defines (request schemas present)."""
    suffix = _SUFFIX[version]
    names = set()
    for f in _DIRS[version].glob("*.json"):
        stem = f.stem
        if stem.endswith("Response"):
            continue
        if suffix and stem.endswith(suffix):
            stem = stem[: -len(suffix)]
        names.add(stem)
    return frozenset(names)


@lru_cache(maxsize=None)
def schema_of(version: str, action: str, response: bool) -> dict:
    """The official schema of an action's request (or response), as shipped."""
    name = action + ("Response" if response else _SUFFIX[version])
    return json.loads((_DIRS[version] / f"{name}.json").read_text(encoding="utf-8"))


def _schema(version: str, action: str, response: bool, draft: bool = False) -> dict:
    schema = _strip(schema_of(version, action, response))      # a copy: the cached original stays as shipped
    for key in ("$id", "id"):
        if isinstance(schema.get(key), str):
            schema.pop(key)
    # the 1.6 schemas are draft-04, where an integer has no fraction or exponent part (1.0, 1e+308, -0.0
    # are not integers); checked as a later draft they would pass and reach the database
    if not (draft and version == "ocpp1.6"):
        schema.pop("$schema", None)
    return schema


def request_schema(version: str, action: str) -> dict:
    """The schema a request payload of ``action`` is validated with, as ``validate`` applies it
    (the operator console checks a hand-written call with it before sending)."""
    return _schema(version, action, False)


# validators warm() loaded from the disk cache, taken over by validator()'s own cache on first lookup
_loaded: dict[tuple[str, str, bool], Callable[[object], object]] = {}


@lru_cache(maxsize=None)
def validator(version: str, action: str, response: bool) -> Callable[[object], object]:
    loaded = _loaded.pop((version, action, response), None)
    return loaded or schema_cache.compiled(_schema(version, action, response, draft=True), None)


# schema rule -> (1.6 code, 2.0.1 code)
_CODES = {
    "type": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "maxLength": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "minLength": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "required": ("ProtocolError", "OccurrenceConstraintViolation"),
    "minItems": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "maxItems": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "additionalProperties": ("FormationViolation", "FormatViolation"),
    "enum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "format": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "pattern": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "minimum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "maximum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
}


def validate(version: str, action: str, payload: object, response: bool = False) -> None:
    """Raise OcppError with the code the version prescribes if ``payload`` breaks the schema."""
    try:
        validator(version, action, response)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        codes = _CODES.get(exc.rule or "", ("FormationViolation", "FormatViolation"))
        code = codes[0] if version == "ocpp1.6" else codes[1]
        where = (exc.name or "data").replace("data.", "", 1).replace("data", "payload", 1)
        raise OcppError(code, f"{action}: {exc.message.replace('data.', '').replace('data ', 'payload ')}",
                        {"field": where, "rule": exc.rule}) from None


def warm(version: str, cache: Path | None = None) -> int:
    """Compile every schema of a version up front (start-up, not on the first frame); with ``cache``, a
    directory, the compiled validators are loaded from it and what it lacks is written to it
    (csms/ocpp/schema_cache.py)."""
    n = 0
    for action in sorted(actions(version)):
        for response in (False, True):
            try:
                if cache is not None:
                    _loaded[version, action, response] = schema_cache.compiled(
                        _schema(version, action, response, draft=True), cache, f"{version}.{action}.{int(response)}")
                validator(version, action, response)
                n += 1
            except FileNotFoundError:
                pass
            finally:
                _loaded.pop((version, action, response), None)
    return n


# Actions the central system sends (CSMS -> charge point), per version; the rest go the other way
# (DataTransfer goes both ways).
CSMS_INITIATED = {
    "ocpp1.6": frozenset({
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
        "ClearChargingProfile", "DataTransfer", "DeleteCertificate", "ExtendedTriggerMessage",
        "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetInstalledCertificateIds",
        "GetLocalListVersion", "GetLog", "InstallCertificate", "RemoteStartTransaction", "RemoteStopTransaction",
        "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage",
        "UnlockConnector", "UpdateFirmware"}),
    "ocpp2.0.1": frozenset({
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache", "ClearChargingProfile",
        "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated", "CustomerInformation", "DataTransfer",
        "DeleteCertificate", "GetBaseReport", "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport", "GetReport",
        "GetTransactionStatus", "GetVariables", "InstallCertificate", "PublishFirmware", "RequestStartTransaction",
        "RequestStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile",
        "SetDisplayMessage", "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile",
        "SetVariableMonitoring", "SetVariables", "TriggerMessage", "UnlockConnector", "UnpublishFirmware",
        "UpdateFirmware"}),
}


def charge_point_initiated(version: str) -> frozenset[str]:
    """Actions a charge point may send (DataTransfer goes both ways)."""
    return (actions(version) - CSMS_INITIATED[version]) | {"DataTransfer"}


# -- beyond the schemas ---------------------------------------------------------------------------------
# What the official schemas cannot say about a value, checked after them, in one walk of the fields
# that matter (compiled once per action, like the schemas):
#
# - An OCPP ``integer`` is 32 bits (OCPP 2.0.1 Part 2, 2.1 primitive datatypes; OCPP-J 1.6 the same):
#   a JSON integer outside [-2^31, 2^31-1] (2^63, 1e308 in a 2.0.1 field) is refused with
#   PropertyConstraintViolation naming the field, never stored. 2.0.1 schemas are draft-06, where 1.0 and
#   -0.0 are integers: such a value is handed on as the int it is. (1.6 schemas are draft-04: there an
#   integer has no fraction or exponent part, and the schema check already refused 1.0 with
#   TypeConstraintViolation.)
# - A ``date-time`` must be a time the CSMS can keep: RFC 3339's leap second (23:59:60) is accepted
#   (parse_time below), a date the regex lets through but no calendar has (year 0000) or
#   one that leaves the representable range in UTC is refused with PropertyConstraintViolation.

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1

# compiled nodes: ("int",) | ("time",) | ("obj", {name: node}) | ("arr", node); None = nothing to check
Node = tuple


def _compile(schema: dict, definitions: dict, seen: frozenset = frozenset()) -> Node | None:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:            # recursive definitions do not occur in OCPP; stop rather than loop
            return None
        return _compile(definitions[name], definitions, seen | {name})
    kind = schema.get("type")
    if kind == "integer":
        return ("int",)
    if kind == "string" and schema.get("format") == "date-time":
        return ("time",)
    if kind == "array" and isinstance(schema.get("items"), dict):
        item = _compile(schema["items"], definitions, seen)
        return ("arr", item) if item else None
    if kind == "object" or "properties" in schema:
        props = {name: node for name, sub in (schema.get("properties") or {}).items()
                 if (node := _compile(sub, definitions, seen)) is not None}
        return ("obj", props) if props else None
    return None


@lru_cache(maxsize=None)
def _plan(version: str, action: str, response: bool) -> Node | None:
    schema = schema_of(version, action, response)
    return _compile(schema, schema.get("definitions") or {})


def check_values(version: str, action: str, payload: dict, response: bool = False) -> dict:
    """``payload`` with integral floats of integer fields made ints; raises OcppError when a value is
    out of what OCPP and the CSMS can hold. Call after the schema check."""
    plan = _plan(version, action, response)
    if plan is not None:
        _walk(plan, payload, "", action)
    return payload


def _walk(node: Node, value: Any, path: str, action: str) -> Any:
    kind = node[0]
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value                # not reached after the schema check; never our error to raise
        if not INT_MIN <= value <= INT_MAX:
            raise OcppError("PropertyConstraintViolation",
                            f"{action}: {path} = {_short(value)} is outside the 32-bit integer range of OCPP",
                            {"field": path, "rule": "range"})
        return int(value)           # 2.0.1 (draft-06): 3.0 is the integer 3
    if kind == "time":
        if not isinstance(value, str):
            return value
        try:
            parse_time(value)
        except (ValueError, OverflowError):
            raise OcppError("PropertyConstraintViolation", f"{action}: {path} = {value!r} is not a date-time "
                            "the CSMS can keep", {"field": path, "rule": "format"}) from None
        return value
    if kind == "obj":
        if isinstance(value, dict):
            for name, sub in node[1].items():
                if name in value:
                    value[name] = _walk(sub, value[name], f"{path}.{name}" if path else name, action)
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _walk(node[1], item, f"{path}[{i}]", action)
    return value


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def refuse_unstorable(value: SampledValue, field: str) -> None:
    """A reading the CSMS cannot keep is refused, naming the field, never stored (nor half-stored);
    the adapters call it while parsing sampled values (csms/domain/meter.py says why one is unstorable)."""
    why = unstorable(value)
    if why is not None:
        raise OcppError("PropertyConstraintViolation", f"{field}: {why}", {"field": field, "rule": "range"})


# -- timestamps ---------------------------------------------------------------------------------------
def ocpp_time(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, millisecond precision, as charge points expect."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# RFC 3339 allows a leap second, 23:59:60 (e.g. 2016-12-31T23:59:60Z); Python's datetime has no second 60
_LEAP_SECOND = re.compile(r"^(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:)60(?:[.,]\d+)?")


def parse_time(text: str) -> datetime:
    """Parse an OCPP timestamp; a time without a zone is taken as UTC. A leap second is kept as
    :59.999999 of the same minute, not as the next second: it stays on its own day (and tariff
    period) and still sorts after every earlier instant and before the next second.
    Raises ValueError (or OverflowError) for a time that cannot be represented."""
    if ":60" in text:
        text = _LEAP_SECOND.sub(r"\g<1>59.999999", text)
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
