"""Live push (docs/contract.md "Live push") over real sockets: a real CSMS, real WebSocket
clients, events published on the container's bus. Each driver sees only their own events."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import WSMsgType, web
from prometheus_client import REGISTRY

from api import auth, push
from api import context
from csms.domain.driver_events import OrderChanged, SessionChanged

pytestmark = pytest.mark.asyncio(loop_scope="module")
_users = itertools.count(10_000)


async def side_app(container) -> tuple[web.AppRunner, str]:
    """An aiohttp app with only the push route, sharing the server's container."""
    app = web.Application()
    context.install(app, container)
    push.setup(app)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base(shared_csms):
    """The API's own /api/v1/ws when create_app registers it, else a side app on the same container."""
    paths = {r.canonical for r in shared_csms.running.runner.app.router.resources()}
    if push.PATH in paths:
        yield shared_csms.api_url
        return
    runner, url = await side_app(shared_csms.container)
    try:
        yield url
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="module")
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def driver_token(csms, user_id: int, ttl: int = 600) -> str:
    return auth.issue(csms.container.jwt_secret, str(user_id), "driver", ttl, kind="driver")


async def connect(http, base, token: str | None = None, **kw) -> aiohttp.ClientWebSocketResponse:
    url = base + push.PATH + (f"?token={token}" if token else "")
    return await http.ws_connect(url, **kw)


async def next_json(ws, timeout: float = 2.0) -> dict:
    msg = await ws.receive(timeout=timeout)
    assert msg.type == WSMsgType.TEXT, msg
    return msg.json()


async def closed_with(ws, timeout: float = 2.0) -> int:
    """The close code the server sent."""
    msg = await ws.receive(timeout=timeout)
    assert msg.type == WSMsgType.CLOSE, msg
    return msg.data


async def ping(ws) -> None:
    """Round trip: everything pushed before the ping has been read once the pong arrives."""
    await ws.send_json({"type": "ping"})
    assert await next_json(ws) == {"type": "pong"}


def session_event(user_id: int, order_id: int, **data) -> SessionChanged:
    return SessionChanged(user_id, order_id, {"order_id": order_id, "state": "charging", "energy_wh": 1200, **data})


async def test_each_driver_receives_only_their_own_events(shared_csms, base, http):
    alice, bob = next(_users), next(_users)
    ws_a = await connect(http, base, driver_token(shared_csms, alice))
    ws_b = await connect(http, base, driver_token(shared_csms, bob))
    await ping(ws_a), await ping(ws_b)          # both registered with the hub

    bus = shared_csms.container.bus
    bus.publish(session_event(alice, 1, energy_wh=1500))
    bus.publish(session_event(bob, 2))
    bus.publish(OrderChanged(alice, 1, {"id": 1, "state": "paid", "total_fen": 2350}))

    assert await next_json(ws_a) == {"type": "session", "data": {"order_id": 1, "state": "charging",
                                                                 "energy_wh": 1500}}
    assert await next_json(ws_a) == {"type": "order", "data": {"id": 1, "state": "paid", "total_fen": 2350}}
    assert (await next_json(ws_b))["data"]["order_id"] == 2      # bob's first message is his own
    await ping(ws_a), await ping(ws_b)          # and nothing else was queued for either
    await ws_a.close(), await ws_b.close()


async def test_every_socket_of_a_driver_gets_the_event_and_closed_ones_are_forgotten(shared_csms, base, http):
    user = next(_users)
    first = await connect(http, base, driver_token(shared_csms, user))
    second = await connect(http, base, driver_token(shared_csms, user))
    await ping(first), await ping(second)
    shared_csms.container.bus.publish(session_event(user, 5))
    assert (await next_json(first))["data"]["order_id"] == 5
    assert (await next_json(second))["data"]["order_id"] == 5
    await first.close()
    await asyncio.sleep(0.05)
    shared_csms.container.bus.publish(session_event(user, 6))
    assert (await next_json(second))["data"]["order_id"] == 6
    await second.close()


async def test_the_authorization_header_works_too(shared_csms, base, http):
    user = next(_users)
    ws = await connect(http, base, headers={"Authorization": f"Bearer {driver_token(shared_csms, user)}"})
    await ping(ws)
    shared_csms.container.bus.publish(session_event(user, 9))
    assert (await next_json(ws))["data"]["order_id"] == 9
    await ws.close()


