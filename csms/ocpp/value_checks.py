"""What the official schemas cannot say about a value, checked after them, in one walk of the fields
that matter (compiled once per action, like the schemas):

- An OCPP ``integer`` is 32 bits (OCPP 2.0.1 Part 2, 2.1 primitive datatypes; OCPP-J 1.6 the same):
  a JSON integer outside [-2^31, 2^31-1] (2^63, 1e308 in a 2.0.1 field) is refused with
  PropertyConstraintViolation naming the field, never stored. 2.0.1 schemas are draft-06, where 1.0 and
  -0.0 are integers: such a value is handed on as the int it is. (1.6 schemas are draft-04: there an
  integer has no fraction or exponent part, and the schema check already refused 1.0 with
  TypeConstraintViolation.)
- A ``date-time`` must be a time the CSMS can keep: RFC 3339's leap second (23:59:60) is accepted
  (csms.services.clock.parse_time), a date the regex lets through but no calendar has (year 0000) or
  one that leaves the representable range in UTC is refused with PropertyConstraintViolation."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from csms.ocpp.errors import OcppError
from csms.ocpp.schemas import schema_of
from csms.ocpp.frames import parse_time

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


def check(version: str, action: str, payload: dict, response: bool = False) -> dict:
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
