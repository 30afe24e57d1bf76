"""What a log line is about, carried by context variables so nobody passes it around.

The OCPP dispatcher binds the charge point id, the message id and the action while it handles a
frame; the API binds the request id and the caller (operator or driver). Tasks started from there
inherit them (asyncio copies the context), so a follow-up CALL logs under the frame that caused it."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Iterator

charge_point_id: ContextVar[str | None] = ContextVar("charge_point_id", default=None)
ocpp_message_id: ContextVar[str | None] = ContextVar("ocpp_message_id", default=None)
ocpp_action: ContextVar[str | None] = ContextVar("ocpp_action", default=None)
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)   # "operator:alice", "driver:17"
# the OCPP frame being handled, (charge point id, message id, action): one variable set per frame,
# the cheap form of binding the three fields above (csms/ocpp/dispatcher.py sets it for every frame)
ocpp_frame: ContextVar[tuple[str, str | None, str | None] | None] = ContextVar("ocpp_frame", default=None)
_FRAME_FIELDS = ("charge_point_id", "ocpp_message_id", "ocpp_action")

FIELDS: dict[str, ContextVar] = {
    "charge_point_id": charge_point_id,
    "ocpp_message_id": ocpp_message_id,
    "ocpp_action": ocpp_action,
    "request_id": request_id,
    "actor": actor,
}


def bind(**values: str | None) -> list[tuple[ContextVar, Token]]:
    return [(FIELDS[name], FIELDS[name].set(value)) for name, value in values.items()]


def unbind(tokens: list[tuple[ContextVar, Token]]) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    tokens = bind(**values)
    try:
        yield
    finally:
        unbind(tokens)


def current() -> dict[str, str]:
    """The bound fields that have a value (a field bound by name wins over the frame's)."""
    fields = {name: value for name, var in FIELDS.items() if (value := var.get()) is not None}
    frame = ocpp_frame.get()
    if frame is not None:
        for name, value in zip(_FRAME_FIELDS, frame):
            if value is not None:
                fields.setdefault(name, value)
    return fields