async def test_junk_frames_are_answered_without_closing(shared_csms, base, http):
    ws = await connect(http, base, driver_token(shared_csms, next(_users)))
    for junk in ("not json", "[1, 2]", '{"type": "subscribe"}', "{}"):
        await ws.send_str(junk)
        answer = await next_json(ws)
        assert answer["type"] == "error" and answer["error"]["code"] == "bad_message"
    await ws.send_bytes(b"\x00\x01")
    assert (await next_json(ws))["error"]["code"] == "bad_message"
    await ping(ws)
    await ws.close()


@pytest.mark.parametrize("token", ["", "garbage", "operator", "expired", "wrong-secret", "not-a-user-id"])
async def test_a_bad_token_is_accepted_then_closed_with_4401(shared_csms, base, http, token):
    secret = shared_csms.container.jwt_secret
    token = {"operator": shared_csms.token,
             "expired": auth.issue(secret, "1", "driver", -10, kind="driver"),
             "wrong-secret": auth.issue("another-secret-" + "y" * 32, "1", "driver", 600, kind="driver"),
             "not-a-user-id": auth.issue(secret, "admin", "driver", 600, kind="driver")}.get(token, token)
    ws = await connect(http, base, token or None)
    assert await closed_with(ws) == push.UNAUTHORIZED


async def test_a_token_expiring_while_connected_closes_with_4401(shared_csms, base, http):
    ws = await connect(http, base, driver_token(shared_csms, next(_users), ttl=1))
    await ping(ws)
    assert await closed_with(ws, timeout=3) == push.UNAUTHORIZED


def open_sockets() -> float:
    return REGISTRY.get_sample_value("csms_push_connections") or 0.0


async def test_open_sockets_are_counted(shared_csms, base, http):
    before = open_sockets()
    sockets = [await connect(http, base, driver_token(shared_csms, next(_users))) for _ in range(3)]
    for ws in sockets:
        await ping(ws)
    assert open_sockets() == before + 3
    for ws in sockets:
        await ws.close()
    deadline = time.monotonic() + 2
    while open_sockets() != before and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert open_sockets() == before


async def test_shutdown_closes_every_socket_and_unsubscribes(shared_csms, http):
    runner, url = await side_app(shared_csms.container)
    user = next(_users)
    sockets = [await connect(http, url, driver_token(shared_csms, user)) for _ in range(2)]
    for ws in sockets:
        await ping(ws)
    started = time.monotonic()
    await runner.cleanup()
    assert time.monotonic() - started < 3
    for ws in sockets:
        assert await closed_with(ws) == 1001
    shared_csms.container.bus.publish(session_event(user, 1))   # no subscriber left from that app: no error


async def stalled_socket(url: str, token: str, path: str = push.PATH) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that completes the handshake and then never reads again."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=1024)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    writer.write((f"GET {path}?token={token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def test_a_client_that_stops_reading_is_dropped_without_holding_up_others(shared_csms, http):
    runner, url = await side_app(shared_csms.container)
    hub = runner.app[push.HUB]
    slow_user, other_user = next(_users), next(_users)
    try:
        _, slow = await stalled_socket(url, driver_token(shared_csms, slow_user))
        good = await connect(http, url, driver_token(shared_csms, other_user))
        await ping(good)
        deadline = time.monotonic() + 2
        while len(hub) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert len(hub) == 2

        bus, blob = shared_csms.container.bus, "x" * 100_000
        for i in range(300):                     # 30 MB for a socket whose reader is asleep
            bus.publish(session_event(slow_user, i, blob=blob))
            if i % 20 == 0:
                await asyncio.sleep(0)           # let its sender write until the socket buffers fill
            if len(hub) == 1:
                break
        assert len(hub) == 1, "the stalled socket was never dropped"

        started = time.monotonic()
        bus.publish(session_event(other_user, 7))
        assert (await next_json(good))["data"]["order_id"] == 7
        assert time.monotonic() - started < 0.5
        slow.close()
        await good.close()
    finally:
        await runner.cleanup()
