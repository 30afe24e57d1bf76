"""A tiny OCPP 1.6 central system for the simulator tests (websockets server on 127.0.0.1, port 0).

It records every frame, answers the charge point's CALLs with valid defaults (overridable per action),
can send CALLs to a connected charge point, and validates every payload both ways against the OCPP
JSON schemas of its ``version``; violations are collected in ``errors`` (the fixture asserts there are
none). The 2.0.1 defaults are in fake_csms201.py.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Callable

import orjson
from websockets.asyncio.server import ServerConnection, serve

from chargepoint_sim import schemas


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Received:
    cp_id: str
    action: str
    payload: dict
    message_id: str
    at: float = 0.0  # event-loop time of arrival


class CsmsCallError(Exception):
    def __init__(self, code: str, description: str):
        super().__init__(f"{code}: {description}")
        self.code = code


class FakeCSMS:
    version = "1.6"

    def __init__(self):
        self.received: list[Received] = []  # CALLs from charge points, in arrival order
        self.errors: list[str] = []  # schema / framing violations by the simulator
        self.handlers: dict[str, Callable[[str, dict], dict]] = {}
        self.passwords: dict[str, str] = {}  # cp_id -> password (Basic auth required when set)
        self.headers: dict[str, dict] = {}  # cp_id -> request headers of the last handshake
        self.subprotocols: dict[str, str | None] = {}
        self.peer_certs: dict[str, dict | None] = {}  # TLS client certificate of the last handshake
        self.connections: dict[str, ServerConnection] = {}
        self.boot_status = "Accepted"
        self.boot_interval = 300
        self.blocked_tags: set[str] = set()
        self.tx_ids = itertools.count(100)
        self.handshakes = 0
        self.refuse = False  # answer handshakes with HTTP 503 (central system down)
        self.refused = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[str, asyncio.Future]] = {}
        self._event = asyncio.Event()
        self.server = None
        self.port = 0
        self.tls = False

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}/ocpp"

    async def start(self, ssl_context=None) -> "FakeCSMS":
        """``ssl_context``: serve wss:// (TLS) with this server context."""
        self.tls = ssl_context is not None
        self.server = await serve(self._serve, "127.0.0.1", 0, subprotocols=[f"ocpp{self.version}"],
                                  process_request=self._check_auth, compression=None, ping_interval=None,
                                  ssl=ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def _notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def _check_auth(self, connection, request):
        cp_id = request.path.rsplit("/", 1)[-1]
        if self.refuse:
            self.refused += 1
            self._notify()
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "down\n")
        self.headers[cp_id] = dict(request.headers.raw_items())
        password = self.passwords.get(cp_id)
        if password is None:
            return None
        expected = "Basic " + base64.b64encode(f"{cp_id}:{password}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
        return None

    # ------------------------------------------------------------------ connection
    async def _serve(self, ws: ServerConnection) -> None:
        cp_id = ws.request.path.rsplit("/", 1)[-1]
        self.connections[cp_id] = ws
        self.subprotocols[cp_id] = ws.subprotocol
        self.peer_certs[cp_id] = ws.transport.get_extra_info("peercert") if self.tls else None
        self.handshakes += 1
        self._notify()
        try:
            async for text in ws:
                if not isinstance(text, str):
                    self.errors.append(f"{cp_id}: binary frame")
                    continue
                await self._on_text(cp_id, ws, text)
        except Exception:  # noqa: BLE001 - connection dropped
            pass
        finally:
            if self.connections.get(cp_id) is ws:
                del self.connections[cp_id]
            self._notify()

    async def _on_text(self, cp_id: str, ws: ServerConnection, text: str) -> None:
        msg = orjson.loads(text)
        if msg[0] == 2:
            _, message_id, action, payload = msg
            self._validate(cp_id, action, payload, response=False)
            self.received.append(Received(cp_id, action, payload, message_id, asyncio.get_running_loop().time()))
            self._notify()
            handler = self.handlers.get(action) or getattr(self, f"default_{action}", None)
            if handler is None:
                await ws.send(orjson.dumps([4, message_id, "NotImplemented", "", {}]).decode())
                return
            try:
                response = handler(cp_id, payload)
                if asyncio.iscoroutine(response):
                    response = await response
            except CsmsCallError as exc:     # a handler refusing the message: CALLERROR
                await ws.send(orjson.dumps([4, message_id, exc.code, str(exc), {}]).decode())
                return
            if response is None:  # handler decided not to answer
                return
            await ws.send(orjson.dumps([3, message_id, response]).decode())
        elif msg[0] in (3, 4):
            entry = self._pending.pop(msg[1], None)
            if entry is None:
                self.errors.append(f"{cp_id}: response to unknown id {msg[1]}")
                return
            action, future = entry
            if msg[0] == 3:
                if action != "Raw":
                    self._validate(cp_id, action, msg[2], response=True)
                future.set_result(msg[2])
            else:
                if len(msg) != 5:
                    self.errors.append(f"{cp_id}: CALLERROR with {len(msg)} elements")
                future.set_exception(CsmsCallError(msg[2], msg[3]))
            self._notify()
        else:
            self.errors.append(f"{cp_id}: bad frame {text}")

    def _validate(self, cp_id: str, action: str, payload: dict, response: bool) -> None:
        try:
            schemas.validate(self.version, action, payload, response=response)
        except schemas.SchemaViolation as exc:
            self.errors.append(f"{cp_id}: {action}{'Response' if response else ''}: {exc}")

    # ------------------------------------------------------------------ CSMS -> CP
    async def call(self, cp_id: str, action: str, payload: dict, timeout: float = 5.0) -> dict:
        ws = self.connections[cp_id]
        message_id = f"srv-{next(self._ids)}"
        future = asyncio.get_running_loop().create_future()
        self._pending[message_id] = (action, future)
        await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
        return await asyncio.wait_for(future, timeout)

    async def call_raw(self, cp_id: str, message_id: str, text: str, timeout: float = 5.0) -> dict:
        """Send a hand-made CALL frame (possibly malformed) and wait for the answer to ``message_id``."""
        future = asyncio.get_running_loop().create_future()
        self._pending[message_id] = ("Raw", future)
        await self.connections[cp_id].send(text)
        return await asyncio.wait_for(future, timeout)

    async def send_text(self, cp_id: str, text: str) -> None:
        await self.connections[cp_id].send(text)

    async def drop(self, cp_id: str) -> None:
        """Kill the TCP connection of a charge point (network failure)."""
        self.connections[cp_id].transport.abort()
        await self.wait(lambda: cp_id not in self.connections)

    # ------------------------------------------------------------------ waiting
    async def wait(self, predicate: Callable[[], object], timeout: float = 5.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("condition not met")
            try:
                await asyncio.wait_for(self._event.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass
        return result

    def calls(self, action: str | None = None, cp_id: str | None = None, after: int = 0) -> list[Received]:
        """CALLs received (from index ``after`` of ``received`` on), filtered by action and charge point."""
        return [r for r in self.received[after:]
                if (action is None or r.action == action) and (cp_id is None or r.cp_id == cp_id)]

    async def wait_call(self, action: str, predicate: Callable[[dict], bool] = lambda p: True,
                        timeout: float = 5.0, after: int = 0) -> Received:
        """The first CALL ``action`` at index >= ``after`` of ``received`` matching ``predicate``."""
        def find():
            for r in self.received[after:]:
                if r.action == action and predicate(r.payload):
                    return r
            return None
        return await self.wait(find, timeout)

    def statuses(self, connector_id: int, cp_id: str | None = None) -> list[str]:
        return [r.payload["status"] for r in self.calls("StatusNotification", cp_id)
                if r.payload["connectorId"] == connector_id]

    # ------------------------------------------------------------------ default answers
    def default_BootNotification(self, cp_id, payload):
        return {"status": self.boot_status, "currentTime": now_iso(), "interval": self.boot_interval}

    def default_Heartbeat(self, cp_id, payload):
        return {"currentTime": now_iso()}

    def _tag_info(self, tag: str) -> dict:
        return {"status": "Blocked" if tag in self.blocked_tags else "Accepted"}

    def default_Authorize(self, cp_id, payload):
        return {"idTagInfo": self._tag_info(payload["idTag"])}

    def default_StartTransaction(self, cp_id, payload):
        return {"transactionId": next(self.tx_ids), "idTagInfo": self._tag_info(payload["idTag"])}

    def default_StopTransaction(self, cp_id, payload):
        return {"idTagInfo": {"status": "Accepted"}}

    def default_StatusNotification(self, cp_id, payload):
        return {}

    def default_MeterValues(self, cp_id, payload):
        return {}

    def default_DiagnosticsStatusNotification(self, cp_id, payload):
        return {}

    def default_FirmwareStatusNotification(self, cp_id, payload):
        return {}

    def default_DataTransfer(self, cp_id, payload):
        return {"status": "Accepted"}

    # security extension (the same answers in 2.0.1)
    def default_SecurityEventNotification(self, cp_id, payload):
        return {}

    def default_LogStatusNotification(self, cp_id, payload):
        return {}

    def default_SignedFirmwareStatusNotification(self, cp_id, payload):
        return {}
