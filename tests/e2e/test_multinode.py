"""Several CSMS processes acting as one (issue 13): two OCPP nodes, one API node, one worker and one
scheduler, on a fresh MariaDB database, the shared RabbitMQ (queues under a unique prefix) and a
private Redis (restarted by the test). Simulated charge points of both versions are split across the
OCPP nodes and fail over through the list of node URLs, as a load balancer would send them.

Through the API node: commands and calls/{Action} to chargers on each OCPP node, and the operator
feed following a charger live whichever node holds it. Then, with sessions running: one OCPP node is
SIGKILLed (its chargers reconnect to the other and their sessions complete), the worker is SIGKILLed
and a new one started, Redis is restarted; in the end every meter value the chargers sent is stored
once, each transaction's energy is its meter difference and the 2.0.1 final cost is the tariff's."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.support.cluster import ADMIN, Node, base_env, free_port, migrate
from tests.support.driver import Driver
from tests.support.private_services import PrivateRedis
from tests.support.server import drop_mariadb, fresh_mariadb
from tests.support.services import AMQP_URL, MARIADB_URL, need

pytestmark = [pytest.mark.timeout(600), pytest.mark.asyncio(loop_scope="function")]
PRICE = {"energy_fen_per_kwh": 100, "service_fen_per_kwh": 50}


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str):
        self.http, self.base, self.token = http, base, None

    async def login(self) -> None:
        _, body = await self.request("POST", "/api/v1/auth/login", {"username": ADMIN[0], "password": ADMIN[1]})
        self.token = body["access_token"]

    async def request(self, method: str, path: str, body=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


class HttpEmulator:
    """The API node's WeChat emulator, through its control endpoints (it lives in that process)."""

    def __init__(self, base: str):
        self.base = base

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def login_code(self, user: str) -> str:
        return self._post("/emulator/login-code", {"user": user})["code"]

    def openid(self, user: str) -> str:
        return self._post("/emulator/login-code", {"user": user})["openid"]

    def pay(self, prepay: str, result: str) -> dict:
        return self._post(f"/emulator/pay/{prepay}", {"result": result})


