"""The OCPP WebSocket listener: handshake (path, subprotocol, credentials), frames in and out.

It knows nothing of the domain. Three narrow callbacks connect it to the layers above:
``authenticate(cp_id, password, tls, client_cn) -> HTTP status (101 = go on)``,
``on_frame(conn, raw, received_at)``, and ``on_open(conn)`` / ``on_close(conn, current)``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import ssl
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Awaitable, Callable
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from csms import metrics
from csms.transport.limits import FrameRate
from csms.transport.registry import Registry

log = logging.getLogger(__name__)

PATH_PREFIX = "/ocpp/"
BACKLOG = 4096      # pending connections the kernel keeps for accept()
Authenticate = Callable[[str, str | None, bool, str | None], Awaitable[int]]


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return user, password


def client_cn(ws: ServerConnection) -> str | None:
    sslobj = ws.transport.get_extra_info("ssl_object") if ws.transport else None
    cert = sslobj.getpeercert() if sslobj else None
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class Connection:
    __slots__ = ("cp_id", "protocol", "ws", "remote", "tls", "connected_at", "last_frame_at", "state")

    def __init__(self, ws: ServerConnection, cp_id: str, protocol: str, tls: bool = False):
        self.ws = ws
        self.cp_id = cp_id
        self.protocol = protocol
        self.tls = tls
        addr = ws.remote_address
        self.remote = f"{addr[0]}:{addr[1]}" if addr else "?"
        self.connected_at = datetime.now(timezone.utc)
        self.last_frame_at = self.connected_at
        self.state: dict = {}          # slots for the layers above (pending calls, ...)

    async def send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            log.debug("send to closed connection %s dropped", self.cp_id)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.ws.close(code, reason)

    def __repr__(self) -> str:
        return f"<Connection {self.cp_id} {self.protocol} from {self.remote}>"


class OcppServer:
    def __init__(self, *, host: str, port: int, versions: list[str], registry: Registry,
                 authenticate: Authenticate,
                 on_frame: Callable[[Connection, str | bytes, datetime], Awaitable[None]],
                 on_open: Callable[[Connection], Awaitable[None]],
                 on_close: Callable[[Connection, bool], Awaitable[None]],
                 max_size: int = 262144, ping_interval: float | None = 60,
                 ssl_context: ssl.SSLContext | None = None,
                 admit: Callable[[str, str], Awaitable[float | None]] | None = None,
                 message_rate: tuple[int, float] | None = None):
        self.host, self.port = host, port
        self.versions = versions
        self.registry = registry
        self.authenticate = authenticate
        self.on_frame, self.on_open, self.on_close = on_frame, on_open, on_close
        self.max_size = max_size
        self.ping_interval = ping_interval or None
        self.ssl_context = ssl_context
        self.admit = admit                    # (id, address) -> None, or seconds until another attempt is allowed
        self.message_rate = message_rate      # (count, seconds) per connection
        self._server = None

    # -- handshake -------------------------------------------------------------------------------
    def _offered(self, headers: Headers) -> list[str]:
        return [p.strip() for h in headers.get_all("Sec-WebSocket-Protocol") for p in h.split(",") if p.strip()]

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if not path.startswith(PATH_PREFIX) or len(path) <= len(PATH_PREFIX):
            return self._refuse(ws, HTTPStatus.NOT_FOUND, "not an OCPP endpoint: use /ocpp/{chargePointId}\n")
        cp_id = unquote(path[len(PATH_PREFIX):]).rstrip("/")
        if "/" in cp_id or not cp_id or len(cp_id) > 48:
            return self._refuse(ws, HTTPStatus.NOT_FOUND, "invalid charge point id\n")
        offered = self._offered(request.headers)
        if not any(p in self.versions for p in offered):
            return self._refuse(ws, HTTPStatus.BAD_REQUEST,
                                f"offer one of the subprotocols {', '.join(self.versions)}\n")
        if self.admit is not None:            # before the password is checked: guessing counts too
            wait = await self.admit(cp_id, ws.remote_address[0] if ws.remote_address else "?")
            if wait is not None:
                response = self._refuse(ws, HTTPStatus.TOO_MANY_REQUESTS, "too many connection attempts\n")
                response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
                return response
        creds = parse_basic(request.headers.get("Authorization"))
        password = None
        if creds is not None:
            user, password = creds
            if user != cp_id:
                return self._refuse(ws, HTTPStatus.UNAUTHORIZED, "basic auth user must be the charge point id\n",
                                    basic=True)
        tls = self.ssl_context is not None
        status = await self.authenticate(cp_id, password, tls, client_cn(ws) if tls else None)
        if status != 101:
            return self._refuse(ws, HTTPStatus(status), HTTPStatus(status).phrase + "\n",
                                basic=status == HTTPStatus.UNAUTHORIZED)
        return None

    def _refuse(self, ws: ServerConnection, status: HTTPStatus, body: str, basic: bool = False) -> Response:
        metrics.HANDSHAKES.labels(str(int(status))).inc()
        response = ws.respond(status, body)
        if basic:
            response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
        return response

    def _select_subprotocol(self, ws: ServerConnection, offered) -> str | None:
        for p in offered:          # the charge point's preference order
            if p in self.versions:
                return p
        return None

    # -- connection ------------------------------------------------------------------------------
    async def _handler(self, ws: ServerConnection) -> None:
        path = ws.request.path.split("?", 1)[0]
        cp_id = unquote(path[len(PATH_PREFIX):]).rstrip("/")
        conn = Connection(ws, cp_id, ws.subprotocol, tls=self.ssl_context is not None)
        metrics.HANDSHAKES.labels("101").inc()
        old = self.registry.put(conn)
        if old is not None:
            log.info("%s reconnected from %s; closing the previous connection from %s", cp_id, conn.remote, old.remote)
            asyncio.create_task(old.close(1000, "replaced by a new connection"))
        metrics.CONNECTED.labels(conn.protocol).inc()
        try:
            await self.on_open(conn)
            rate = FrameRate(*self.message_rate) if self.message_rate else None
            async for raw in ws:
                if rate is not None and (wait := rate.take()):
                    metrics.THROTTLED.inc()
                    await asyncio.sleep(wait)     # this socket is read no faster; the others go on
                now = datetime.now(timezone.utc)
                conn.last_frame_at = now
                await self.on_frame(conn, raw, now)
        except ConnectionClosed:
            pass
        finally:
            metrics.CONNECTED.labels(conn.protocol).dec()
            current = self.registry.remove(conn)
            await self.on_close(conn, current)

    async def start(self) -> None:
        self._server = await serve(
            self._handler, self.host, self.port,
            process_request=self._process_request,
            subprotocols=self.versions,
            select_subprotocol=self._select_subprotocol,
            max_size=self.max_size,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_interval,
            compression=None,
            ssl=self.ssl_context,
            server_header="csms",
            # a reconnect storm: thousands connect at once. asyncio's default accept queue of 100
            # drops the rest, and a dropped SYN is retried after 1, 3, 7 s; the kernel caps this at
            # net.core.somaxconn (4096 on current kernels)
            backlog=BACKLOG,
        )

    @property
    def bound_port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None
