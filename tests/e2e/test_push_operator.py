"""The operator live feed (docs/contract.md "Operator live feed") over real sockets: a real CSMS, a
raw OCPP 1.6 charge point, operator WebSocket clients. What a charge point does reaches every
operator socket; its OCPP frames only the sockets that subscribed to it."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from api import auth, push, push_operator
from tests.e2e.helpers import BOOT, answer, new_id

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def connect(csms, http, token: str | None, **kw) -> aiohttp.ClientWebSocketResponse:
    url = csms.api_url + push_operator.PATH + (f"?token={token}" if token else "")
    return await http.ws_connect(url, **kw)


async def next_json(ws, timeout: float = 3.0) -> dict:
    msg = await ws.receive(timeout=timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return msg.json()


async def until(ws, predicate, timeout: float = 3.0) -> dict:
    """The first message that matches; other charge points' traffic on the shared server is skipped."""
    deadline = time.monotonic() + timeout
    while True:
        message = await next_json(ws, max(0.05, deadline - time.monotonic()))
        if predicate(message):
            return message


def about(cp_id: str, kind: str):
    def match(message: dict) -> bool:
        data = message.get("data") or {}
        return message["type"] == kind and cp_id in (data.get("id"), data.get("charge_point_id"))
    return match


async def ping(ws) -> None:
    await ws.send_json({"type": "ping"})
    await until(ws, lambda m: m == {"type": "pong"})


