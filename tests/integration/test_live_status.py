"""The live connector status in Redis (docs/scaling.md "Live connector status"), on MariaDB and a
private Redis with an OCPP node and an API node as separate nodes: a status a charger sends to the
OCPP node is what the API node's driver map and console show, read from Redis (no SQL statement of
that path reads a status or a presence column, and the answer is Redis's when the database row says
otherwise); Redis flushed -> the API node reads the database until a node has warmed Redis from it;
Redis down -> the database answers (degrade, not fail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import event, update

from api.server import start
from csms.cluster.live_status import RedisLiveStatus
from csms.db import tables
from csms.domain import events
from csms.domain.live_status import LiveStatus
from tests.e2e.helpers import BOOT, eventually, new_id
from tests.fakes_profile import a_driver
from tests.support.cluster_backing import cluster_backing
from tests.support.ocpp_client import RawClient
from tests.support.private_services import PrivateRedis
from tests.support.server import ADMIN, Csms


@pytest.fixture
async def nodes(tmp_path):
    """(the API node as a Csms, the OCPP node's Running, the private Redis, a client of it)."""
    async with cluster_backing(tmp_path, **{"cluster.presence_ttl": "3"}) as (redis, settings):  # refreshed every second
        ocpp = await start(settings("ocpp"), "ocpp")
        api = await start(settings("api"), "api")
        http = aiohttp.ClientSession()
        async with http.post(f"http://127.0.0.1:{api.api_port}/api/v1/auth/login",
                             json={"username": ADMIN[0], "password": ADMIN[1]}) as resp:
            token = (await resp.json())["access_token"]
        client = aioredis.from_url(redis.url)
        try:
            yield Csms(api, http, token), ocpp, redis, client
        finally:
            await client.aclose()
            await http.close()
            await api.stop()
            await ocpp.stop()


class Statements:
    """The SQL statements an engine runs while counting."""

    def __init__(self, engine):
        self.engine, self.seen = engine.sync_engine, []

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


async def _detail(api: Csms, station_id: int, token: str) -> dict:
    async with api.http.get(f"{api.api_url}/api/v1/driver/stations/{station_id}",
                            headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def _status(client: RawClient, status: str) -> None:
    assert await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": status,
                                                      "timestamp": datetime.now(UTC).isoformat()}) == {}


async def _stored(api: Csms, cp_id: str, status: str, at: datetime) -> None:
    """Make the database row say otherwise (an older status), as a lagging write-behind would."""
    c = tables.connectors.c
    async with api.container.engine.begin() as conn:
        await conn.execute(update(tables.connectors).where(c.charge_point_id == cp_id)
                           .values(status=status, status_at=at))


async def _charger(api: Csms, ocpp) -> tuple[int, str, RawClient]:
    station = await api.a_station(name="Live Plaza", address="1 Redis Rd", lat=31.23, lng=121.47)
    cp_id = (await api.a_charge_point(new_id(), station_id=station["id"]))["id"]
    client = await RawClient.open(f"ws://127.0.0.1:{ocpp.ocpp_port}/ocpp", cp_id, "ocpp1.6")
    assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
    return station["id"], cp_id, client


async def _in_redis(redis, cp_id: str, status: str) -> bool:
    raw = await redis.hget(f"csms:status:{cp_id}", "1:1")
    return raw is not None and raw.decode().split("|")[1] == status


async def test_a_status_sent_to_the_ocpp_node_is_what_the_api_node_shows_from_redis(nodes):
    api, ocpp, _, redis = nodes
    station_id, cp_id, client = await _charger(api, ocpp)
    _, token = await a_driver(api)
    await _status(client, "Charging")
    await eventually(lambda: _in_redis(redis, cp_id, "Charging"), what="the status in Redis")
    await eventually(lambda: api.container.live_status.read([cp_id]), 10, what="Redis warmed")
    await _stored(api, cp_id, "Available", datetime.now(UTC) - timedelta(hours=1))

    with Statements(api.container.engine) as sql:
        detail = await _detail(api, station_id, token)
    connector = detail["connectors"][0]
    assert (connector["status"], connector["ocpp_status"]) == ("occupied", "Charging")
    assert detail["occupied"] == 1 and detail["free"] == 0
    read_live_columns = [s for s in sql.seen if "connectors.status" in s or "charge_points.online" in s]
    assert sql.seen and read_live_columns == []          # the live status came from Redis alone

    code, view = await api.get(f"/api/v1/admin/charge-points/{cp_id}")      # the console: the later of the two
    assert code == 200 and view["online"] and view["connectors"][0]["status"] == "Charging"
    code, page = await api.get("/api/v1/admin/charge-points")
    assert code == 200 and [c["status"] for p in page if p["id"] == cp_id for c in p["connectors"]] == [
        "Charging"]

    await _status(client, "Available")                   # the next one: the map follows within the flush
    await eventually(lambda: _in_redis(redis, cp_id, "Available"), what="the new status in Redis")
    assert (await _detail(api, station_id, token))["connectors"][0]["status"] == "free"
    await client.close()


