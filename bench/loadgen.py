#!/usr/bin/env python3
"""Lean OCPP 1.6J load generator for the bench/ scripts: websockets' asyncio client on uvloop, orjson,
one outstanding call per charger (closed loop), nothing else on the path. Driven by its parent
through stdin/stdout so several processes share one measurement window:

    prints "READY <n>" once its chargers are connected, booted (and in a transaction);
    reads "go"   -> starts counting calls and latencies (and, in storm mode, marks the restart);
    reads "stop" -> prints one JSON summary line and exits.

Modes (``--mode``):
  capacity  every charger calls as fast as it is answered (mix of Heartbeat, StatusNotification,
            MeterValues), from READY on; counted between go and stop;
  steady    every charger calls once every ``--period`` seconds (random phase);
  storm     chargers stay connected; when the server goes away each reconnects (random 0.1-0.6 s
            backoff), authenticates (Basic auth), boots; the summary gives when each came back;
  durable   every charger streams MeterValues of its transaction, each with its own timestamp, and
            keeps the message until it is answered (resent after a reconnect, as a charger's queue
            does); the acknowledged samples are written to ``--acked`` (one "cp_id timestamp" a line).

Run by bench/harness.py; by hand: ``python bench/loadgen.py --url ws://127.0.0.1:9000/ocpp --count 100``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import os
import random
import resource
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def id_tag_of(cp_id: str) -> str:
    """The charger's own card, registered by bench/load.py register()."""
    return "LT-" + cp_id


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Stats:
    def __init__(self) -> None:
        self.counting = False
        self.latencies: list[float] = []
        self.calls = 0
        self.errors: dict[str, int] = {}
        self.ready = 0
        self.back: list[float] = []       # storm: epoch seconds each charger was booted again
        self.acked: list[str] = []        # durable: "cp_id timestamp" of every acknowledged sample
        self.go_at = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class CallError(Exception):
    pass


