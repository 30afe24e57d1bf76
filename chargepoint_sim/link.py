"""One OCPP-J WebSocket connection (version-agnostic): open with subprotocol, Basic auth and TLS (wss://,
optionally with a client certificate), one outstanding CALL at a time with a timeout, inbound frames
read by a single reader task.

Inbound CALLs are handed to ``on_call`` one at a time (the owner answers them with ``send_text``);
every inbound text is also passed to ``on_frame`` (raw capture, frame log). ``on_close`` runs once
when the connection ends for any reason.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import sys
from typing import Awaitable, Callable
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .protocol import (
    Call, CallError, CallErrorFrame, CallResult, FrameError, MessageIds, decode, encode_call, encode_error, error_code,
)

log = logging.getLogger("chargepoint_sim")


class NotConnected(ConnectionError):
    """No open connection (never opened, dropped, or closed while a CALL was waiting)."""


class CallTimeout(TimeoutError):
    """The central system did not answer a CALL within the call timeout."""


class SubprotocolRefused(ConnectionError):
    """The server accepted the WebSocket but not the requested OCPP subprotocol."""


def basic_auth_header(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


def make_ssl_context(cafile: str | None = None, certfile: str | None = None,
                     keyfile: str | None = None) -> ssl.SSLContext:
    """Client TLS context: the system CAs or ``cafile`` (PEM) as trust anchors, and a client certificate
    (security profile 3) from ``certfile`` + ``keyfile`` (or a PEM holding both)."""
    if keyfile and not certfile:
        raise ValueError("a client key needs its certificate (certfile)")
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP security: TLS 1.2 or higher
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    return context


def print_frame(cp_id: str, direction: str, text: str) -> None:
    sys.stdout.write(f"{cp_id} {direction} {text}\n")
    sys.stdout.flush()


class OcppLink:
    def __init__(
        self,
        cp_id: str,
        *,
        on_call: Callable[[Call], Awaitable[None]],
        on_close: Callable[["OcppLink"], None],
        on_frame: Callable[[str], None] | None = None,
        log_frames: bool | Callable[[str, str, str], None] = False,
        call_timeout: float = 10.0,
        ids: MessageIds | None = None,
        version: str = "1.6",
    ):
        self.cp_id = cp_id
        self.version = version  # error codes of our CALLERRORs are spelt the way this version does
        self.ws: ClientConnection | None = None
        self._on_call = on_call
        self._on_close = on_close
        self._on_frame = on_frame
        self._log = log_frames if callable(log_frames) else (print_frame if log_frames else None)
        self.call_timeout = call_timeout
        self._ids = ids or MessageIds()
        self._lock = asyncio.Lock()
        self._pending: tuple[str, asyncio.Future] | None = None
        self._reader: asyncio.Task | None = None
        self._closed = False

    @property
    def open(self) -> bool:
        return self.ws is not None and not self._closed

    async def open_connection(
        self,
        url: str,
        subprotocol: str,
        password: str | None = None,
        *,
        open_timeout: float = 10.0,
        ping_interval: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context`` is used for wss:// URLs (None there = the system's default trust store)."""
        headers = {"Authorization": basic_auth_header(self.cp_id, password)} if password is not None else None
        uri = f"{url.rstrip('/')}/{quote(self.cp_id, safe='')}"
        tls = {"ssl": ssl_context} if uri.startswith("wss://") and ssl_context is not None else {}
        ws = await connect(
            uri,
            subprotocols=[subprotocol],
            additional_headers=headers,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            close_timeout=2,
            compression=None,
            proxy=None,
            user_agent_header="csms-sim",
            **tls,
        )
        if ws.subprotocol != subprotocol:
            await ws.close()
            raise SubprotocolRefused(f"server did not accept subprotocol {subprotocol} (got {ws.subprotocol!r})")
        self.ws = ws
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(), name=f"ocpp-reader-{self.cp_id}")

    async def send_text(self, text: str) -> None:
        if not self.open:
            raise NotConnected(f"{self.cp_id}: not connected")
        if self._log:
            self._log(self.cp_id, ">>", text)
        try:
            await self.ws.send(text)
        except ConnectionClosed as exc:
            raise NotConnected(f"{self.cp_id}: connection closed") from exc

    async def call(self, action: str, payload: dict, timeout: float | None = None) -> dict:
        """Send a CALL and wait for its CALLRESULT payload; raise CallError, CallTimeout or NotConnected."""
        async with self._lock:
            if not self.open:
                raise NotConnected(f"{self.cp_id}: not connected")
            message_id = self._ids.next()
            future = asyncio.get_running_loop().create_future()
            self._pending = (message_id, future)
            try:
                await self.send_text(encode_call(message_id, action, payload))
                async with asyncio.timeout(timeout if timeout is not None else self.call_timeout):
                    return await future
            except TimeoutError:
                raise CallTimeout(f"{self.cp_id}: no answer to {action} within the call timeout") from None
            finally:
                self._pending = None
                if future.done() and not future.cancelled():
                    future.exception()  # retrieved even if send_text failed before we awaited it

    async def close(self, code: int = 1000) -> None:
        ws = self.ws
        if ws is not None:
            try:
                await ws.close(code)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        reader = self._reader
        if reader is not None and reader is not asyncio.current_task():
            await asyncio.wait({reader}, timeout=3)
            if not reader.done():
                reader.cancel()
        self._finish()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake (simulates a network failure)."""
        if self.ws is not None and self.ws.transport is not None:
            self.ws.transport.abort()

    def _finish(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(NotConnected(f"{self.cp_id}: connection closed"))
        try:
            self._on_close(self)
        except Exception:  # noqa: BLE001
            log.exception("%s: on_close callback failed", self.cp_id)

    async def _read_loop(self) -> None:
        try:
            async for text in self.ws:
                if self._log:
                    self._log(self.cp_id, "<<", text if isinstance(text, str) else repr(text))
                if self._on_frame is not None:
                    self._on_frame(text)
                await self._dispatch(text)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 - a handler bug must not leave the link half alive
            log.exception("%s: reader failed", self.cp_id)
            self.abort()
        finally:
            self._finish()

    async def _dispatch(self, text: str | bytes) -> None:
        try:
            frame = decode(text)
        except FrameError as exc:
            log.warning("%s: bad frame from server: %s", self.cp_id, exc.description)
            if exc.message_id is not None:
                code = error_code(self.version, exc.code)
                if self.version != "1.6" and exc.description.startswith("unknown message type"):
                    code = "MessageTypeNotSupported"
                await self._send_quiet(encode_error(exc.message_id, code, exc.description))
            return
        if isinstance(frame, Call):
            await self._on_call(frame)
            return
        pending = self._pending
        if pending is None or pending[0] != frame.message_id or pending[1].done():
            log.debug("%s: unmatched response %s", self.cp_id, frame.message_id)
            return
        if isinstance(frame, CallResult):
            pending[1].set_result(frame.payload)
        elif isinstance(frame, CallErrorFrame):
            pending[1].set_exception(CallError(frame.code, frame.description, frame.details))

    async def _send_quiet(self, text: str) -> None:
        try:
            await self.send_text(text)
        except NotConnected:
            pass
