"""The one place where OCPP-J frames become handler calls and back.

The transport hands over (connection, raw frame, received-at). Here the frame is decoded, checked
against the official schema of the connection's version, routed to the version's handler table,
and the answer (or the right CALLERROR) is sent. Outbound CALLs from services go through
:meth:`Dispatcher.call`: validated, one outstanding per charge point, answered or timed out.
Every frame in and out is given to the frame observer (the message log)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Protocol

import orjson

from csms import metrics
from csms.ocpp import frames, schemas, value_checks
from csms.ocpp.solicited import solicited_by
from csms.ocpp.errors import CallErrorReceived, CallTimeout, OcppError, version_code

log = logging.getLogger(__name__)

SOLICITED_FOR = 300.0    # s: how long a message the CSMS asked for is admitted as solicited


class Connection(Protocol):
    cp_id: str
    protocol: str
    state: dict

    async def send(self, text: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(slots=True)
class CallContext:
    cp_id: str
    protocol: str
    unique_id: str
    received_at: datetime
    after: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    def then(self, fn: Callable[[], Awaitable[Any]]) -> None:
        """Run ``fn`` once the answer has been sent (e.g. a CALL back to the same charge point)."""
        self.after.append(fn)


Handler = Callable[[CallContext, dict], Awaitable[dict]]
FrameObserver = Callable[[str, str, int, str | None, str | None, str, datetime], None]


class _Outbound:
    __slots__ = ("lock", "pending")

    def __init__(self):
        self.lock = asyncio.Lock()
        self.pending: dict[str, tuple[str, asyncio.Future]] = {}


class Dispatcher:
    def __init__(self, routes: dict[str, dict[str, Handler]], observe: FrameObserver,
                 max_frame_bytes: int = 65536, strict_responses: bool = True,
                 tolerate: Callable[..., Awaitable[dict]] | None = None,
                 admit: Callable[[str, str, bool], Awaitable[bool]] | None = None):
        self.routes = routes
        self.observe = observe
        self.max_frame_bytes = max_frame_bytes
        self.strict_responses = strict_responses
        # tolerant mode: (cp_id, version, action, payload, response) -> repaired payload, or raises the
        # strict OcppError; called only for frames that break their schema
        self.tolerate = tolerate
        # admission: (cp_id, action, solicited) -> may this charge point send this now? (no: SecurityError);
        # solicited: the CSMS asked this connection for it (TriggerMessage, a report request, ...)
        self.admit = admit
        self._ids = itertools.count(1)
        self._prefix = f"{int(time.time()) % 100000:05d}"

    @property
    def versions(self) -> list[str]:
        return list(self.routes)

    # -- inbound ---------------------------------------------------------------------------------
    async def on_frame(self, conn: Connection, raw: str | bytes, received_at: datetime) -> None:
        version = conn.protocol
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            if len(raw) > self.max_frame_bytes or (
                    isinstance(raw, str) and len(raw) * 4 > self.max_frame_bytes
                    and len(raw.encode("utf-8", "surrogatepass")) > self.max_frame_bytes):
                uid = frames._salvage(text)
                raise frames.FrameError("FormationViolation" if version == "ocpp1.6" else "FormatViolation",
                                        f"frame of {len(raw)} bytes exceeds {self.max_frame_bytes}", uid, 0)
            frame = frames.decode(raw, version)
        except frames.FrameError as exc:
            self.observe(conn.cp_id, "in", exc.message_type, exc.unique_id, None, text, received_at)
            _count("?", "in", "invalid")
            if exc.message_type in (frames.CALLRESULT, frames.CALLERROR):
                # never answer an answer: a broken CALLRESULT/CALLERROR is logged, and the call it
                # belonged to (if any) times out
                log.warning("%s sent a malformed %s: %s", conn.cp_id,
                            "CALLRESULT" if exc.message_type == frames.CALLRESULT else "CALLERROR", exc.description)
                return
            await self._send_error(conn, exc.unique_id, None, exc.code, exc.description, exc.details)
            return

        if frame.type == frames.CALL:
            self.observe(conn.cp_id, "in", frames.CALL, frame.unique_id, frame.action, text, received_at)
            await self._handle_call(conn, frame, received_at)
        else:
            self._handle_answer(conn, frame, text, received_at)

    async def _handle_call(self, conn: Connection, frame: frames.Frame, received_at: datetime) -> None:
        version, action, uid = conn.protocol, frame.action, frame.unique_id
        routes = self.routes[version]
        handler = routes.get(action)
        label = action if action in schemas.actions(version) else "unknown"
        _count(label, "in", "call")
        started = time.perf_counter()
        ctx = CallContext(conn.cp_id, version, uid, received_at)
        try:
            if handler is None:
                if action in schemas.actions(version):
                    raise OcppError("NotSupported", f"{action} is not supported by this central system")
                raise OcppError("NotImplemented", f"unknown action {action!r}")
            if self.admit is not None and not await self.admit(conn.cp_id, action, _solicited(conn, action)):
                raise OcppError("SecurityError", f"{action} refused: {conn.cp_id} is not accepted (its "
                                "BootNotification was answered Pending or Rejected)")
            payload = frame.payload
            try:
                schemas.validate(version, action, payload)
            except OcppError:
                if self.tolerate is None:
                    raise
                payload = await self.tolerate(conn.cp_id, version, action, payload)
            payload = value_checks.check(version, action, payload)
            response = await handler(ctx, payload)
            if self.strict_responses:
                try:
                    schemas.validate(version, action, response, response=True)
                except OcppError as exc:   # our answer is wrong, not their request: InternalError below
                    raise RuntimeError(f"invalid {action} response: {exc.description}") from None
        except OcppError as exc:
            _latency(label, time.perf_counter() - started)
            await self._send_error(conn, uid, action, version_code(version, exc.code), exc.description, exc.details)
            return
        except Exception as exc:  # a bug or an outage: the charge point gets InternalError, the socket lives
            log.exception("handler %s failed for %s", action, conn.cp_id)
            _latency(label, time.perf_counter() - started)
            await self._send_error(conn, uid, action, "InternalError", f"{type(exc).__name__} while handling {action}")
            return
        _latency(label, time.perf_counter() - started)
        text = frames.result(uid, response)
        self.observe(conn.cp_id, "out", frames.CALLRESULT, uid, action, text, datetime.now(timezone.utc))
        _count(label, "out", "result")
        await conn.send(text)
        for fn in ctx.after:
            asyncio.create_task(_run_after(fn, conn.cp_id, action))

    async def _send_error(self, conn: Connection, uid: str, action: str | None, code: str, description: str,
                          details: dict | None = None) -> None:
        text = frames.error(uid, code, description, details)
        self.observe(conn.cp_id, "out", frames.CALLERROR, uid, action, text, datetime.now(timezone.utc))
        _count(action or "?", "out", "error")
        metrics.OCPP_CALL_ERRORS.labels(code, "out").inc()
        await conn.send(text)

    def _handle_answer(self, conn: Connection, frame: frames.Frame, text: str, received_at: datetime) -> None:
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
            _count(action, "in", "error")
            metrics.OCPP_CALL_ERRORS.labels(frame.error_code, "in").inc()
            future.set_exception(CallErrorReceived(frame.error_code, frame.error_description,
                                                   frame.error_details if isinstance(frame.error_details, dict) else {}))
            return
        _count(action, "in", "result")
        try:
            schemas.validate(conn.protocol, action, frame.payload, response=True)
            value_checks.check(conn.protocol, action, frame.payload, response=True)
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

    # -- outbound --------------------------------------------------------------------------------
    def validate_call(self, version: str, action: str, payload: dict) -> None:
        if action not in schemas.actions(version):
            raise OcppError("NotImplemented", f"{action} is not an OCPP {version[4:]} action")
        if action not in schemas.CSMS_INITIATED[version]:
            raise OcppError("NotSupported", f"{action} is sent by charge points, not to them")
        schemas.validate(version, action, payload)

    async def call(self, conn: Connection, action: str, payload: dict, timeout: float) -> dict:
        """Send a CALL and wait for its answer. Raises OcppError (payload invalid),
        CallErrorReceived, CallTimeout."""
        self.validate_call(conn.protocol, action, payload)
        out: _Outbound = conn.state.setdefault("outbound", _Outbound())
        async with out.lock:   # OCPP-J: one outstanding CALL per direction
            uid = f"{self._prefix}-{next(self._ids)}"
            future = asyncio.get_running_loop().create_future()
            out.pending[uid] = (action, future)
            text = frames.call(uid, action, payload)
            _solicit(conn, solicited_by(action, payload))
            self.observe(conn.cp_id, "out", frames.CALL, uid, action, text, datetime.now(timezone.utc))
            _count(action, "out", "call")
            try:
                await conn.send(text)
                return await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                raise CallTimeout(f"{conn.cp_id} did not answer {action} within {timeout:g} s") from None
            finally:
                out.pending.pop(uid, None)

    def on_disconnect(self, conn: Connection) -> None:
        out: _Outbound | None = conn.state.get("outbound")
        if out:
            for action, future in out.pending.values():
                if not future.done():
                    future.set_exception(CallTimeout(f"{conn.cp_id} disconnected before answering {action}"))
            out.pending.clear()


def _solicit(conn: Connection, actions: tuple[str, ...]) -> None:
    if actions:
        until = time.monotonic() + SOLICITED_FOR
        conn.state.setdefault("solicited", {}).update(dict.fromkeys(actions, until))


def _solicited(conn: Connection, action: str) -> bool:
    until = conn.state.get("solicited", {}).get(action)
    return until is not None and until > time.monotonic()


_counters: dict[tuple, object] = {}
_histograms: dict[str, object] = {}


def _count(action: str | None, direction: str, kind: str) -> None:
    key = (action, direction, kind)
    child = _counters.get(key)
    if child is None:    # .labels() hashes and locks on every call: keep the children
        child = _counters[key] = metrics.OCPP_MESSAGES.labels(action or "?", direction, kind)
    child.inc()


def _latency(action: str, seconds: float) -> None:
    child = _histograms.get(action)
    if child is None:
        child = _histograms[action] = metrics.OCPP_HANDLER_SECONDS.labels(action)
    child.observe(seconds)


async def _run_after(fn, cp_id: str, action: str) -> None:
    try:
        await fn()
    except Exception:
        log.exception("follow-up of %s for %s failed", action, cp_id)


def dumps(payload: Any) -> str:
    return orjson.dumps(payload).decode()
