#!/usr/bin/env python3
"""Capacity: N chargers boot, start a transaction, then call as fast as they are answered (closed loop,
Heartbeat:StatusNotification:MeterValues = 1:1:2). The CSMS, a bare websockets server with canned
replies and the `ocpp`-library build, one after the other in the same run, each pinned to the server
core with the load generator on the other. Prints calls/s, p50/p99, errors, the server's CPU per call
and the ratios.

    python bench/capacity.py                       # 1,000 chargers, 20 s window
    python bench/capacity.py --count 5000 --duration 30
"""

from __future__ import annotations

import argparse
import time

import harness as h


def run(kind: str, args) -> dict:
    server = h.make_server(kind, args.count, args.server_core, extra_env=h.csms_env(args))
    try:
        server.start()
        load = h.Load(server, args.count, args.procs, args.client_core, "--mode", "capacity",
                      "--timeout", str(args.timeout))
        try:
            ready = load.ready(timeout=600)
            time.sleep(args.warmup)
            cpu0, t0 = server.cpu(), time.monotonic()
            load.say("go")
            time.sleep(args.duration)
            cpu, wall = server.cpu() - cpu0, time.monotonic() - t0
            r = load.results()
        finally:
            load.kill()
        calls = r["calls"] or 1
        return {"server": kind, "label": h.LABEL[kind], "connections": ready,
                "calls_per_s": round(r["calls"] / r["window_s"]), "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                "errors": sum(r["errors"].values()), "error_kinds": r["errors"],
                "cpu_us_per_call": round(cpu / calls * 1e6), "server_cpu_pct": round(100 * cpu / wall),
                "client_cpu_pct": round(100 * r["client_cpu_s"] / r["window_s"])}
    finally:
        h.cleanup(server, args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="chargers (connections)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds measured")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the window")
    ap.add_argument("--timeout", type=float, default=30.0, help="client call timeout, seconds")
    h.common_args(ap)
    args = ap.parse_args()
    h.header("Capacity (closed loop)", args)
    rows = [run(kind, args) for kind in args.servers.split(",")]
    print(h.table(rows, [("server", "label"), ("connections", "connections"), ("calls/s", "calls_per_s"),
                         ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"), ("errors", "errors"),
                         ("server CPU us/call", "cpu_us_per_call"), ("server core %", "server_cpu_pct"),
                         ("load gen. core %", "client_cpu_pct")]))
    print()
    print(h.ratios(rows, "calls_per_s"))
    print(h.ratios(rows, "cpu_us_per_call"))
    for r in rows:
        if r["error_kinds"]:
            print(f"{r['server']} errors: {r['error_kinds']}")


if __name__ == "__main__":
    main()
