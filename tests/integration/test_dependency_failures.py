"""What the CSMS does when Redis or RabbitMQ goes away (docs/scaling.md "When a service fails"), with
the service really gone for the node: a private redis-server stopped and started again, RabbitMQ cut
off behind a TCP proxy (the shared broker is never stopped).

- Redis down: a node keeps charging the chargers it holds (handshakes, transactions, meter values,
  commands to its own chargers); presence is claimed again when Redis is back.
- RabbitMQ down: the node answers once the rows are written in-process (fall back, never drop), and
  publishes again when RabbitMQ is back."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlparse

import pytest
from redis.exceptions import RedisError

from tests.e2e.helpers import BOOT, a_time, answer, eventually
from tests.support.ocpp_client import RawClient
from tests.support.private_services import PrivateRedis, TcpProxy
from tests.support.server import make_settings, start_csms, stop_csms
from tests.support.services import AMQP_URL, need


async def charge(client: RawClient, tag: str, minute: int) -> int:
    assert (await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                       "status": "Charging"})) == {}
    started = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 1000,
                                                       "timestamp": a_time(minute)})
    tx_id = started["transactionId"]
    assert await client.result("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": [
        {"timestamp": a_time(minute, 30), "sampledValue": [{"value": "1500", "unit": "Wh"}]}]}) == {}
    assert await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 2000,
                                                   "timestamp": a_time(minute + 1)}) == {}
    return tx_id


async def test_redis_down_a_node_keeps_charging_and_claims_again_when_it_is_back(tmp_path):
    redis = PrivateRedis(tmp_path)
    await redis.start()
    csms = await start_csms(make_settings(tmp_path, **{"redis.url": redis.url, "cluster.presence_ttl": "3",
                                                       "cluster.node_id": f"solo-{uuid.uuid4().hex[:6]}"}))
    try:
        cp_id = (await csms.a_charge_point())["id"]
        tag = await csms.an_id_tag()
        client = await RawClient.open(csms.ocpp_url, cp_id)
        assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
        directory = csms.container.cluster.directory
        await eventually(lambda: directory.owner(cp_id), what="claimed in Redis")

        redis.stop()                                              # Redis really gone
        tx_id = await charge(client, tag, 0)                      # the held charger charges on
        _, status, _ = await answer(client, csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/clear-cache"),
                                    {"status": "Accepted"})
        assert status == 200                                      # commands to this node's own chargers
        second = await RawClient.open(csms.ocpp_url, f"{cp_id}")   # a reconnect is accepted without Redis
        assert (await second.result("BootNotification", BOOT))["status"] == "Accepted"
        code, tx = await csms.get(f"/api/v1/admin/transactions/{tx_id}")
        assert code == 200 and tx["energy_wh"] == 1000 and tx["status"] == "Completed"

        await redis.start()                                       # empty: the refresh writes the entry again
        await eventually(lambda: _owner(directory, cp_id), 10, what="claimed again after the restart")
        await eventually(lambda: _subscribed(csms), 10, what="pub/sub subscribed again")
        await second.close()
        await client.close()
    finally:
        await stop_csms(csms)
        redis.stop()


async def _owner(directory, cp_id: str):
    try:
        return await directory.owner(cp_id)
    except (RedisError, OSError):         # a pooled connection from before the restart
        return None


async def _subscribed(csms) -> bool:
    return csms.container.cluster.channels.subscribed.is_set() and csms.container.cluster.channels.reconnects > 0


@pytest.fixture
async def amqp_proxy():
    need(AMQP_URL, "RabbitMQ")
    u = urlparse(AMQP_URL)
    proxy = TcpProxy(u.hostname or "127.0.0.1", u.port or 5672)
    await proxy.restore()
    yield proxy, AMQP_URL.replace(f"{u.hostname}:{u.port or 5672}", f"127.0.0.1:{proxy.port}")
    await proxy.cut()


async def test_rabbitmq_down_rows_are_written_in_process_then_published_again(tmp_path, amqp_proxy):
    proxy, url = amqp_proxy
    csms = await start_csms(make_settings(tmp_path, **{"amqp.url": url, "amqp.prefix": f"dep-{uuid.uuid4().hex[:8]}"}))
    sink = csms.container.batch
    try:
        cp_id = (await csms.a_charge_point())["id"]
        tag = await csms.an_id_tag()
        client = await RawClient.open(csms.ocpp_url, cp_id)
        assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
        await charge(client, tag, 0)
        assert sink.published > 0 and sink.fallbacks == 0        # through RabbitMQ (the node's worker writes)

        await proxy.cut()                                         # RabbitMQ gone for this node
        tx_id = await charge(client, tag, 10)                     # answered: written in-process instead
        assert sink.fallbacks > 0
        code, tx = await csms.get(f"/api/v1/admin/transactions/{tx_id}")
        assert code == 200 and [v["value"] for v in tx["meter_values"]] == ["1500"], tx

        await proxy.restore()
        published = sink.published
        await eventually(lambda: _published_again(client, sink, published), 30, what="published again")
        await client.close()
    finally:
        await stop_csms(csms)


async def _published_again(client, sink, before: int) -> bool:
    await client.result("Heartbeat", {})                         # the message log goes through RabbitMQ
    await asyncio.sleep(0.3)
    return sink.published > before