async def test_status_changes_and_a_session_reach_every_operator_socket(shared_csms, shared_client, http):
    first = await connect(shared_csms, http, shared_csms.token)
    second = await connect(shared_csms, http, None, headers=shared_csms.auth)
    await ping(first), await ping(second)
    cp_id = new_id()

    client = await shared_client(shared_csms, cp_id, boot=False)
    for ws in (first, second):
        connected = await until(ws, about(cp_id, "charge_point"))
        assert connected["data"] | {"at": None} == {"id": cp_id, "online": True, "protocol": "ocpp1.6",
                                                    "event": "connected", "at": None}
    await client.result("BootNotification", BOOT)
    booted = await until(first, about(cp_id, "charge_point"))
    assert (booted["data"]["event"], booted["data"]["status"], booted["data"]["vendor"]) == ("booted", "Accepted", "Acme")

    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    faulted = await until(second, about(cp_id, "connector"))
    assert {k: faulted["data"][k] for k in ("evse_id", "connector_id", "status", "error_code")} == \
        {"evse_id": 1, "connector_id": 1, "status": "Faulted", "error_code": "GroundFailure"}
    assert faulted["data"]["at"].endswith("Z")

    tag = await shared_csms.an_id_tag()
    started = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 1000,
                                                        "timestamp": "2026-01-01T00:00:00Z"})
    tx_id = started["transactionId"]
    message = await until(first, about(cp_id, "transaction"))
    assert {k: message["data"][k] for k in ("id", "connector_id", "event", "energy_wh", "id_tag")} == \
        {"id": tx_id, "connector_id": 1, "event": "started", "energy_wh": 0, "id_tag": tag}
    await client.result("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": [{
        "timestamp": "2026-01-01T00:01:00Z", "sampledValue": [
            {"value": "1600", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"}]}]})
    updated = await until(first, about(cp_id, "transaction"))
    assert (updated["data"]["event"], updated["data"]["energy_wh"], updated["data"]["power_w"]) == ("updated", 600, 7200)
    await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 2500,
                                            "timestamp": "2026-01-01T00:02:00Z", "reason": "Local"})
    stopped = await until(first, about(cp_id, "transaction"))
    assert (stopped["data"]["event"], stopped["data"]["energy_wh"], stopped["data"]["reason"]) == ("stopped", 1500, "Local")

    await client.close()
    gone = await until(second, about(cp_id, "charge_point"))
    assert (gone["data"]["online"], gone["data"]["event"]) == (False, "disconnected")
    await first.close(), await second.close()


async def test_a_subscribed_socket_tails_the_frames_of_that_charge_point_only(shared_csms, shared_client, http):
    watched, other = new_id(), new_id()
    watched_cp = await shared_client(shared_csms, watched)
    other_cp = await shared_client(shared_csms, other)
    ws = await connect(shared_csms, http, shared_csms.token)
    bystander = await connect(shared_csms, http, shared_csms.token)
    await ws.send_json({"type": "subscribe", "messages": watched})
    assert await until(ws, lambda m: m["type"] == "subscribed") == {"type": "subscribed", "messages": watched}

    await other_cp.result("Heartbeat", {})
    await watched_cp.result("Heartbeat", {})
    call = await until(ws, lambda m: m["type"] == "message")
    result = await until(ws, lambda m: m["type"] == "message")
    for message, direction, kind in ((call, "in", 2), (result, "out", 3)):
        data = message["data"]
        assert (data["direction"], data["message_type"], data["action"], data["id"]) == (direction, kind, "Heartbeat", None)
        assert data["frame"][0] == kind and data["frame"][1] == data["unique_id"]
    assert call["data"]["unique_id"] == result["data"]["unique_id"]

    # a command from the CSMS shows as the CALL out and the answer in, with the action on both
    frame, status, _ = await answer(watched_cp, shared_csms.post(f"/api/v1/admin/charge-points/{watched}/commands/clear-cache"),
                                    {"status": "Accepted"})
    assert status == 200
    out = await until(ws, lambda m: m["type"] == "message")
    back = await until(ws, lambda m: m["type"] == "message")
    assert [(m["data"]["direction"], m["data"]["action"], m["data"]["unique_id"]) for m in (out, back)] == \
        [("out", "ClearCache", frame[1]), ("in", "ClearCache", frame[1])]
    # the stored log lists the same frames (with their ids) once written
    code, stored = await shared_csms.get(f"/api/v1/admin/charge-points/{watched}/messages?action=ClearCache")
    assert code == 200 and [m["frame"] for m in stored] == [back["data"]["frame"], out["data"]["frame"]]

    await ws.send_json({"type": "unsubscribe", "messages": watched})
    assert await until(ws, lambda m: m["type"] == "unsubscribed") == {"type": "unsubscribed", "messages": watched}
    await watched_cp.result("Heartbeat", {})
    await ping(ws)
    await ws.send_json({"type": "ping"})
    assert await next_json(ws) == {"type": "pong"}          # no frame came in between
    await bystander.send_json({"type": "ping"})
    assert not [m for m in await drain_until_pong(bystander) if m["type"] == "message"]
    await ws.close(), await bystander.close()


async def drain_until_pong(ws) -> list[dict]:
    seen = []
    while (message := await next_json(ws)) != {"type": "pong"}:
        seen.append(message)
    return seen


async def test_closing_a_socket_removes_its_taps(shared_csms, shared_client, http):
    cp_id = new_id()
    await shared_client(shared_csms, cp_id)
    ws = await connect(shared_csms, http, shared_csms.token)
    await ws.send_json({"type": "subscribe", "messages": cp_id})
    await until(ws, lambda m: m["type"] == "subscribed")
    taps = shared_csms.container.message_log._taps
    assert cp_id in taps
    await ws.close()
    deadline = time.monotonic() + 2
    while cp_id in taps and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert cp_id not in taps


async def test_bad_requests_are_answered_and_subscriptions_are_bounded(shared_csms, http):
    ws = await connect(shared_csms, http, shared_csms.token)
    for junk in ("not json", "[1]", '{"type": "subscribe"}', '{"type": "subscribe", "messages": ""}',
                 '{"type": "subscribe", "messages": 5}', '{"type": "watch", "messages": "CP"}'):
        await ws.send_str(junk)
        assert (await until(ws, lambda m: m["type"] in ("error", "subscribed")))["error"]["code"] == "bad_message"
    for i in range(push_operator.MAX_WATCHED):
        await ws.send_json({"type": "subscribe", "messages": f"NOBODY-{i}"})
        await until(ws, lambda m: m["type"] == "subscribed")
    await ws.send_json({"type": "subscribe", "messages": "ONE-TOO-MANY"})
    refused = await until(ws, lambda m: m["type"] in ("error", "subscribed"))
    assert refused["error"]["code"] == "too_many_subscriptions"
    await ping(ws)
    await ws.close()


@pytest.mark.parametrize("token", ["", "garbage", "driver", "expired", "unknown-role"])
async def test_a_bad_token_is_accepted_then_closed_with_4401(shared_csms, http, token):
    secret = shared_csms.container.jwt_secret
    token = {"driver": auth.issue(secret, "1", "driver", 600, kind="driver"),
             "expired": auth.issue(secret, "1", "admin", -10),
             "unknown-role": auth.issue(secret, "1", "superuser", 600)}.get(token, token)
    ws = await connect(shared_csms, http, token or None)
    msg = await ws.receive(timeout=3)
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, push.UNAUTHORIZED)


async def test_a_token_expiring_while_connected_closes_with_4401(shared_csms, http):
    ws = await connect(shared_csms, http, auth.issue(shared_csms.container.jwt_secret, "1", "operator", 1))
    await ping(ws)
    msg = await ws.receive(timeout=4)
    while msg.type == aiohttp.WSMsgType.TEXT:       # network events of other tests may come first
        msg = await ws.receive(timeout=4)
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, push.UNAUTHORIZED)


async def test_open_sockets_are_counted_apart_from_driver_sockets(shared_csms, http):
    def count(name):
        return REGISTRY.get_sample_value(name) or 0.0
    before, drivers = count("csms_operator_push_connections"), count("csms_push_connections")
    sockets = [await connect(shared_csms, http, shared_csms.token) for _ in range(2)]
    for ws in sockets:
        await ping(ws)
    assert (count("csms_operator_push_connections"), count("csms_push_connections")) == (before + 2, drivers)
    for ws in sockets:
        await ws.close()
    deadline = time.monotonic() + 2
    while count("csms_operator_push_connections") != before and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert count("csms_operator_push_connections") == before


async def test_a_socket_that_stops_reading_is_dropped_without_holding_up_others(shared_csms, http):
    from csms.domain.events import ChargePointNotice
    from tests.e2e.test_push import stalled_socket

    hub = shared_csms.running.runner.app[push_operator.HUB]
    _, slow = await stalled_socket(shared_csms.api_url, shared_csms.token, push_operator.PATH)
    good = await connect(shared_csms, http, shared_csms.token)
    await ping(good)
    before = len(hub)
    assert before >= 2
    bus, blob = shared_csms.container.bus, "x" * 50_000
    for i in range(600):          # the good socket reads all of it, the stalled one fills up
        bus.publish(ChargePointNotice("BULK", "test", {"i": i, "blob": blob}, shared_csms.container.clock.now()))
        if i % 10 == 0:             # read up to this notice on the good socket: it never lags
            await until(good, lambda m, i=i: m["type"] == "notice" and m["data"]["data"]["i"] == i)
        if len(hub) < before:
            break
    assert len(hub) == before - 1, "the stalled socket was never dropped"
    await ping(good)
    slow.close()
    await good.close()
