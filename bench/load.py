#!/usr/bin/env python3
"""Load benchmark: K simulated charge points against `csms serve` pinned to one core.

The CSMS runs as its own process (validation, message log, batched persistence all on), on a fresh
SQLite database by default, pinned with taskset to core 0; the simulator's load mode runs in another
process pinned to core 1. Prints one JSON document: calls/s, latency percentiles, server CPU and
memory (RSS) per 1,000 connections.

    python bench/load.py --count 5000 --duration 30 --mix Heartbeat:1,StatusNotification:1,MeterValues:2
    python bench/load.py --count 1000 --rate 0.2          # a realistic rate: one call per 5 s per charge point
    python bench/load.py --database-url mysql+aiomysql://root:@127.0.0.1:3306/bench

Only loopback addresses are used; every run is bounded by --duration and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def register(env: dict, count: int, prefix: str, connectors: int = 2, password_hash: str | None = None,
             width: int | None = None) -> None:
    """Register the charge points and their connectors up front, as an operator would have: the
    benchmark measures a running network, not auto-registration."""
    code = f"""
import asyncio
from datetime import datetime, timezone
from csms.settings import load_settings
from csms.db.session import make_engine, upgrade
from csms.db import tables as t

async def main():
    s = load_settings()
    engine = make_engine(s.database, s.data_dir)
    await upgrade(engine)
    now = datetime.now(timezone.utc)
    width = {width!r} or max(4, len(str({count})))
    ids = [f"{prefix}{{i:0{{width}}d}}" for i in range(1, {count} + 1)]
    async with engine.begin() as c:
        await c.execute(t.charge_points.insert(), [dict(id=i, registration_status="Accepted", security_profile={1 if password_hash else 0},
                        password_hash={password_hash!r},
                        online=False, created_at=now, updated_at=now) for i in ids])
        await c.execute(t.connectors.insert(), [dict(charge_point_id=i, evse_id=n, connector_id=n, status="Available",
                        error_code="NoError") for i in ids for n in range(1, {connectors} + 1)])
        # each charger's own card (bench/loadgen.py id_tag_of): one card shared by all would make every start
        # a concurrent-use check against all the others
        await c.execute(t.id_tags.insert(), [dict(id_tag="LT-" + i, status="Accepted", created_at=now, updated_at=now)
                                             for i in ids])
    await engine.dispose()

asyncio.run(main())
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"csms exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("csms did not become ready")


def pinned(core: int | None) -> list[str]:
    if core is None or not shutil.which("taskset") or (os.cpu_count() or 1) <= core:
        return []
    return ["taskset", "-c", str(core)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="charge points (connections)")
    ap.add_argument("--duration", type=float, default=20, help="seconds of load after all have connected")
    ap.add_argument("--ramp", type=float, default=None, help="seconds over which to connect (default count/100)")
    ap.add_argument("--rate", default="max", help="calls/s per charge point, or max")
    ap.add_argument("--mix", default="Heartbeat:1,StatusNotification:1,MeterValues:2")
    ap.add_argument("--transaction", action="store_true", default=True,
                    help="start a transaction per charge point so MeterValues carry one (default on)")
    ap.add_argument("--no-transaction", dest="transaction", action="store_false")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--client-core", type=int, default=1)
    ap.add_argument("--server", choices=["csms", "ocpp-lib"], default="csms",
                    help="ocpp-lib: the reference central system of bench/ocpp_lib_server.py (no persistence)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--profile", metavar="SVG", help="record the server with py-spy into this flame graph")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="csms-bench-"))
    ocpp_port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "CSMS_DATA_DIR": str(tmp / "var"),
        "CSMS_DATABASE_URL": args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "CSMS_OCPP_HOST": "127.0.0.1", "CSMS_OCPP_PORT": str(ocpp_port),
        "CSMS_API_HOST": "127.0.0.1", "CSMS_API_PORT": str(api_port),
        "CSMS_OCPP_AUTO_REGISTER": "false",
        "CSMS_OCPP_HEARTBEAT_INTERVAL": "3600",
        "CSMS_LOG_LEVEL": "WARNING",
        "CSMS_JWT_SECRET": "bench-secret-" + "x" * 32,
    }
    if args.server == "csms":
        register(env, args.count, "BENCH-")
        cmd = [sys.executable, "-m", "api.cli", "serve"]
    else:
        cmd = [sys.executable, str(ROOT / "bench" / "ocpp_lib_server.py")]
    server = subprocess.Popen([*pinned(args.server_core), *cmd],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "w"))
    try:
        if args.server == "csms":
            wait_ready(f"http://127.0.0.1:{api_port}/readyz", server)
        else:
            time.sleep(2)
        rss_idle = rss_kib(server.pid)
        ramp = args.ramp if args.ramp is not None else max(1.0, args.count / 100)
        sim_cmd = [*pinned(args.client_core), sys.executable, "-m", "chargepoint_sim", "--load", "-q",
                   "--url", f"ws://127.0.0.1:{ocpp_port}/ocpp", "--count", str(args.count),
                   "--id-prefix", "BENCH-", "--duration", str(args.duration), "--ramp", str(ramp),
                   "--rate", args.rate, "--mix", args.mix]
        if args.transaction:
            sim_cmd.append("--transaction")
        spy = None
        if args.profile:
            spy = subprocess.Popen(["py-spy", "record", "-o", args.profile, "-p", str(server.pid), "-r", "200", "--threads", *(["-f", "raw"] if args.profile.endswith(".txt") else [])],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = cpu_seconds(server.pid)
        started = time.monotonic()
        sim = subprocess.Popen(sim_cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = 0
        while sim.poll() is None:
            peak = max(peak, rss_kib(server.pid))
            time.sleep(0.5)
        out, err = sim.communicate()
        if spy is not None:
            spy.send_signal(2)
            spy.wait(30)
        wall = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
        try:
            summary = json.loads(out)
        except json.JSONDecodeError:
            print(out, err, file=sys.stderr)
            raise SystemExit("the simulator did not print a JSON summary")
        connected = summary.get("connections_ok") or args.count
        result = {
            "command": " ".join(["python", "bench/load.py", *sys.argv[1:]]),
            "server": ("ocpp library reference (1 core, no persistence)" if args.server == "ocpp-lib" else
                       "csms serve (1 core, SQLite)" if not args.database_url
                       else f"csms serve (1 core, {args.database_url.split(':')[0]})"),
            "connections": connected,
            "calls_per_s": summary.get("calls_per_s"),
            "latency_ms": {k: (summary.get("latency_ms") or {}).get(k) for k in ("p50", "p95", "p99", "max")},
            "calls_ok": summary.get("calls_ok"),
            "calls_failed": summary.get("calls_failed"),
            "errors": summary.get("errors"),
            "server_cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "server_rss_idle_mib": round(rss_idle / 1024, 1),
            "server_rss_peak_mib": round(peak / 1024, 1),
            "server_rss_per_1000_connections_mib": round((peak - rss_idle) / 1024 / connected * 1000, 1),
            "simulator": summary,
        }
        print(json.dumps(result, indent=2))
        return 0
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
