"""Live push to the mini-program: ``GET /api/v1/ws`` (docs/contract.md, "Live push").

One bus subscription per app feeds a hub of ``user_id -> sockets`` (an event costs the sockets of
its driver, not all of them). Each socket has a bounded queue drained by its own sender task: a
slow client never holds up the others, and one whose queue overflows is dropped (close 1013; it
reconnects and polls). A bad or non-driver token: the socket is accepted, then closed with 4401
(so the client sees the code); the same when the token expires while connected."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Callable

import orjson
from aiohttp import WSMsgType, web

from api import auth
from api.context import BUS, JWT_SECRET
from api.errors import ApiError
from csms import metrics
from csms.domain.driver_events import ContentChecked, DriverNotice, InvoiceChanged, OrderChanged, SessionChanged

log = logging.getLogger(__name__)

PATH = "/api/v1/ws"
HEARTBEAT = 30.0          # seconds between pings; no pong within half of it closes the socket
QUEUE_SIZE = 64           # messages waiting for one socket before it counts as too slow
MAX_FRAME = 16 * 1024     # a client frame is a ping: anything bigger is refused by aiohttp (1009)
CLOSE_TIMEOUT = 5.0       # seconds a close handshake may take before the connection is cut
UNAUTHORIZED = 4401
TOO_SLOW = 1013           # "try again later"

CONNECTIONS = metrics.PUSH_CONNECTIONS


def dumps(message: dict) -> str:
    return orjson.dumps(message, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


PONG = dumps({"type": "pong"})
BAD_MESSAGE = dumps({"type": "error", "error": {"code": "bad_message",
                                                 "message": 'send JSON text such as {"type": "ping"}'}})


class Client:
    """One open socket of one driver."""

    __slots__ = ("ws", "request", "user_id", "queue", "sender", "expiry")

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, user_id: int, queue_size: int):
        self.ws, self.request, self.user_id = ws, request, user_id
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.sender: asyncio.Task | None = None
        self.expiry: asyncio.TimerHandle | None = None

    def offer(self, text: str) -> bool:
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            return False

    async def send_loop(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError) as exc:    # the peer went away mid-send
            log.debug("push to user %s stopped: %s", self.user_id, exc)

    async def close(self, code: int, message: str) -> None:
        """Close handshake, or cut the connection if the peer does not answer in time."""
        if self.sender is not None:
            self.sender.cancel()
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), CLOSE_TIMEOUT)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            transport = self.request.transport
            if transport is not None:
                transport.abort()


class PushHub:
    """``user_id -> {Client}``; ``publish`` serialises once and queues without waiting. The class
    attributes say who may connect and how sockets are counted (the operator feed, api/push_operator.py,
    is a subclass)."""

    kind = "driver"                 # the token kind a socket must present
    client_type = Client
    connections = CONNECTIONS

    def __init__(self, queue_size: int = QUEUE_SIZE):
        self.queue_size = queue_size
        self._clients: dict[int, set[Client]] = {}
        self._tasks: set[asyncio.Task] = set()

    def __len__(self) -> int:
        return sum(len(s) for s in self._clients.values())

    def new_client(self, ws: web.WebSocketResponse, request: web.Request, claims: dict) -> Client:
        """The socket's client, made from the token's verified claims."""
        return self.client_type(ws, request, int(claims["sub"]), self.queue_size)

    def add(self, client: Client) -> None:
        self._clients.setdefault(client.user_id, set()).add(client)

    def remove(self, client: Client) -> None:
        clients = self._clients.get(client.user_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._clients[client.user_id]

    def publish(self, user_id: int, message: dict) -> None:
        clients = self._clients.get(user_id)
        if not clients:
            return
        text = dumps(message)
        for client in list(clients):
            if not client.offer(text):
                log.info("push: dropping a too slow socket of user %s", user_id)
                self.drop(client, TOO_SLOW, "too slow; reconnect")

    def on_session(self, event: SessionChanged) -> None:
        self.publish(event.user_id, {"type": "session", "data": event.data})

    def on_order(self, event: OrderChanged) -> None:
        self.publish(event.user_id, {"type": "order", "data": event.data})

    def on_notice(self, event: DriverNotice) -> None:
        self.publish(event.user_id, {"type": "notice", "data": event.data})

    def on_content_check(self, event: ContentChecked) -> None:
        self.publish(event.user_id, {"type": "content_check", "data": event.data})

    def on_invoice(self, event: InvoiceChanged) -> None:
        self.publish(event.user_id, {"type": "invoice", "data": event.data})

    def drop(self, client: Client, code: int, message: str) -> None:
        """Stop pushing to ``client`` now and close it in the background."""
        self.remove(client)
        task = asyncio.get_running_loop().create_task(client.close(code, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close_all(self) -> None:
        clients = [c for s in self._clients.values() for c in s]
        self._clients.clear()
        await asyncio.gather(*(c.close(1001, "server shutting down") for c in clients), *self._tasks,
                             return_exceptions=True)


HUB = web.AppKey("push_hub", PushHub)


def _token(request: web.Request) -> str:
    token = request.query.get("token", "").strip()
    if token:
        return token
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_claims(secret: str, token: str, kind: str) -> tuple[dict | None, str]:
    """(claims, "") for a valid token of ``kind`` (driver | operator) with an integer subject, else
    (None, why). An operator token must carry a known role."""
    if not token:
        return None, f"send ?token=<{kind} access token>"
    try:
        claims = auth.verify(secret, token)
    except ApiError as exc:
        return None, exc.code
    if claims.get("kind") != kind or (kind == "operator" and claims.get("role") not in auth.ROLES):
        return None, f"a {kind} token is required"
    try:
        int(claims["sub"])
    except (TypeError, ValueError):
        return None, "invalid_token"
    return claims, ""


def answer(data: str) -> str:
    """The reply to one text frame from the client."""
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        return BAD_MESSAGE
    if isinstance(message, dict) and message.get("type") == "ping":
        return PONG
    return BAD_MESSAGE


async def serve(request: web.Request, hub: PushHub, reply) -> web.WebSocketResponse:
    """One socket's life: accept, authenticate (close 4401 if the token does not do), register a
    ``hub.client_type`` with ``hub`` until it closes or its token expires; each text frame is answered
    with ``reply(client, text)`` (None: nothing to answer)."""
    secret = request.app[JWT_SECRET]
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    claims, why = token_claims(secret, _token(request), hub.kind)
    if claims is None:
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(ws.close(code=UNAUTHORIZED, message=why.encode()[:120]), CLOSE_TIMEOUT)
        return ws
    client = hub.new_client(ws, request, claims)
    client.sender = asyncio.create_task(client.send_loop())
    exp = claims.get("exp")
    if isinstance(exp, (int, float)):
        client.expiry = asyncio.get_running_loop().call_later(
            max(0.0, exp - time.time()), hub.drop, client, UNAUTHORIZED, "token_expired")
    hub.add(client)
    hub.connections.inc()
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                text = reply(client, msg.data)
            elif msg.type == WSMsgType.BINARY:
                text = BAD_MESSAGE
            else:                                       # ERROR: the connection failed
                break
            if text is not None and not client.offer(text):
                hub.drop(client, TOO_SLOW, "too slow; reconnect")
                break
    finally:
        hub.connections.dec()
        hub.remove(client)
        if client.expiry is not None:
            client.expiry.cancel()
        client.sender.cancel()
        if not ws.closed:
            with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
                await asyncio.wait_for(ws.close(), CLOSE_TIMEOUT)
    return ws


async def websocket(request: web.Request) -> web.WebSocketResponse:
    return await serve(request, request.app[HUB], lambda client, data: answer(data))


def mount(app: web.Application, key: web.AppKey, hub: PushHub, path: str, handler,
          feeds: list[tuple[type, Callable[[Any], None]]]) -> None:
    """Add ``GET path`` -> ``handler``, subscribe ``feeds`` (event type, hub method) to the
    bus while the app runs, and close every socket of ``hub`` on shutdown."""
    app[key] = hub
    app.router.add_get(path, handler)

    async def subscribed(app: web.Application):
        bus = app[BUS]
        unsubscribe = [bus.subscribe(event_type, fn, everywhere=True) for event_type, fn in feeds]
        yield
        for fn in unsubscribe:
            fn()

    async def close_sockets(app: web.Application) -> None:
        await hub.close_all()

    app.cleanup_ctx.append(subscribed)
    app.on_shutdown.append(close_sockets)


def setup(app: web.Application, queue_size: int = QUEUE_SIZE) -> None:
    """Add ``GET /api/v1/ws``, subscribe the hub to the bus while the app runs, and close every socket
    on shutdown. Call after the app's keys are installed (api/context.py install)."""
    hub = PushHub(queue_size)
    mount(app, HUB, hub, PATH, websocket, [(SessionChanged, hub.on_session), (OrderChanged, hub.on_order),
                                           (ContentChecked, hub.on_content_check), (InvoiceChanged, hub.on_invoice),
                                           (DriverNotice, hub.on_notice)])
