"""Official OCPP JSON schemas (shipped with the `ocpp` package), compiled once with fastjsonschema.

A compiled validator is a plain Python function: no thread-pool hop, no per-frame compilation.
``multipleOf`` is dropped: with binary floats 2.5 is not a multiple of 0.1 and valid frames would
be refused (the same trap the `ocpp` library works around with Decimal)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

import fastjsonschema
import ocpp

from csms.ocpp.errors import OcppError

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


@lru_cache(maxsize=None)
def validator(version: str, action: str, response: bool) -> Callable[[object], object]:
    return fastjsonschema.compile(_schema(version, action, response, draft=True))


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


def warm(version: str) -> int:
    """Compile every schema of a version up front (start-up, not on the first frame)."""
    n = 0
    for action in actions(version):
        for response in (False, True):
            try:
                validator(version, action, response)
                n += 1
            except FileNotFoundError:
                pass
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
