"""Tolerant mode: known deviations of real charge points, repaired guided by the official schema.

Strict validation runs first (the hot path is unchanged). Only when a frame of a charge point in
tolerant mode breaks its schema, each violation is looked at: if it is a known, harmless deviation
(a number sent as a string, a timestamp without a zone, an extra field, an enum in the wrong case, the
1.6 errorCode "Error", ...) it is repaired and validation runs again; anything else is refused with
the code strict mode would give. Pure functions; counting and logging are the service's business."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import fastjsonschema

from csms.ocpp import schemas

MAX_REPAIRS = 64
_NEVER_TRUNCATE = {"idTag", "idToken", "parentIdTag", "transactionId", "vendorId", "messageId", "reservationId"}


def _parent(payload, path: list[str]):
    node = payload
    for part in path[1:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = path[-1]
    return node, (int(last) if isinstance(node, list) else last)


def _number(text: str):
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        f = float(t)
    except ValueError:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def _timestamp(text: str) -> tuple[str, str] | None:
    t = text.strip().replace(" ", "T", 1)
    if len(t) > 5 and t[-5] in "+-" and t[-3] != ":" and t[-4:].isdigit():   # +0800 -> +08:00
        t = t[:-2] + ":" + t[-2:]
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        return None
    kind = "naive_timestamp" if dt.tzinfo is None else "timestamp_format"
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", kind


def _repair(payload: dict, exc: fastjsonschema.JsonSchemaValueException) -> str | None:
    """Repair the violation in place; returns the deviation's name, or None if it is not a known one."""
    path = list(exc.path or [])
    if len(path) < 1:
        return None
    if exc.rule == "additionalProperties" and isinstance(exc.value, dict):
        allowed = set((exc.definition or {}).get("properties", {}))
        extra = [k for k in exc.value if k not in allowed]
        if not extra:
            return None
        for k in extra:
            del exc.value[k]
        return "extra_field"
    if len(path) < 2:
        return None
    parent, key = _parent(payload, path)
    value = parent[key]
    if exc.rule == "type":
        expected = exc.rule_definition if isinstance(exc.rule_definition, list) else [exc.rule_definition]
        if isinstance(value, str) and ("integer" in expected or "number" in expected):
            n = _number(value)
            if n is None:
                return None
            if "integer" in expected and not "number" in expected:
                if isinstance(n, float) and not n.is_integer():
                    return None
                n = int(n)
            parent[key] = n
            return "string_number"
        if isinstance(value, float) and "integer" in expected and value.is_integer():
            parent[key] = int(value)
            return "float_integer"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "string" in expected:
            parent[key] = str(value)
            return "number_string"
        if isinstance(value, str) and "boolean" in expected and value.lower() in ("true", "false"):
            parent[key] = value.lower() == "true"
            return "string_boolean"
        return None
    if exc.rule == "format" and exc.rule_definition == "date-time" and isinstance(value, str):
        fixed = _timestamp(value)
        if fixed is None:
            return None
        parent[key] = fixed[0]
        return fixed[1]
    if exc.rule == "enum" and isinstance(value, str):
        options = exc.rule_definition or []
        for option in options:
            if isinstance(option, str) and option.lower() == value.strip().lower():
                parent[key] = option
                return "enum_case"
        if key == "errorCode" and "OtherError" in options and isinstance(parent, dict):
            parent.setdefault("vendorErrorCode", value[:50])
            parent[key] = "OtherError"
            return "unknown_error_code"
        return None
    if exc.rule == "maxLength" and isinstance(value, str) and key not in _NEVER_TRUNCATE:
        parent[key] = value[: int(exc.rule_definition)]
        return "truncated"
    return None


def normalise(version: str, action: str, payload: dict, response: bool = False) -> tuple[dict, list[str]]:
    """A schema-valid copy of ``payload`` and the deviations repaired; raises the strict OcppError
    when a violation is not a known deviation."""
    check = schemas.validator(version, action, response)
    fixed = copy.deepcopy(payload)
    repaired: list[str] = []
    for _ in range(MAX_REPAIRS):
        try:
            check(fixed)
            return fixed, repaired
        except fastjsonschema.JsonSchemaValueException as exc:
            kind = _repair(fixed, exc)
            if kind is None:
                schemas.validate(version, action, fixed, response)   # raises the strict code
                raise
            repaired.append(kind)
    schemas.validate(version, action, fixed, response)
    return fixed, repaired
