"""The one place where OCPP-J frames from charge points become handler calls and back.

The transport hands over (connection, raw frame, received-at). Here the frame is decoded, checked
against the official schema of the connection's version, routed by the version's route table
(csms/ocpp/<version>/routes.py), and the answer (or the right CALLERROR) is sent. Answers to the
CSMS's own CALLs go to the caller (csms/ocpp/calls.py). Every frame in and out is given to the frame
observer (the message log)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timezone

from csms import log_context
from csms.ocpp import frames, solicited
from csms.ocpp.calls import Caller, Connection, Tolerate
from csms.ocpp.errors import OcppError, version_code
from csms.ocpp.observe import FrameObserver, count, latency
from csms.ocpp.routing import CallContext, RouteTable

log = logging.getLogger(__name__)



class Dispatcher:
    def __init__(self, routes: Mapping[str, RouteTable], caller: Caller, observe: FrameObserver,
                 max_frame_bytes: int = 65536, strict_responses: bool = True, tolerate: Tolerate | None = None,
                 traceback_every: float = 60.0):
        self.routes = routes
        self.traceback_every = traceback_every
        self._traced: dict[type, float] = {}     # error class -> when its traceback was last logged
        self.caller = caller
        self.observe = observe
        self.max_frame_bytes = max_frame_bytes
        self.strict_responses = strict_responses
        self.tolerate = tolerate

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
            count("?", "in", "invalid", version)
            if exc.message_type in (frames.CALLRESULT, frames.CALLERROR):
                # never answer an answer: a broken CALLRESULT/CALLERROR is logged, and the call it
                # belonged to (if any) times out
                log.warning("%s sent a malformed %s: %s", conn.cp_id,
                            "CALLRESULT" if exc.message_type == frames.CALLRESULT else "CALLERROR", exc.description)
                return
            await self._send_error(conn, exc.unique_id, None, exc.code, exc.description, exc.details)
            return

        # log lines of this frame (and of tasks it starts) carry the charge point, message id and action
        token = log_context.ocpp_frame.set((conn.cp_id, frame.unique_id, frame.action))
        try:
            log.debug("frame in: type %s, %d bytes", frame.type, len(text))   # payloads may hold keys: not logged
            if frame.type == frames.CALL:
                self.observe(conn.cp_id, "in", frames.CALL, frame.unique_id, frame.action, text, received_at)
                await self._handle_call(conn, frame, received_at)
            else:
                self.caller.on_answer(conn, frame, text, received_at)
        finally:
            log_context.ocpp_frame.reset(token)

    async def _handle_call(self, conn: Connection, frame: frames.Frame, received_at: datetime) -> None:
        version, action, uid = conn.protocol, frame.action, frame.unique_id
        routes = self.routes[version]
        handler = routes.get(action)
        label = action if action in frames.actions(version) else "unknown"
        count(label, "in", "call", version)
        started = time.perf_counter()
        ctx = CallContext(conn.cp_id, version, uid, received_at)
        try:
            if handler is None:
                if action in frames.actions(version):
                    raise OcppError("NotSupported", f"{action} is not supported by this central system")
                raise OcppError("NotImplemented", f"unknown action {action!r}")
            if not admitted(conn, action):
                raise OcppError("SecurityError", f"{action} refused: {conn.cp_id} is not accepted (its "
                                "BootNotification was answered Pending or Rejected)")
            payload = frame.payload
            try:
                frames.validate(version, action, payload)
            except OcppError:
                if self.tolerate is None:
                    raise
                payload = await self.tolerate(conn.cp_id, version, action, payload)
            payload = frames.check_values(version, action, payload)
            response = await handler(ctx, payload)
            if self.strict_responses:
                try:
                    frames.validate(version, action, response, response=True)
                except OcppError as exc:   # our answer is wrong, not their request: InternalError below
                    raise RuntimeError(f"invalid {action} response: {exc.description}") from None
        except OcppError as exc:
            latency(label, time.perf_counter() - started)
            await self._send_error(conn, uid, action, version_code(version, exc.code), exc.description, exc.details)
            return
        except Exception as exc:  # noqa: BLE001 - a bug or an outage: InternalError (logged), the socket lives
            self._failed(exc, conn.cp_id, uid, action)
            latency(label, time.perf_counter() - started)
            await self._send_error(conn, uid, action, "InternalError", f"{type(exc).__name__} while handling {action}")
            return
        latency(label, time.perf_counter() - started)
        if action == "BootNotification":      # what this connection may send from now on (admitted())
            conn.state["boot"] = response.get("status")
        text = frames.result(uid, response)
        self.observe(conn.cp_id, "out", frames.CALLRESULT, uid, action, text, datetime.now(timezone.utc))
        count(label, "out", "result", version)
        await conn.send(text)
        for fn in ctx.after:
            asyncio.create_task(_run_after(fn, conn.cp_id, action))

    def _failed(self, exc: Exception, cp_id: str, uid: str, action: str) -> None:
        """One line per refused message: which message, and why. The traceback at most once a minute
        per error class: while the database is down every transaction message fails the same way
        (NotCommitted from the group commit, OperationalError from a query), and a traceback for
        each would bury the rest of the log."""
        kind = type(exc)
        now = time.monotonic()
        traced = self._traced.get(kind)
        fresh = traced is None or now - traced >= self.traceback_every
        if fresh:
            self._traced[kind] = now
        why = (str(exc).strip().splitlines() or [""])[0][:300]
        log.error("%s %s from %s answered InternalError: %s: %s%s", action, uid, cp_id, kind.__name__, why,
                  "" if fresh else " (traceback of this error logged less than a minute ago)",
                  exc_info=exc if fresh else None)

    async def _send_error(self, conn: Connection, uid: str, action: str | None, code: str, description: str,
                          details: dict | None = None) -> None:
        text = frames.error(uid, code, description, details)
        self.observe(conn.cp_id, "out", frames.CALLERROR, uid, action, text, datetime.now(timezone.utc))
        count(action or "?", "out", "error", conn.protocol, error_code=code)
        await conn.send(text)

    def opened(self, conn: Connection, registration: str | None) -> None:
        """A new connection of a charge point whose registration is Rejected may only boot until a boot
        of it is answered otherwise (it need not boot again after a reconnect: the stored word holds)."""
        if registration == "Rejected":
            conn.state["boot"] = "Rejected"

    def on_disconnect(self, conn: Connection) -> None:
        self.caller.on_disconnect(conn)


def admitted(conn: Connection, action: str) -> bool:
    """May this connection send ``action`` now? After a Rejected boot only BootNotification; after a
    Pending one also what the CSMS asked it for on this connection (TriggerMessage, a report request
    and what they cause: B02.FR.09, OCPP 1.6 4.2; solicited.py)."""
    boot = conn.state.get("boot")
    if boot is None or boot == "Accepted" or action == "BootNotification":
        return True
    return boot == "Pending" and solicited.asked_for(conn, action)


async def _run_after(fn, cp_id: str, action: str) -> None:
    try:
        await fn()
    except Exception:
        log.exception("follow-up of %s for %s failed", action, cp_id)

