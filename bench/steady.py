#!/usr/bin/env python3
"""Steady state: many chargers, each booted with a transaction, each sending one call every
``--period`` seconds (random phase; Heartbeat:StatusNotification:MeterValues = 1:1:2). For the CSMS
and the two peers in the same run: the share of the server's core used, p50/p99, and the server's
memory per 1,000 connections (RSS with all connected minus RSS before the first connection).

    python bench/steady.py                          # 2,000 chargers, one call / 20 s each, 60 s window
    python bench/steady.py --count 10000 --duration 120
"""

from __future__ import annotations

import argparse
import time

import harness as h


def run(kind: str, args) -> dict:
    server = h.make_server(kind, args.count, args.server_core, extra_env=h.csms_env(args))
    try:
        server.start()
        time.sleep(1)
        rss0 = server.rss_mib()
        load = h.Load(server, args.count, args.procs, args.client_core, "--mode", "steady",
                      "--period", str(args.period), "--timeout", str(args.timeout))
        try:
            ready = load.ready(timeout=900)
            time.sleep(args.warmup or args.period)   # the connect ramp's backlog drains; every charger has called
            rss = server.rss_mib()
            cpu0, t0 = server.cpu(), time.monotonic()
            load.say("go")
            time.sleep(args.duration)
            cpu, wall = server.cpu() - cpu0, time.monotonic() - t0
            r = load.results()
        finally:
            load.kill()
        return {"server": kind, "label": h.LABEL[kind], "connections": ready,
                "calls_per_s": round(r["calls"] / r["window_s"]), "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                "errors": sum(r["errors"].values()), "error_kinds": r["errors"],
                "server_cpu_pct": round(100 * cpu / wall, 1), "rss_idle_mib": round(rss0),
                "rss_mib": round(rss), "mib_per_1000": round((rss - rss0) / max(1, ready) * 1000, 1)}
    finally:
        h.cleanup(server, args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="chargers (connections)")
    ap.add_argument("--period", type=float, default=20.0, help="seconds between calls of one charger")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds measured")
    ap.add_argument("--timeout", type=float, default=30.0, help="client call timeout, seconds")
    ap.add_argument("--warmup", type=float, default=0.0,
                    help="seconds of load before the window (default: one period); 4 periods or more leave out "
                         "each charger's first call of each kind (first reads after a start)")
    h.common_args(ap)
    args = ap.parse_args()
    h.header("Steady state (open loop)", args)
    rows = [run(kind, args) for kind in args.servers.split(",")]
    print(h.table(rows, [("server", "label"), ("connections", "connections"), ("calls/s", "calls_per_s"),
                         ("server core %", "server_cpu_pct"), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"),
                         ("errors", "errors"), ("RSS idle MiB", "rss_idle_mib"), ("RSS MiB", "rss_mib"),
                         ("MiB / 1,000 conn.", "mib_per_1000")]))
    print()
    print(h.ratios(rows, "server_cpu_pct"))
    print(h.ratios(rows, "mib_per_1000"))
    for r in rows:
        if r["error_kinds"]:
            print(f"{r['server']} errors: {r['error_kinds']}")


if __name__ == "__main__":
    main()