class ApiNode:
    """What tests.support.driver.Driver needs of a CSMS: the API node over HTTP, its emulator."""

    def __init__(self, http: aiohttp.ClientSession, node: Node, emulator_port: int):
        self.http, self.api_url = http, node.api_url
        self.container = SimpleNamespace(wechat=SimpleNamespace(emulator=HttpEmulator(
            f"http://127.0.0.1:{emulator_port}")))

    async def request(self, method: str, path: str, json=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(method, self.api_url + path, json=json, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    async def post(self, path: str, json=None, token=None):
        return await self.request("POST", path, json or {}, token)


class Frames:
    """What a simulated charger sent: sampled values per transaction, final costs (2.0.1)."""

    def __init__(self):
        self.samples: dict[str, set] = {}       # charge point -> (timestamp, measurand, value) sent
        self.ended: dict[str, str] = {}         # message id of a TransactionEvent Ended -> charge point
        self.costs: dict[str, float] = {}       # charge point -> totalCost of its Ended answer

    def __call__(self, cp_id: str, direction: str, text_: str) -> None:
        frame = json.loads(text_)
        if direction == ">>" and frame[0] == 2:
            action, payload = frame[2], frame[3]
            values = payload.get("meterValue") or payload.get("transactionData") or []
            if action in ("MeterValues", "StopTransaction", "TransactionEvent"):
                for mv in values:
                    for sv in mv["sampledValue"]:
                        self.samples.setdefault(cp_id, set()).add(
                            (mv["timestamp"], sv.get("measurand", "Energy.Active.Import.Register"), str(sv["value"])))
            if action == "TransactionEvent" and payload.get("eventType") == "Ended":
                self.ended[frame[1]] = cp_id
        elif direction == "<<" and frame[0] == 3 and frame[1] in self.ended and "totalCost" in frame[2]:
            self.costs[self.ended[frame[1]]] = frame[2]["totalCost"]


async def eventually(check, timeout: float = 30.0, what: str = "condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while True:
        last = await check()
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s (last: {last!r})")
        await asyncio.sleep(0.2)


@pytest.fixture
async def cluster(tmp_path):
    need(MARIADB_URL, "MariaDB")
    need(AMQP_URL, "RabbitMQ")
    redis = PrivateRedis(tmp_path)
    await redis.start()
    db_url, db_name = await fresh_mariadb(MARIADB_URL)
    prefix = f"mn-{uuid.uuid4().hex[:8]}"
    env = base_env(tmp_path, db_url, redis.url, AMQP_URL, prefix)
    await asyncio.to_thread(migrate, env)
    run = uuid.uuid4().hex[:4]
    emulator_port = free_port()
    nodes = {
        "ocpp1": Node("ocpp", f"ocpp1-{run}", env, tmp_path, ocpp_port=free_port()),
        "ocpp2": Node("ocpp", f"ocpp2-{run}", env, tmp_path, ocpp_port=free_port()),
        "api": Node("api", f"api-{run}", {**env, "CSMS_WECHAT_EMULATOR_PORT": str(emulator_port)}, tmp_path,
                    api_port=free_port()),
        "worker": Node("worker", f"worker-{run}", env, tmp_path),
        "scheduler": Node("scheduler", f"scheduler-{run}", env, tmp_path),
    }
    try:
        for node in nodes.values():
            node.start()
        for node in nodes.values():
            await node.ready()
        yield nodes, redis, db_url, emulator_port
    finally:
        for node in nodes.values():
            node.stop()
        redis.stop()
        await drop_mariadb(MARIADB_URL, db_name)


async def test_five_processes_act_as_one_through_a_node_kill_a_worker_kill_and_a_redis_restart(cluster, tmp_path):
    nodes, redis, db_url, emulator_port = cluster
    n1, n2 = nodes["ocpp1"], nodes["ocpp2"]
    frames = Frames()
    async with aiohttp.ClientSession() as http:
        api = Api(http, nodes["api"].api_url)
        await api.login()
        status, station = await api.request("POST", "/api/v1/admin/stations",
                                            {"name": "Multi-node", "address": "1 Rd", "lat": 31.2, "lng": 121.4})
        assert status == 201, station
        since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        status, _ = await api.request("PUT", f"/api/v1/admin/stations/{station['id']}/tariff", {
            "effective_from": since, "segments": [{"start": "00:00", "end": "24:00", "period": "flat"}],
            "prices": {"flat": PRICE}})
        assert status == 201
        for i in range(4):
            status, _ = await api.request("PUT", f"/api/v1/admin/id-tags/MN-TAG{i}", {"status": "Accepted"})
            assert status in (200, 201)

        # two chargers of each version, split across the OCPP nodes; each fails over to the other
        sims = []
        for i, (cls, first, second) in enumerate([(ChargePoint16, n1, n2), (ChargePoint16, n2, n1),
                                                  (ChargePoint201, n1, n2), (ChargePoint201, n2, n1)]):
            cp_id = f"MN{i}-{uuid.uuid4().hex[:4]}"
            status, _ = await api.request("POST", "/api/v1/admin/charge-points",
                                          {"id": cp_id, "station_id": station["id"]})
            assert status == 201
            sim = cls(url=[first.ocpp_url, second.ocpp_url], cp_id=cp_id, connectors=1, meter_interval=0.5,
                      log_frames=frames, reconnect_min_delay=0.2, reconnect_max_delay=1.0)
            await sim.connect()
            sims.append(sim)

        async def online(cp_id: str) -> bool:
            _, body = await api.request("GET", f"/api/v1/admin/charge-points/{cp_id}")
            return body.get("online") is True
        for sim in sims:
            await eventually(lambda sim=sim: online(sim.cp_id), what=f"{sim.cp_id} online through the API node")

        # commands and raw CALLs through the API node to chargers on each OCPP node
        for sim in sims:
            base = f"/api/v1/admin/charge-points/{sim.cp_id}"
            status, body = await api.request("POST", f"{base}/commands/trigger-message", {"message": "Heartbeat"})
            assert status == 200 and body["status"] == "Accepted", (sim.cp_id, body)
            status, body = await api.request("POST", f"{base}/commands/clear-cache", {})
            assert status == 200, body
            status, body = await api.request("POST", f"{base}/calls/DataTransfer", {"vendorId": "mn"})
            assert status == 200 and "status" in body["response"], body
        status, body = await api.request("POST", "/api/v1/admin/charge-points/NOBODY/commands/clear-cache", {})
        assert status == 404

        # a driver follows their session live through the API node's push; the charger is on an OCPP node
        driver = Driver(ApiNode(http, nodes["api"], emulator_port), "mn-driver")
        await driver.login(nickname="Multi")
        status, payment = await driver.post("/api/v1/driver/wallet/topups", {"amount_fen": 2000}, signed=True)
        assert status == 201, payment
        driver.emulator.pay(payment["pay_params"]["package"].split("=", 1)[1], "SUCCESS")
        await eventually(lambda: _balance(driver, 2000), what="the top-up credited")
        push = await driver.socket()
        status, session = await driver.start(sims[1].cp_id, 1)
        assert status == 201, session
        oid = session["order_id"]
        live = await _feed_until(push, lambda m: m.get("type") == "session" and
                                 (m.get("data") or {}).get("state") == "charging", 60)
        assert live is not None and live["data"]["order_id"] == oid, live
        # the map on the API node: the charger's status, sent to an OCPP node, read from Redis
        await eventually(lambda: _occupied(driver, station["id"], sims[1].cp_id), 10,
                         what="the map shows the connector occupied")
        await asyncio.sleep(1.5)
        status, _ = await driver.post(f"/api/v1/driver/sessions/{oid}/stop", signed=True)
        assert status == 202
        order = await driver.wait_order(oid, "paid", "unpaid", timeout=60)
        assert order["state"] == "paid" and order["energy_wh"] > 0
        assert order["paid_fen"] == order["total_fen"] == sum(ln["amount_fen"] for ln in order["bill_lines"])
        wh = order["energy_wh"]
        assert order["total_fen"] == (wh * PRICE["energy_fen_per_kwh"] * 2 + 1000) // 2000 + \
            (wh * PRICE["service_fen_per_kwh"] * 2 + 1000) // 2000
        finished = await _feed_until(push, lambda m: m.get("type") == "session" and
                                     (m.get("data") or {}).get("state") == "paid", 30)
        assert finished is not None
        await push.close()
        await eventually(lambda: _free(sims[1]), what="the connector free again")

        # the operator feed on the API node follows a charger held by an OCPP node
        feed = await http.ws_connect(nodes["api"].api_url + "/api/v1/admin/ws",
                                     headers={"Authorization": f"Bearer {api.token}"})
        for i, sim in enumerate(sims):
            await sim.start_session(1, f"MN-TAG{i}")
        seen = await _feed_until(feed, lambda m: "Charging" in json.dumps(m) and sims[0].cp_id in json.dumps(m))
        assert seen
        await asyncio.sleep(2)

        # one OCPP node SIGKILLed mid-session: its chargers fail over to the other
        n1.kill()
        for sim in sims:
            await eventually(lambda sim=sim: _on(sim, n2), 60, what=f"{sim.cp_id} reconnected to the other node")
        await asyncio.sleep(1.5)

        # the worker SIGKILLed mid-stream, a new one started: what it held unacked is redelivered
        nodes["worker"].kill()
        await asyncio.sleep(1.5)
        replacement = Node("worker", nodes["worker"].name + "-b", nodes["worker"].env, tmp_path)
        replacement.start()
        nodes["worker-b"] = replacement

        # Redis restarted: the nodes subscribe and claim again, commands are routed again
        redis.stop()
        await asyncio.sleep(1)
        await redis.start()
        for sim in sims:
            async def routed(sim=sim):
                status, _ = await api.request("POST", f"/api/v1/admin/charge-points/{sim.cp_id}/commands/clear-cache",
                                              {})
                return status == 200
            await eventually(routed, 30, what=f"a command to {sim.cp_id} after the Redis restart")

        for sim in sims:
            await sim.stop_session(1)
        await feed.close()

        # every meter value sent stored once; energy and the 2.0.1 bill from them
        engine = create_async_engine(db_url)
        try:
            async def stored(cp_id):
                async with engine.connect() as conn:
                    rows = (await conn.execute(text(
                        "SELECT timestamp, measurand, value FROM meter_values WHERE charge_point_id = :cp"),
                        {"cp": cp_id})).all()
                return rows

            for sim in sims:
                sent = frames.samples.get(sim.cp_id, set())
                assert len(sent) > 4, sim.cp_id

                async def complete(sim=sim, sent=sent):
                    return len(await stored(sim.cp_id)) == len(sent)
                await eventually(complete, 60, what=f"{sim.cp_id}: all {len(sent)} meter values stored")
                rows = await stored(sim.cp_id)
                assert len({(r[0], r[1], r[2]) for r in rows}) == len(rows)          # none twice
                _, txs = await api.request("GET", f"/api/v1/admin/transactions?charge_point_id={sim.cp_id}")
                txs = txs["items"] if isinstance(txs, dict) else txs
                for tx in txs:
                    assert tx["status"] == "Completed", tx
                    assert tx["energy_wh"] == tx["meter_stop_wh"] - tx["meter_start_wh"] > 0
                tx = max(txs, key=lambda x: x["id"])          # the id-tag session
                if isinstance(sim, ChargePoint201):
                    wh = tx["energy_wh"]
                    fen = (wh * PRICE["energy_fen_per_kwh"] * 2 + 1000) // 2000 + \
                        (wh * PRICE["service_fen_per_kwh"] * 2 + 1000) // 2000
                    assert round(frames.costs[sim.cp_id] * 100) == fen, (frames.costs, wh)
        finally:
            await engine.dispose()
            for sim in sims:
                await sim.close()


async def _balance(driver, fen: int) -> bool:
    _, wallet = await driver.get("/api/v1/driver/wallet")
    return wallet is not None and wallet.get("balance_fen") == fen


async def _occupied(driver, station_id: int, cp_id: str) -> bool:
    status, body = await driver.get(f"/api/v1/driver/stations/{station_id}")
    return status == 200 and [c["status"] for c in body["connectors"] if c["charge_point_id"] == cp_id] == ["occupied"]


async def _free(sim) -> bool:
    return sim._connector(1).usable() and sim._connector(1).transaction is None


async def _on(sim, node: Node) -> bool:
    return sim.connected and sim.ready and sim.url == node.ocpp_url


async def _feed_until(ws, predicate, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        msg = await ws.receive(timeout=deadline - asyncio.get_running_loop().time())
        if msg.type != aiohttp.WSMsgType.TEXT:
            return None
        data = json.loads(msg.data)
        if predicate(data):
            return data
    return None
