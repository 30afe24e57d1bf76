"""Domain values as JSON between nodes: events on the bus, neutral commands and their results.

Dataclasses travel as ``{"~dc": "module:Class", "f": {...}}`` and are rebuilt only from the domain's
own modules (``csms.domain.*``), never from an arbitrary name read off the wire; datetimes, dates,
tuples, sets and bytes are tagged so they come back as they left."""

from __future__ import annotations

import base64
import dataclasses
import importlib
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson

ALLOWED = ("csms.domain.",)


class CodecError(ValueError):
    pass


def _enc(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return {"~en": f"{type(value).__module__}:{type(value).__qualname__}", "v": _enc(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _enc(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"~dc": f"{type(value).__module__}:{type(value).__qualname__}", "f": fields}
    if isinstance(value, datetime):
        return {"~dt": value.isoformat()}
    if isinstance(value, date):
        return {"~d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"~dec": str(value)}
    if isinstance(value, bytes):
        return {"~b": base64.b64encode(value).decode()}
    if isinstance(value, (tuple, set, frozenset)):
        return {"~t" if isinstance(value, tuple) else "~s": [_enc(v) for v in value]}
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("~") for k in value):
            return {k: _enc(v) for k, v in value.items()}
        return {"~m": [[_enc(k), _enc(v)] for k, v in value.items()]}
    raise CodecError(f"cannot carry a {type(value).__name__} between nodes")


def _cls(name: str) -> type:
    module, _, qual = name.partition(":")
    if not module.startswith(ALLOWED):
        raise CodecError(f"{name} is not a domain type")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def _dec(value: Any) -> Any:
    if isinstance(value, list):
        return [_dec(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "~dc" in value:
        return _cls(value["~dc"])(**{k: _dec(v) for k, v in value["f"].items()})
    if "~dt" in value:
        return datetime.fromisoformat(value["~dt"])
    if "~d" in value:
        return date.fromisoformat(value["~d"])
    if "~t" in value:
        return tuple(_dec(v) for v in value["~t"])
    if "~s" in value:
        return frozenset(_dec(v) for v in value["~s"])
    if "~m" in value:
        return {_dec(k): _dec(v) for k, v in value["~m"]}
    if "~dec" in value:
        return Decimal(value["~dec"])
    if "~b" in value:
        return base64.b64decode(value["~b"])
    if "~en" in value:
        return _cls(value["~en"])(_dec(value["v"]))
    return {k: _dec(v) for k, v in value.items()}


def dumps(value: Any) -> bytes:
    return orjson.dumps(_enc(value))


def loads(data: bytes | str) -> Any:
    return _dec(orjson.loads(data))
