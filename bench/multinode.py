#!/usr/bin/env python3
"""Multi-node benchmark: the load of bench/load.py against two OCPP nodes and a worker (Redis, RabbitMQ,
MariaDB), beside the same load against one `csms serve` on the same database server.

Two simulator processes each drive half of the charge points against one OCPP node; the OCPP nodes
publish meter values, statuses and the message log to RabbitMQ (confirmed before each answer) and one
worker writes them. Prints one JSON document: calls/s and p50/p99 for the single node and for the two
nodes, and the ratio. Needs MariaDB (--database-url, a fresh database is created and dropped), RabbitMQ
(--amqp-url, queues under a fresh prefix, deleted after) and redis-server on PATH (a private one).

    python bench/multinode.py --count 400 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from load import free_port, register, wait_ready


def env_for(tmp: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env.update({"CSMS_DATA_DIR": str(tmp / "var"), "CSMS_DATABASE_URL": db_url, "CSMS_OCPP_HOST": "127.0.0.1",
                "CSMS_API_HOST": "127.0.0.1", "CSMS_OCPP_AUTO_REGISTER": "false",
                "CSMS_OCPP_HEARTBEAT_INTERVAL": "3600", "CSMS_LOG_LEVEL": "WARNING",
                "CSMS_JWT_SECRET": "bench-secret-" + "x" * 32, "CSMS_DRIVER_PII_KEY": "a" * 43 + "=",
                "CSMS_WECHAT_EMULATOR_PORT": "0", "CSMS_SMS_EMULATOR_PORT": "0", **extra})
    return env


def start(role: str, env: dict, tmp: Path, name: str, **ports: int) -> subprocess.Popen:
    env = {**env, "CSMS_DATA_DIR": str(tmp / name), "CSMS_CLUSTER_NODE_ID": name,
           "CSMS_OCPP_PORT": str(ports.get("ocpp", 0)), "CSMS_API_PORT": str(ports.get("api", 0))}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--role", role], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / f"{name}.log", "w"))


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a node exited with {proc.returncode} before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("a node did not listen")


def load(urls_prefixes: list[tuple[str, str]], count: int, args, env: dict) -> dict:
    """Run one simulator process per (url, id prefix) at once; merge their summaries."""
    sims = [subprocess.Popen([sys.executable, "-m", "chargepoint_sim", "--load", "-q", "--url", url,
                              "--count", str(count), "--id-prefix", prefix, "--duration", str(args.duration),
                              "--ramp", str(max(1.0, count / 100)), "--rate", args.rate, "--mix", args.mix,
                              "--transaction"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for url, prefix in urls_prefixes]
    summaries = []
    for sim in sims:
        out, err = sim.communicate(timeout=args.duration + count / 50 + 120)
        try:
            summaries.append(json.loads(out))
        except json.JSONDecodeError:
            raise SystemExit(f"the simulator did not print a JSON summary: {err[-2000:]}") from None
    lat = [s.get("latency_ms") or {} for s in summaries]
    return {"connections": sum(s.get("connections_ok") or 0 for s in summaries),
            "calls_per_s": round(sum(s.get("calls_per_s") or 0 for s in summaries), 1),
            "latency_ms": {k: max((x.get(k) or 0) for x in lat) for k in ("p50", "p95", "p99", "max")},
            "calls_failed": sum(s.get("calls_failed") or 0 for s in summaries)}


async def fresh_db(base: str) -> tuple[str, str]:
    sys.path.insert(0, str(ROOT))
    from tests.support.server import fresh_mariadb
    return await fresh_mariadb(base)


async def drop_db(base: str, name: str) -> None:
    from tests.support.server import drop_mariadb
    await drop_mariadb(base, name)


async def delete_queues(url: str, prefix: str) -> None:
    import aio_pika

    from csms.cluster import amqp
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in (*amqp.QUEUES, amqp.DEAD):
            await channel.queue_delete(amqp.name(prefix, queue))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=400, help="charge points in all (split over the two nodes)")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--rate", default="max")
    ap.add_argument("--mix", default="Heartbeat:1,StatusNotification:1,MeterValues:2")
    ap.add_argument("--database-url", default="mysql+aiomysql://root:@127.0.0.1:3306/test")
    ap.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="csms-multinode-"))
    half = args.count // 2
    result = {"command": " ".join(["python", "bench/multinode.py", *sys.argv[1:]]), "count": args.count}

    # one node, same database server
    db_url, db_name = asyncio.run(fresh_db(args.database_url))
    env = env_for(tmp, db_url)
    register(env, half, "SA-")
    register(env, args.count - half, "SB-", width=4)
    ocpp, api = free_port(), free_port()
    single = start("all", env, tmp, "single", ocpp=ocpp, api=api)
    try:
        wait_ready(f"http://127.0.0.1:{api}/readyz", single, 120)
        url = f"ws://127.0.0.1:{ocpp}/ocpp"
        result["single_node"] = load([(url, "SA-"), (url, "SB-")], half, args, env)
    finally:
        single.terminate()
        single.wait(30)
        asyncio.run(drop_db(args.database_url, db_name))

    # two OCPP nodes and a worker on Redis and RabbitMQ
    from tests.support.private_services import PrivateRedis
    redis = PrivateRedis(tmp)
    asyncio.run(redis.start())
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    db_url, db_name = asyncio.run(fresh_db(args.database_url))
    env = env_for(tmp, db_url, CSMS_REDIS_URL=redis.url, CSMS_AMQP_URL=args.amqp_url, CSMS_AMQP_PREFIX=prefix)
    register(env, half, "MA-")
    register(env, args.count - half, "MB-", width=4)
    ports = [free_port(), free_port()]
    procs = [start("ocpp", env, tmp, f"ocpp{i}", ocpp=port) for i, port in enumerate(ports)]
    procs.append(start("worker", env, tmp, "worker"))
    try:
        for port, proc in zip(ports, procs, strict=False):
            wait_port(port, proc)
        result["two_ocpp_nodes_and_a_worker"] = load([(f"ws://127.0.0.1:{ports[0]}/ocpp", "MA-"),
                                                       (f"ws://127.0.0.1:{ports[1]}/ocpp", "MB-")], half, args, env)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        redis.stop()
        asyncio.run(drop_db(args.database_url, db_name))
        asyncio.run(delete_queues(args.amqp_url, prefix))
    one, two = result["single_node"]["calls_per_s"], result["two_ocpp_nodes_and_a_worker"]["calls_per_s"]
    result["ratio_calls_per_s"] = round(two / one, 2) if one else None
    result["machine"] = f"{os.cpu_count()} cores (shared); every process on the same host"
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
