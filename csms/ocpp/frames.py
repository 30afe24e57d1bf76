"""The OCPP-J wire format: frames ([2, id, action, payload] / [3, id, payload] / [4, id, code, description,
details]) and the timestamps inside payloads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from csms.ocpp.errors import OcppError

CALL, CALLRESULT, CALLERROR = 2, 3, 4
_ID = re.compile(r'^\s*\[\s*\d+\s*,\s*"([^"\\]{1,64})"')
# orjson decodes an integer past 64 bits (2^64, -2^63-1) as a float: a JSON integer would pass for a
# number with an exponent. Frames with such a run of digits are decoded again exactly (rare: no cost to the others).
_LONG_INTEGER = re.compile(r"\d{19}")


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
        msg = orjson.loads(raw)
        if _LONG_INTEGER.search(raw):
            msg = json.loads(raw, parse_constant=_not_json)
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
