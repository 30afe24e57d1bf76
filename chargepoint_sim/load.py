"""Load mode (OCPP 1.6 only): thousands of lean OCPP 1.6 charge points in one process, measuring call round trips.

Each charge point is ONE coroutine on one WebSocket (no reader task, no keepalive task, no
compression): it connects (staggered over ``ramp`` seconds, with a cap on concurrent handshakes),
boots, optionally starts a transaction, then sends calls drawn from a weighted ``mix`` either
back-to-back (rate None = "max") or at ``rate`` calls/s, until the shared deadline. CALLs coming
from the central system are answered with CALLERROR NotSupported. ``run_load`` returns a JSON-able
summary: connections ok/failed, calls sent/ok/failed, calls/s, latency percentiles, errors by type.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import sys
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .link import basic_auth_header
from .protocol import encode_call, encode_error, utc_now

log = logging.getLogger("chargepoint_sim")

LOAD_ACTIONS = ("Heartbeat", "StatusNotification", "MeterValues", "Authorize", "DataTransfer")


@dataclass
class LoadConfig:
    url: str = "ws://127.0.0.1:9000/ocpp"
    count: int = 100
    id_prefix: str = "LOAD-"
    duration: float = 10.0
    rate: float | None = None  # calls/s per charge point; None = as fast as answers come back
    mix: dict[str, float] = field(default_factory=lambda: {"Heartbeat": 1.0})
    ramp: float = 0.0  # connects spread over this many seconds
    transaction: bool = False  # start a transaction after boot so MeterValues carry its id
    password: str | None = None
    id_tag: str = "LOADTAG"
    call_timeout: float = 10.0
    open_timeout: float = 10.0
    connect_concurrency: int = 200
    vendor: str = "csms-sim"
    model: str = "SIM-LOAD"
    progress: bool = False  # one line to stderr every 5 s
    cp_ids: list[str] | None = None  # explicit ids instead of <id_prefix>0001..; sets count
    ssl_context: object | None = None  # ssl.SSLContext for wss:// URLs

    def __post_init__(self):
        if self.cp_ids is not None:
            self.count = len(self.cp_ids)

    def ids(self) -> list[str]:
        if self.cp_ids is not None:
            return list(self.cp_ids)
        width = max(4, len(str(self.count)))
        return [f"{self.id_prefix}{i:0{width}d}" for i in range(1, self.count + 1)]


def parse_mix(text: str) -> dict[str, float]:
    """'Heartbeat:1,MeterValues:3' (weights default to 1) -> {'Heartbeat': 1.0, 'MeterValues': 3.0}."""
    mix: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, weight = part.partition(":")
        name = name.strip()
        if name not in LOAD_ACTIONS:
            raise ValueError(f"unsupported action in mix: {name!r} (choose from {', '.join(LOAD_ACTIONS)})")
        value = float(weight) if weight.strip() else 1.0
        if value < 0:
            raise ValueError(f"negative weight for {name}")
        mix[name] = mix.get(name, 0.0) + value
    if not mix or sum(mix.values()) <= 0:
        raise ValueError("empty mix")
    return mix


def parse_rate(text: str) -> float | None:
    if text.strip().lower() == "max":
        return None
    rate = float(text)
    if rate <= 0:
        raise ValueError("rate must be > 0 or 'max'")
    return rate


def action_cycle(mix: dict[str, float], length: int = 100) -> list[str]:
    """A list of ``length``-ish actions whose frequencies follow the weights (shuffled, fixed seed)."""
    total = sum(mix.values())
    cycle: list[str] = []
    for name, weight in mix.items():
        cycle += [name] * max(1 if weight > 0 else 0, round(length * weight / total))
    random.Random(42).shuffle(cycle)
    return cycle


def percentile(sorted_values, q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 if empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


class LoadStats:
    def __init__(self):
        self.connections_ok = 0
        self.connections_failed = 0
        self.boot_accepted = 0
        self.calls_sent = 0
        self.calls_ok = 0
        self.calls_failed = 0
        self.inbound_calls = 0
        self.latencies = array("d")  # ms, successful calls only
        self.errors: Counter = Counter()
        self.by_action: Counter = Counter()
        self.first_send: float | None = None
        self.last_done: float | None = None

    def summary(self, config: LoadConfig, elapsed: float) -> dict:
        values = sorted(self.latencies)
        window = (self.last_done - self.first_send) if self.first_send and self.last_done else 0.0
        return {
            "url": config.url,
            "charge_points": config.count,
            "connections_ok": self.connections_ok,
            "connections_failed": self.connections_failed,
            "boot_accepted": self.boot_accepted,
            "calls_sent": self.calls_sent,
            "calls_ok": self.calls_ok,
            "calls_failed": self.calls_failed,
            "inbound_calls": self.inbound_calls,
            "duration_s": round(elapsed, 3),
            "calls_per_s": round(self.calls_ok / window, 1) if window > 0 else 0.0,
            "rate_per_cp": "max" if config.rate is None else config.rate,
            "mix": config.mix,
            "latency_ms": {
                "p50": round(percentile(values, 50), 3),
                "p95": round(percentile(values, 95), 3),
                "p99": round(percentile(values, 99), 3),
                "max": round(values[-1], 3) if values else 0.0,
                "mean": round(sum(values) / len(values), 3) if values else 0.0,
            },
            "by_action": dict(self.by_action),
            "errors": dict(self.errors),
        }


class _LeanChargePoint:
    """Per-connection state kept to a handful of attributes."""

    __slots__ = ("ws", "cp_id", "stats", "timeout", "ids", "energy_wh", "tx_id")

    def __init__(self, ws, cp_id: str, stats: LoadStats, timeout: float):
        self.ws, self.cp_id, self.stats, self.timeout = ws, cp_id, stats, timeout
        self.ids = itertools.count(1)
        self.energy_wh = 0
        self.tx_id: int | None = None

    async def call(self, action: str, payload: dict) -> dict | None:
        stats = self.stats
        message_id = str(next(self.ids))
        text = encode_call(message_id, action, payload)
        started = time.perf_counter()
        if stats.first_send is None:
            stats.first_send = started
        stats.calls_sent += 1
        stats.by_action[action] += 1
        try:
            async with asyncio.timeout(self.timeout):
                await self.ws.send(text)
                while True:
                    msg = orjson.loads(await self.ws.recv())
                    kind = msg[0]
                    if kind == 2:  # the central system asks something: not supported in load mode
                        stats.inbound_calls += 1
                        await self.ws.send(encode_error(msg[1], "NotSupported", "load-mode charge point"))
                        continue
                    if msg[1] != message_id:
                        continue  # late answer to a call that already timed out
                    done = time.perf_counter()
                    stats.last_done = done
                    if kind == 3:
                        stats.calls_ok += 1
                        stats.latencies.append((done - started) * 1000.0)
                        return msg[2]
                    stats.calls_failed += 1
                    stats.errors[f"callerror:{action}:{msg[2]}"] += 1
                    return None
        except TimeoutError:
            stats.calls_failed += 1
            stats.errors[f"timeout:{action}"] += 1
            return None
        except ConnectionClosed:
            stats.calls_failed += 1
            stats.errors[f"connection_closed:{action}"] += 1
            raise

    def payload(self, action: str, id_tag: str, vendor: str) -> dict:
        if action == "Heartbeat":
            return {}
        if action == "StatusNotification":
            status = "Charging" if self.tx_id is not None else "Available"
            return {"connectorId": 1, "errorCode": "NoError", "status": status, "timestamp": utc_now()}
        if action == "MeterValues":
            self.energy_wh += 17
            payload = {"connectorId": 1, "meterValue": [{"timestamp": utc_now(), "sampledValue": [
                {"value": str(self.energy_wh), "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
                 "unit": "Wh"},
                {"value": "22000", "context": "Sample.Periodic", "measurand": "Power.Active.Import", "unit": "W"}]}]}
            if self.tx_id is not None:
                payload["transactionId"] = self.tx_id
            return payload
        if action == "Authorize":
            return {"idTag": id_tag}
        return {"vendorId": vendor, "messageId": "load", "data": "ping"}


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        return f"connect:http_{exc.response.status_code}"
    if isinstance(exc, TimeoutError):
        return "connect:timeout"
    return f"connect:{type(exc).__name__}"


async def _run_one(index: int, cp_id: str, cfg: LoadConfig, stats: LoadStats, deadline: float,
                   handshakes: asyncio.Semaphore, stop: asyncio.Event, cycle: list[str]) -> None:
    loop = asyncio.get_running_loop()
    if cfg.ramp > 0 and cfg.count > 1:
        await asyncio.sleep(cfg.ramp * index / cfg.count)
    if loop.time() >= deadline or stop.is_set():
        return
    headers = {"Authorization": basic_auth_header(cp_id, cfg.password)} if cfg.password is not None else None
    try:
        async with handshakes:
            tls = {"ssl": cfg.ssl_context} if cfg.ssl_context is not None and cfg.url.startswith("wss://") else {}
            ws = await connect(f"{cfg.url.rstrip('/')}/{cp_id}", subprotocols=["ocpp1.6"], additional_headers=headers,
                               compression=None, ping_interval=None, proxy=None, open_timeout=cfg.open_timeout,
                               close_timeout=1, max_queue=4, user_agent_header="csms-sim-load", **tls)
    except Exception as exc:  # noqa: BLE001 - every failure is counted
        stats.connections_failed += 1
        stats.errors[_connect_error(exc)] += 1
        return
    if ws.subprotocol != "ocpp1.6":
        stats.connections_failed += 1
        stats.errors["connect:subprotocol"] += 1
        await ws.close()
        return
    stats.connections_ok += 1
    cp = _LeanChargePoint(ws, cp_id, stats, cfg.call_timeout)
    try:
        if not await _boot(cp, cfg, deadline):
            return
        await cp.call("StatusNotification", cp.payload("StatusNotification", cfg.id_tag, cfg.vendor))
        if cfg.transaction:
            started = await cp.call("StartTransaction", {"connectorId": 1, "idTag": cfg.id_tag, "meterStart": 0,
                                                         "timestamp": utc_now()})
            cp.tx_id = started.get("transactionId") if started else None
        position = index % len(cycle)
        period = 1.0 / cfg.rate if cfg.rate else 0.0
        next_at = loop.time() + random.uniform(0, period)
        while not stop.is_set():
            if period:
                now = loop.time()
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                next_at = max(next_at + period, loop.time() - period)  # keep pace, never burst
            if loop.time() >= deadline or stop.is_set():
                break
            action = cycle[position]
            position = (position + 1) % len(cycle)
            await cp.call(action, cp.payload(action, cfg.id_tag, cfg.vendor))
        if cp.tx_id is not None:
            await cp.call("StopTransaction", {"transactionId": cp.tx_id, "meterStop": cp.energy_wh,
                                              "timestamp": utc_now(), "reason": "Local"})
    except ConnectionClosed:
        pass  # counted by the call that saw it
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed frame from the server
        stats.errors[f"error:{type(exc).__name__}"] += 1
    finally:
        try:
            async with asyncio.timeout(2):
                await ws.close()
        except Exception:  # noqa: BLE001
            pass


async def _boot(cp: _LeanChargePoint, cfg: LoadConfig, deadline: float) -> bool:
    loop = asyncio.get_running_loop()
    payload = {"chargePointVendor": cfg.vendor[:20], "chargePointModel": cfg.model[:20],
               "chargePointSerialNumber": f"SN-{cp.cp_id}"[:25], "firmwareVersion": "1.0.0"}
    while loop.time() < deadline:
        response = await cp.call("BootNotification", payload)
        status = response.get("status") if response else None
        if status == "Accepted":
            cp.stats.boot_accepted += 1
            return True
        if status is None:
            return False
        cp.stats.errors[f"boot:{status}"] += 1
        if status == "Rejected":
            return False
        await asyncio.sleep(max(0.0, min(float(response.get("interval") or 1), deadline - loop.time())))
    return False


def raise_open_files_limit(needed: int) -> None:
    """Each connection is a file descriptor: lift the soft limit towards the hard one if needed."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < needed:
            target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


async def _progress(stats: LoadStats, started: float) -> None:
    while True:
        await asyncio.sleep(5)
        elapsed = time.perf_counter() - started
        sys.stderr.write(f"[load {elapsed:6.1f}s] connected={stats.connections_ok} failed={stats.connections_failed} "
                         f"calls ok={stats.calls_ok} failed={stats.calls_failed}\n")


async def run_load(config: LoadConfig, stop: asyncio.Event | None = None) -> dict:
    """Run the load test and return its summary (see module docstring)."""
    stop = stop or asyncio.Event()
    raise_open_files_limit(config.count + 256)
    stats = LoadStats()
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    deadline = loop.time() + config.duration
    handshakes = asyncio.Semaphore(max(1, config.connect_concurrency))
    cycle = action_cycle(config.mix)  # shared by all charge points, each starts at its own offset
    reporter = loop.create_task(_progress(stats, started)) if config.progress else None
    try:
        await asyncio.gather(*(
            _run_one(i, cp_id, config, stats, deadline, handshakes, stop, cycle) for i, cp_id in enumerate(config.ids())
        ), return_exceptions=True)
    finally:
        if reporter is not None:
            reporter.cancel()
    return stats.summary(config, time.perf_counter() - started)
