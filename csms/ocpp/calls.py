"""CALLs the central system sends: validated against the version's schema, one outstanding per
charge point (OCPP-J), answered, refused with a CALLERROR, or timed out. The dispatcher hands every
CALLRESULT and CALLERROR it receives to :meth:`Caller.on_answer`."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Protocol

from csms import log_context
from csms.domain.errors import CallErrorReceived, CallTimeout, CommandNotSent
from csms.ocpp import frames, solicited
from csms.ocpp.errors import OcppError
from csms.ocpp.observe import FrameObserver, count

log = logging.getLogger(__name__)

# tolerant mode: (cp_id, version, action, payload, response) -> repaired payload, or raises the strict
# OcppError; only called for frames that break their schema
Tolerate = Callable[..., Awaitable[dict]]


class Connection(Protocol):
    cp_id: str
    protocol: str
    state: dict

    async def send(self, text: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class _Outbound:
    __slots__ = ("lock", "pending")

    def __init__(self):
        self.lock = asyncio.Lock()
        self.pending: dict[str, tuple[str, asyncio.Future]] = {}


class Caller:
    def __init__(self, observe: FrameObserver, tolerate: Tolerate | None = None):
        self.observe = observe
        self.tolerate = tolerate
        self._ids = itertools.count(1)
        self._prefix = f"{int(time.time()) % 100000:05d}"

    def validate_call(self, version: str, action: str, payload: dict) -> None:
        """Raise CommandNotSent unless ``action`` is a CALL the CSMS may send in ``version`` with
        this payload."""
        if action not in frames.actions(version):
            raise CommandNotSent("NotImplemented", f"{action} is not an OCPP {version[4:]} action")
        if action not in frames.CSMS_INITIATED[version]:
            raise CommandNotSent("NotSupported", f"{action} is sent by charge points, not to them")
        try:
            frames.validate(version, action, payload)
        except OcppError as exc:
            raise CommandNotSent(exc.code, exc.description, exc.details) from None

    async def call(self, conn: Connection, action: str, payload: dict, timeout: float) -> dict:
        """Send a CALL and wait for its answer. Raises CommandNotSent (payload invalid),
        CallErrorReceived, CallTimeout."""
        self.validate_call(conn.protocol, action, payload)
        out: _Outbound = conn.state.setdefault("outbound", _Outbound())
        async with out.lock:   # OCPP-J: one outstanding CALL per direction
            uid = f"{self._prefix}-{next(self._ids)}"
            future = asyncio.get_running_loop().create_future()
            out.pending[uid] = (action, future)
            text = frames.call(uid, action, payload)
            solicited.remember(conn, action, payload)      # what it asks for is admitted while Pending (B02.FR.09)
            self.observe(conn.cp_id, "out", frames.CALL, uid, action, text, datetime.now(timezone.utc))
            count(action, "out", "call", conn.protocol)
            with log_context.bound(charge_point_id=conn.cp_id, ocpp_message_id=uid, ocpp_action=action):
                log.debug("CALL out, %d bytes", len(text))
                try:
                    await conn.send(text)
                    return await asyncio.wait_for(future, timeout)
                except asyncio.TimeoutError:
                    raise CallTimeout(f"{conn.cp_id} did not answer {action} within {timeout:g} s") from None
                finally:
                    out.pending.pop(uid, None)

    def on_answer(self, conn: Connection, frame: frames.Frame, text: str, received_at: datetime) -> None:
        """A CALLRESULT or CALLERROR arrived: resolve the call it answers (a late or unknown one is
        logged and dropped)."""
        out: _Outbound | None = conn.state.get("outbound")
        entry = out.pending.pop(frame.unique_id, None) if out else None
        action = entry[0] if entry else None
        self.observe(conn.cp_id, "in", frame.type, frame.unique_id, action, text, received_at)
        if entry is None:
            log.warning("%s answered unknown or late call %s", conn.cp_id, frame.unique_id)
            return
        future = entry[1]
        if future.done():
            return
        if frame.type == frames.CALLERROR:
            count(action, "in", "error", conn.protocol, error_code=frame.error_code)
            future.set_exception(CallErrorReceived(frame.error_code, frame.error_description,
                                                   frame.error_details if isinstance(frame.error_details, dict) else {}))
            return
        count(action, "in", "result", conn.protocol)
        try:
            frames.validate(conn.protocol, action, frame.payload, response=True)
            frames.check_values(conn.protocol, action, frame.payload, response=True)
        except OcppError as exc:
            if self.tolerate is None:
                future.set_exception(CallErrorReceived(exc.code, f"invalid {action} response: {exc.description}",
                                                       exc.details))
                return
            asyncio.ensure_future(self._tolerate_answer(conn, action, frame.payload, future))
            return
        future.set_result(frame.payload)

    async def _tolerate_answer(self, conn: Connection, action: str, payload: dict, future: asyncio.Future) -> None:
        try:
            fixed = await self.tolerate(conn.cp_id, conn.protocol, action, payload, True)
        except OcppError as exc:
            if not future.done():
                future.set_exception(CallErrorReceived(exc.code, f"invalid {action} response: {exc.description}",
                                                       exc.details))
            return
        if not future.done():
            future.set_result(fixed)

    def on_disconnect(self, conn: Connection) -> None:
        out: _Outbound | None = conn.state.get("outbound")
        if out:
            for action, future in out.pending.values():
                if not future.done():
                    future.set_exception(CallTimeout(f"{conn.cp_id} disconnected before answering {action}"))
            out.pending.clear()
