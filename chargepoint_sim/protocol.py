"""OCPP-J framing shared by every protocol version (RPC over WebSocket, OCPP-J 1.6 / 2.0.1 section 4).

Frames are JSON arrays:
    CALL        [2, messageId, action, payload]
    CALLRESULT  [3, messageId, payload]
    CALLERROR   [4, messageId, errorCode, errorDescription, errorDetails]

Pure functions, no I/O; orjson for speed (the load mode encodes/decodes millions of frames).
"""

from __future__ import annotations

import contextvars
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
import orjson

CALL = 2
CALLRESULT = 3
CALLERROR = 4

# OCPP-J 1.6 error codes (note the spec's own spelling of "Occurence").
ERROR_CODES_16 = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)


# OCPP-J 2.0.1 renamed two codes and added two (section 4.3 of part 4).
ERROR_CODES_201 = frozenset(
    {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }
)
_CODES_TO_201 = {"FormationViolation": "FormatViolation", "OccurenceConstraintViolation": "OccurrenceConstraintViolation"}
_CODES_TO_16 = {new: old for old, new in _CODES_TO_201.items()}


def error_code(version: str, code: str) -> str:
    """``code`` spelt the way OCPP-J ``version`` ("1.6" or "2.0.1") spells it."""
    if version == "1.6":
        return _CODES_TO_16.get(code, code)
    return _CODES_TO_201.get(code, code)


class CallError(Exception):
    """A CALLERROR, received from the peer or to be sent to it."""

    def __init__(self, code: str, description: str = "", details: dict | None = None):
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description
        self.details = details if details is not None else {}


class FrameError(ValueError):
    """An inbound text that is not a valid OCPP-J frame.

    ``code`` is the CALLERROR code to answer with; ``message_id`` is set when it could be read, so the
    receiver can still answer the faulty CALL.
    """

    def __init__(self, code: str, description: str, message_id: str | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.message_id = message_id


@dataclass(slots=True)
class Call:
    message_id: str
    action: str
    payload: dict


@dataclass(slots=True)
class CallResult:
    message_id: str
    payload: dict


@dataclass(slots=True)
class CallErrorFrame:
    message_id: str
    code: str
    description: str
    details: dict


Frame = Call | CallResult | CallErrorFrame


def encode_call(message_id: str, action: str, payload: dict) -> str:
    return orjson.dumps([CALL, message_id, action, payload]).decode()


def encode_result(message_id: str, payload: dict) -> str:
    return orjson.dumps([CALLRESULT, message_id, payload]).decode()


def encode_error(message_id: str, code: str, description: str = "", details: dict | None = None) -> str:
    return orjson.dumps([CALLERROR, message_id, code, description, details or {}]).decode()


def decode(text: str | bytes) -> Frame:
    """Parse one frame; raise FrameError for anything that is not well-formed OCPP-J."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FrameError("ProtocolError", f"invalid JSON: {exc}") from None
    if not isinstance(msg, list) or len(msg) < 3:
        raise FrameError("ProtocolError", "frame is not an array of at least 3 elements")
    kind, message_id = msg[0], msg[1]
    if not isinstance(message_id, str) or not message_id or len(message_id) > 36:
        raise FrameError("ProtocolError", "messageId must be a non-empty string of at most 36 chars")
    if kind == CALL:
        if len(msg) != 4 or not isinstance(msg[2], str):
            raise FrameError("ProtocolError", "CALL must be [2, id, action, payload]", message_id)
        if not isinstance(msg[3], dict):
            raise FrameError("FormationViolation", "CALL payload must be an object", message_id)
        return Call(message_id, msg[2], msg[3])
    if kind == CALLRESULT:
        if len(msg) != 3 or not isinstance(msg[2], dict):
            raise FrameError("ProtocolError", "CALLRESULT must be [3, id, {payload}]", message_id)
        return CallResult(message_id, msg[2])
    if kind == CALLERROR:
        if len(msg) != 5 or not isinstance(msg[2], str):
            raise FrameError("ProtocolError", "CALLERROR must be [4, id, code, description, details]")
        details = msg[4] if isinstance(msg[4], dict) else {}
        return CallErrorFrame(message_id, msg[2], str(msg[3]), details)
    raise FrameError("ProtocolError", f"unknown message type {kind!r}", message_id)


class MessageIds:
    """Unique message ids for one charge point: a short prefix plus a counter (cheap, <= 36 chars)."""

    __slots__ = ("_prefix", "_counter")
    _instances = itertools.count(1)

    def __init__(self, prefix: str | None = None):
        self._prefix = prefix if prefix is not None else f"{next(MessageIds._instances):x}-"
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter)}"


# a station whose clock is off (BaseChargePoint(clock_offset=...)): set in its connect(), inherited by
# every task the station spawns from there, so each simulated station keeps its own clock
CLOCK_OFFSET: contextvars.ContextVar[timedelta] = contextvars.ContextVar("clock_offset", default=timedelta(0))


def utc_now() -> str:
    """The station's current UTC time as ISO-8601 with milliseconds and a 'Z' suffix."""
    return format_utc(datetime.now(timezone.utc) + CLOCK_OFFSET.get())


def parse_time(text: str | None) -> datetime | None:
    """An OCPP dateTime (``Z`` or offset) as an aware datetime, None if absent or invalid."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_utc(dt: datetime) -> str:
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    """Parse an OCPP timestamp ('Z' or offset) into an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
