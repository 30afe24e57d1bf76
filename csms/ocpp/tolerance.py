"""Tolerant mode: known deviations of real charge points, repaired guided by the official schema.

Strict validation runs first (the hot path is unchanged). Only when a frame of a charge point in
tolerant mode breaks its schema, each violation is looked at: if it is a known, harmless deviation
(a number sent as a string, a timestamp without a zone, an extra field, an enum in the wrong case, the
1.6 errorCode "Error", ...) it is repaired and validation runs again; anything else is refused with
the code strict mode would give. ``normalise`` is pure; ToleranceService decides which charge points
are tolerant and counts and logs what was repaired."""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone

import fastjsonschema

from csms import metrics
from csms.domain.repositories import ChargePointRepository
from csms.ocpp import frames

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
    check = frames.validator(version, action, response)
    fixed = copy.deepcopy(payload)
    repaired: list[str] = []
    for _ in range(MAX_REPAIRS):
        try:
            check(fixed)
            return fixed, repaired
        except fastjsonschema.JsonSchemaValueException as exc:
            kind = _repair(fixed, exc)
            if kind is None:
                frames.validate(version, action, fixed, response)   # raises the strict code
                raise
            repaired.append(kind)
    frames.validate(version, action, fixed, response)
    return fixed, repaired


# -- which charge points are tolerant, and the bookkeeping of their deviations -----------------------
log = logging.getLogger(__name__)


def parse_models(text: str) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in text.split(",") if p.strip())


class ToleranceService:
    def __init__(self, charge_points: ChargePointRepository, models: frozenset[str]):
        self.charge_points = charge_points
        self.models = models
        self._enabled: dict[str, bool] = {}
        self._logged: set[tuple[str, str]] = set()

    def _listed(self, vendor: str | None, model: str | None) -> bool:
        v = (vendor or "").lower()
        return bool(v) and (v in self.models or f"{v}/{(model or '').lower()}" in self.models)

    async def enabled(self, cp_id: str, payload: dict | None = None) -> bool:
        known = self._enabled.get(cp_id)
        if known is None:
            cp = await self.charge_points.get(cp_id)
            known = bool(cp and (cp.tolerant or self._listed(cp.vendor, cp.model)))
            self._enabled[cp_id] = known
        if not known and payload is not None and "chargePointVendor" in payload:   # a 1.6 boot names it
            return self._listed(str(payload.get("chargePointVendor")), str(payload.get("chargePointModel")))
        if not known and payload is not None and isinstance(payload.get("chargingStation"), dict):
            station = payload["chargingStation"]
            return self._listed(str(station.get("vendorName")), str(station.get("model")))
        return known

    def forget(self, cp_id: str) -> None:
        self._enabled.pop(cp_id, None)

    def booted(self, cp_id: str, vendor: str | None, model: str | None) -> None:
        """The boot names vendor and model (stored a moment later, in a batch): listed ones are tolerant
        at once; otherwise the record decides."""
        if self._listed(vendor, model):
            self._enabled[cp_id] = True
        else:
            self._enabled.pop(cp_id, None)

    async def tolerate(self, cp_id: str, version: str, action: str, payload: dict, response: bool = False) -> dict:
        """The repaired payload, or the strict OcppError if the charge point is strict or the
        violation is not a known deviation."""
        if not await self.enabled(cp_id, payload):
            frames.validate(version, action, payload, response)
            return payload
        fixed, kinds = normalise(version, action, payload, response)
        for kind in kinds:
            metrics.OCPP_DEVIATIONS.labels(kind).inc()
            if (cp_id, kind) not in self._logged:
                self._logged.add((cp_id, kind))
                log.warning("%s (tolerant mode): repaired %s in %s%s; further ones are counted, not logged",
                            cp_id, kind, action, " response" if response else "")
        return fixed