async def test_a_flushed_redis_is_read_around_then_warmed_from_the_database(nodes):
    api, ocpp, _, redis = nodes
    station_id, cp_id, client = await _charger(api, ocpp)
    _, token = await a_driver(api)
    await _status(client, "Charging")
    await eventually(lambda: _in_redis(redis, cp_id, "Charging"), what="the status in Redis")
    live = api.container.live_status
    await eventually(lambda: live.read([cp_id]), 10, what="Redis warmed")

    await redis.flushall()
    assert await live.read([cp_id]) is None               # not warm: the readers read the database
    detail = await _detail(api, station_id, token)
    assert detail["connectors"][0]["ocpp_status"] == "Charging"      # from the database, not blank
    warmed = await eventually(lambda: live.read([cp_id]), 10, what="warmed again")
    assert warmed[cp_id].online is True and warmed[cp_id].connectors[(1, 1)].status == "Charging"
    assert await _in_redis(redis, cp_id, "Charging")
    await client.close()


async def test_with_redis_down_the_database_answers(nodes):
    api, ocpp, private, redis = nodes
    station_id, cp_id, client = await _charger(api, ocpp)
    _, token = await a_driver(api)
    await _status(client, "Faulted")
    await eventually(lambda: _in_redis(redis, cp_id, "Faulted"), what="the status in Redis")

    private.stop()
    detail = await _detail(api, station_id, token)       # degraded, not failed: the database's view
    assert detail["connectors"][0]["ocpp_status"] == "Faulted"
    assert api.container.live_status.fallbacks > 0
    code, view = await api.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 200 and view["connectors"][0]["status"] == "Faulted"
    await private.start()                                 # empty: warmed again by a node
    await eventually(lambda: _warm(api, cp_id), 15, what="warmed after the restart")
    await client.close()


async def _warm(api: Csms, cp_id: str):
    found = await api.container.live_status.read([cp_id])
    return found and found[cp_id].connectors.get((1, 1))


async def test_the_store_keeps_the_newest_status_whoever_writes_it(tmp_path):
    """Two nodes' writes and a warm-up in any order end with the newest status; nothing is answered
    before the warm-up; a write queued while Redis is away goes out when it is back."""
    private = PrivateRedis(tmp_path)
    await private.start()
    client = aioredis.from_url(private.url)
    t0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    one, other = RedisLiveStatus(client, settle=0), RedisLiveStatus(client, settle=0)
    try:
        assert await one.read(["CP1"]) is None                                 # never warmed
        one.on_status(events.ConnectorStatusChanged("CP1", 1, 1, "Charging", None, "NoError", t0 + timedelta(minutes=2)))
        one.on_status(events.ConnectorStatusChanged("CP1", 0, 0, "Faulted", None, "NoError", t0))   # the station's own
        await one.flush()

        async def stored():
            return [("CP1", 1, 1, "Available", "NoError", t0), ("CP1", 2, 2, "Faulted", "GroundFailure", t0)]
        assert await other.check(stored) is True and await other.check(stored) is False     # once per instance
        other.on_status(events.ConnectorStatusChanged("CP1", 1, 1, "Finishing", None, "NoError", t0 + timedelta(minutes=1)))
        await other.flush()                                                    # older than node one's: kept out
        found = (await one.read(["CP1", "CP2"]))
        assert found["CP1"].connectors == {(1, 1): LiveStatus("Charging", "NoError", t0 + timedelta(minutes=2)),
                                           (2, 2): LiveStatus("Faulted", "GroundFailure", t0)}
        assert found["CP2"].connectors == {} and not found["CP1"].online

        private.stop()
        one.on_status(events.ConnectorStatusChanged("CP1", 1, 1, "Available", None, "NoError", t0 + timedelta(minutes=3)))
        with pytest.raises((RedisError, OSError)):
            await one.flush()
        assert await one.read(["CP1"]) is None                                 # away: read the database
        await private.start()
        await eventually(lambda: _flushed(one), 5, what="the queued status sent")
        raw = await client.hget("csms:status:CP1", "1:1")
        assert raw.decode().endswith("|Available|NoError")
    finally:
        await client.aclose()
        private.stop()


async def _flushed(store) -> bool:
    try:
        await store.flush()
        return True
    except (RedisError, OSError):
        return False