class Charger:
    def __init__(self, cp_id: str, args, stats: Stats):
        self.cp_id, self.args, self.stats = cp_id, args, stats
        self.ws = None
        self.ids = itertools.count(1)
        self.tx_id: int | None = None
        self.headers = {}
        if args.password:
            token = base64.b64encode(f"{cp_id}:{args.password}".encode()).decode()
            self.headers = {"Authorization": "Basic " + token}

    async def open(self) -> None:
        self.ws = await connect(f"{self.args.url}/{self.cp_id}", subprotocols=["ocpp1.6"], compression=None,
                                ping_interval=None, open_timeout=self.args.timeout, max_queue=4,
                                additional_headers=self.headers)

    async def call(self, action: str, payload: dict) -> dict:
        uid = str(next(self.ids))
        started = time.perf_counter()
        async with asyncio.timeout(self.args.timeout):
            await self.ws.send(orjson.dumps([2, uid, action, payload]).decode())
            while True:
                frame = orjson.loads(await self.ws.recv())
                if frame[0] == 2:         # a CALL of the server's: accepted, whatever it is
                    await self.ws.send(orjson.dumps([3, frame[1], {"status": "Accepted"}]).decode())
                    continue
                if frame[1] == uid:
                    break
        stats = self.stats
        if stats.counting:
            stats.calls += 1
            stats.latencies.append(time.perf_counter() - started)
        if frame[0] != 3:
            raise CallError(f"{action}:{frame[2]}")
        return frame[2]

    async def boot(self) -> None:
        answer = await self.call("BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "L1"})
        if answer.get("status") != "Accepted":
            raise CallError(f"BootNotification:{answer.get('status')}")

    async def start(self) -> None:
        answer = await self.call("StartTransaction", {"connectorId": 1, "idTag": id_tag_of(self.cp_id), "meterStart": 0,
                                                      "timestamp": now_iso()})
        self.tx_id = answer["transactionId"]

    def payload(self, action: str, n: int) -> dict:
        if action == "Heartbeat":
            return {}
        if action == "StatusNotification":
            return {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": now_iso()}
        return {"connectorId": 1, "transactionId": self.tx_id, "meterValue": [{"timestamp": now_iso(), "sampledValue": [
            {"value": str(n * 10), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"}]}]}


MIX = ("Heartbeat", "StatusNotification", "MeterValues", "MeterValues")


async def setup(ch: Charger, gate: asyncio.Semaphore) -> bool:
    try:
        async with gate:
            await ch.open()
            await ch.boot()
            if ch.args.mode != "storm":
                await ch.start()
    except (OSError, InvalidStatus, TimeoutError, CallError, Exception) as exc:   # noqa: BLE001 - counted
        ch.stats.error("setup:" + type(exc).__name__ + (f":{exc}" if isinstance(exc, CallError) else ""))
        return False
    ch.stats.ready += 1
    return True


async def capacity(ch: Charger, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        action = MIX[n % len(MIX)]
        n += 1
        try:
            await ch.call(action, ch.payload(action, n))
        except CallError as exc:
            ch.stats.error(str(exc))
        except (TimeoutError, OSError, Exception) as exc:   # noqa: BLE001 - counted, the charger stops
            ch.stats.error(type(exc).__name__)
            return


async def steady(ch: Charger, stop: asyncio.Event) -> None:
    period = ch.args.period
    await asyncio.sleep(random.uniform(0, period))
    n = 0
    while not stop.is_set():
        tick = time.monotonic()
        action = MIX[n % len(MIX)]
        n += 1
        try:
            await ch.call(action, ch.payload(action, n))
        except CallError as exc:
            ch.stats.error(str(exc))
        except (TimeoutError, OSError, Exception) as exc:   # noqa: BLE001 - counted, the charger stops
            ch.stats.error(type(exc).__name__)
            return
        await asyncio.sleep(max(0.0, period - (time.monotonic() - tick)))


async def reconnect(ch: Charger, stop: asyncio.Event) -> bool:
    """Until connected, authenticated and booted again (or stopped)."""
    while not stop.is_set():
        await asyncio.sleep(random.uniform(0.1, 0.6))
        try:
            await ch.open()
            await ch.boot()
            return True
        except InvalidStatus as exc:
            ch.stats.error(f"refused:{exc.response.status_code}")
        except (OSError, TimeoutError, CallError, Exception) as exc:   # noqa: BLE001 - retried, counted
            ch.stats.error("reconnect:" + type(exc).__name__)
    return False


async def storm(ch: Charger, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await ch.ws.wait_closed()
        except Exception:   # noqa: BLE001
            pass
        if stop.is_set():
            return
        if await reconnect(ch, stop):
            ch.stats.back.append(time.time())
            if len(ch.stats.back) == ch.stats.ready:
                print("BACK", flush=True)        # every charger of this process is back


async def durable(ch: Charger, stop: asyncio.Event) -> None:
    """Stream meter values; a message is dropped from the charger's queue only once answered."""
    seq = 0
    at = T0 + timedelta(days=zlib.crc32(ch.cp_id.encode()) % 1000)
    while not stop.is_set():
        seq += 1
        stamp = (at + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = {"connectorId": 1, "transactionId": ch.tx_id, "meterValue": [{"timestamp": stamp, "sampledValue": [
            {"value": str(seq), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]}
        while not stop.is_set():          # held until answered: resent over the next connection
            try:
                await ch.call("MeterValues", payload)
                ch.stats.acked.append(f"{ch.cp_id} {stamp}")
                break
            except CallError as exc:      # not acknowledged (e.g. InternalError): send it again
                ch.stats.error(str(exc))
                await asyncio.sleep(0.2)
            except (OSError, TimeoutError, Exception) as exc:   # noqa: BLE001 - the server went away
                ch.stats.error("lost:" + type(exc).__name__)
                if not await reconnect(ch, stop):
                    return
        if ch.args.pace:
            await asyncio.sleep(ch.args.pace)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


async def main_async(args) -> None:
    stats = Stats()
    ids = [f"{args.prefix}{i:06d}" for i in range(args.first, args.first + args.count)]
    chargers = [Charger(cp_id, args, stats) for cp_id in ids]
    gate = asyncio.Semaphore(args.connect_concurrency)
    stop = asyncio.Event()
    ok = await asyncio.gather(*(setup(ch, gate) for ch in chargers))
    body = {"capacity": capacity, "steady": steady, "storm": storm, "durable": durable}[args.mode]
    tasks = [asyncio.create_task(body(ch, stop)) for ch, good in zip(chargers, ok) if good]
    print(f"READY {stats.ready}", flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    cpu0 = time.process_time()
    while True:
        line = (await reader.readline()).decode().strip()
        if line == "go":
            stats.go_at = time.time()
            stats.counting = True
            stats.errors = {k: v for k, v in stats.errors.items() if k.startswith("setup")}
            cpu0 = time.process_time()
        elif line in ("stop", ""):
            break
    window = time.time() - stats.go_at if stats.go_at else 0.0
    stats.counting = False
    cpu = time.process_time() - cpu0
    stop.set()
    lat = sorted(stats.latencies)
    if args.acked:
        with open(args.acked, "w") as f:
            f.write("\n".join(stats.acked) + ("\n" if stats.acked else ""))
    print(orjson.dumps({
        "ready": stats.ready, "calls": stats.calls, "window_s": round(window, 3),
        "p50_ms": percentile(lat, 0.50), "p99_ms": percentile(lat, 0.99), "max_ms": percentile(lat, 1.0),
        "errors": stats.errors, "back": len(stats.back), "last_back": max(stats.back) if stats.back else None,
        "acked": len(stats.acked), "client_cpu_s": round(cpu, 2), "latencies_sample": lat[:: max(1, len(lat) // 2000)],
    }).decode(), flush=True)
    os._exit(0)      # thousands of sockets: no orderly close needed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--first", type=int, default=1, help="number of the first charger (BENCH-000001)")
    ap.add_argument("--prefix", default="BENCH-")
    ap.add_argument("--mode", choices=["capacity", "steady", "storm", "durable"], default="capacity")
    ap.add_argument("--period", type=float, default=20.0, help="steady: seconds between calls per charger")
    ap.add_argument("--pace", type=float, default=0.0, help="durable: seconds between meter values per charger")
    ap.add_argument("--password", default="", help="Basic-auth password of every charger")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--connect-concurrency", type=int, default=200)
    ap.add_argument("--acked", default="", help="durable: file for the acknowledged samples")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    import uvloop
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
