"""Two CSMS nodes on one MariaDB and a private Redis: a charger on one node is reached through the
other's REST API (request/reply over Redis, the same answers as locally: 200, 409 offline, 502
CALLERROR, 504 no answer, `calls/{Action}` and typed commands), a charger reconnecting to the other
node is taken over (the old node drops its socket, the charger stays online), and events published on
one node reach the other's live subscribers."""

from __future__ import annotations

import asyncio

import pytest

from api.server import start
from csms.domain import events
from tests.e2e.helpers import BOOT, answer, eventually, new_id
from tests.support.cluster_backing import cluster_backing
from tests.support.ocpp_client import RawClient
from tests.support.server import start_csms, stop_csms


@pytest.fixture
async def nodes(tmp_path):
    async with cluster_backing(tmp_path, **{"ocpp.call_timeout": "1", "ocpp.auto_register": True}) as (redis, settings):
        api = await start_csms(settings("api"))            # role all: API, OCPP, jobs
        other = await start(settings("ocpp"), "ocpp")
        try:
            yield api, other, redis
        finally:
            await other.stop()
            await stop_csms(api)


async def connect(running_or_csms, cp_id: str, protocol: str = "ocpp1.6") -> RawClient:
    port = running_or_csms.ocpp_port if hasattr(running_or_csms, "ocpp_port") else running_or_csms.running.ocpp_port
    client = await RawClient.open(f"ws://127.0.0.1:{port}/ocpp", cp_id, protocol)
    if protocol == "ocpp1.6":
        assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
    return client


async def held_by(container, cp_id: str) -> str | None:
    owner = await container.cluster.directory.owner(cp_id)
    return owner[0] if owner else None


async def test_commands_reach_a_charger_on_another_node_with_the_local_answers(nodes):
    api, other, _ = nodes
    cp_id = new_id()
    client = await connect(other, cp_id)
    await eventually(lambda: held_by(api.container, cp_id), what="presence in Redis")
    calls = f"/api/v1/admin/charge-points/{cp_id}"
    # calls/{Action}: the raw CALL, answered
    frame, status, body = await answer(client, api.post(f"{calls}/calls/GetConfiguration", {"key": ["X"]}),
                                       {"configurationKey": [], "unknownKey": ["X"]})
    assert frame[2:] == ["GetConfiguration", {"key": ["X"]}]
    assert (status, body) == (200, {"response": {"configurationKey": [], "unknownKey": ["X"]}})
    # a typed command: the neutral result
    frame, status, body = await answer(client, api.post(f"{calls}/commands/reset", {"type": "Hard"}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["Reset", {"type": "Hard"}] and status == 200 and body["status"] == "Accepted"
    # CALLERROR -> 502 with the charger's code and details
    _, status, body = await answer(client, api.post(f"{calls}/calls/ClearCache", {}),
                                   [4, "{id}", "NotSupported", "no cache", {"hint": 1}])
    assert status == 502 and body["error"]["ocpp_code"] == "NotSupported" and body["error"]["details"] == {"hint": 1}
    # a bad payload is refused before it leaves (400), in the charger's version
    status, body = await api.post(f"{calls}/calls/Reset", {"type": "Sideways"})
    assert status == 400 and body["error"]["code"] == "invalid_payload"
    # no answer -> 504
    status, body = await api.post(f"{calls}/commands/clear-cache", {})
    assert status == 504 and body["error"]["code"] == "timeout"
    await client.next_call()                       # the CALL it never answered
    # offline -> 409
    await client.close()
    await eventually(lambda: _none(held_by(api.container, cp_id)), what="released")
    status, body = await api.post(f"{calls}/commands/clear-cache", {})
    assert status == 409 and body["error"]["code"] == "charge_point_offline"


async def _none(coro) -> bool:
    return await coro is None


async def test_a_charger_reconnecting_to_another_node_is_taken_over(nodes):
    api, other, _ = nodes
    cp_id = new_id()
    first = await connect(other, cp_id)
    await eventually(lambda: _is(held_by(api.container, cp_id), other.container.node))
    second = await connect(api, cp_id)               # the load balancer sent it elsewhere
    await eventually(lambda: _is(held_by(api.container, cp_id), api.container.node))
    await asyncio.wait_for(first.ws.wait_closed(), 5)  # the old node dropped its socket
    assert other.container.registry.get(cp_id) is None
    await asyncio.sleep(0.3)                           # the old socket's close did not mark it offline
    status, body = await api.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert status == 200 and body["online"] is True, body
    _, status, _ = await answer(second, api.post(f"/api/v1/admin/charge-points/{cp_id}/calls/ClearCache", {}),
                                {"status": "Accepted"})
    assert status == 200
    await second.close()


async def _is(coro, value) -> bool:
    return await coro == value


async def test_events_on_one_node_reach_the_live_subscribers_of_the_other(nodes):
    api, other, _ = nodes
    seen: list = []
    api.container.bus.subscribe(events.ConnectorStatusChanged, seen.append, everywhere=True)
    local_only: list = []
    api.container.bus.subscribe(events.ConnectorStatusChanged, local_only.append)
    cp_id = new_id()
    client = await connect(other, cp_id)
    assert await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                      "status": "Preparing"}) == {}
    await eventually(lambda: _async([e for e in seen if e.charge_point_id == cp_id]), what="the remote event")
    [event] = [e for e in seen if e.charge_point_id == cp_id]
    assert (event.status, event.connector_id) == ("Preparing", 1) and event.at.tzinfo is not None
    assert not [e for e in local_only if e.charge_point_id == cp_id]    # the reactions ran on the other node only
    _, body = await api.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert body["online"] is True and body["protocol"] == "ocpp1.6"     # the presence mirror
    await client.close()


async def _async(value):
    return value


async def test_an_alarm_raised_on_one_node_is_resolved_by_the_charger_on_the_other(nodes):
    """The OCPP node reads nothing for the status reports of a healthy connector (its quiet keys); an
    alarm on that connector raised elsewhere (here, the API node) reaches it over the bus between
    nodes, so the next healthy report resolves the alarm."""
    from csms.domain.alarms import CONNECTOR_FAULT, Signal
    from csms.services.alarms import AlarmPolicy
    api, other, _ = nodes
    cp_id = new_id()
    client = await connect(other, cp_id)
    healthy = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    assert await client.result("StatusNotification", healthy) == {}
    alarms = api.container.operations.alarms
    alarms.policy = AlarmPolicy({"connector_fault": 0}, {})
    raised = await alarms.observe(Signal(CONNECTOR_FAULT, cp_id, 1, 1, type="GroundFailure", message="test"))
    assert raised is not None and raised.status == "Raised"

    async def reported_and_resolved() -> bool:      # the AlarmChanged crosses to the other node meanwhile
        assert await client.result("StatusNotification", healthy) == {}
        await asyncio.sleep(0.1)
        return (await alarms.get(raised.id)).status == "Resolved"
    await eventually(reported_and_resolved, timeout=5, interval=0.2, what="resolved by a healthy report")
    await client.close()
