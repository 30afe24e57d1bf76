#!/usr/bin/env python3
"""Durability: chargers stream MeterValues (each value its own timestamp, kept by the charger until
answered, resent after a reconnect) while the CSMS is SIGKILLed at random moments and restarted on the
same SQLite database. At the end, every meter value the CSMS ever acknowledged must be in the database
exactly once. The peers persist nothing, so this one runs the CSMS only.

    python bench/durability.py                      # 20 chargers, 10 kills
    python bench/durability.py --kills 50
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import time
from collections import Counter
from datetime import datetime

import harness as h


def stored(db: str) -> Counter:
    """(charge point, timestamp) of every stored energy reading, counted."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT charge_point_id, timestamp FROM meter_values "
                            "WHERE measurand = 'Energy.Active.Import.Register' AND transaction_id IS NOT NULL")
        return Counter((cp, datetime.fromisoformat(at).strftime("%Y-%m-%dT%H:%M:%SZ")) for cp, at in rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20, help="chargers streaming meter values")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--min-gap", type=float, default=0.5, help="least seconds of load between restart and kill")
    ap.add_argument("--max-gap", type=float, default=3.0, help="most seconds of load between restart and kill")
    ap.add_argument("--seed", type=int, default=None)
    h.common_args(ap)
    args = ap.parse_args()
    args.procs = 1
    rng = random.Random(args.seed)
    h.header(f"Durability: {args.kills} SIGKILLs under MeterValues load", args)
    server = h.make_server("csms", args.count, args.server_core)
    acked_file = server.tmp / "acked.txt"
    started = time.monotonic()
    try:
        server.start()
        load = h.Load(server, args.count, 1, args.client_core, "--mode", "durable", "--timeout", "5",
                      "--acked", str(acked_file))
        try:
            load.ready(timeout=300)
            load.say("go")
            for _ in range(args.kills):
                time.sleep(rng.uniform(args.min_gap, args.max_gap))
                server.kill(signal.SIGKILL)
                server.start()
            time.sleep(args.max_gap)        # the chargers resend what they still hold
            r = load.results()
        finally:
            load.kill()
        server.kill(signal.SIGTERM)
        acked = [tuple(line.split(" ", 1)) for line in acked_file.read_text().splitlines()]
        counts = stored(str(server.tmp / "bench.db"))
        lost = sum(1 for key in acked if counts[key] == 0)
        twice = sum(1 for key in acked if counts[key] > 1)
        print(h.table([{"kills": args.kills, "chargers": args.count, "acked": len(acked), "stored": sum(counts.values()),
                        "lost": lost, "twice": twice, "calls_not_acked": sum(r["errors"].values()),
                        "minutes": round((time.monotonic() - started) / 60, 1)}],
                      [("kills", "kills"), ("chargers", "chargers"), ("values acknowledged", "acked"),
                       ("values stored", "stored"), ("acknowledged but lost", "lost"),
                       ("stored more than once", "twice"), ("calls lost to a kill (resent)", "calls_not_acked"),
                       ("run, min", "minutes")]))
        print(f"\nerrors seen by the chargers (resent): {r['errors']}")
        print(f"restarts that failed and were retried: {server.failed_starts}")
        print("RESULT:", "every acknowledged value stored exactly once" if not lost and not twice
              else f"{lost} acknowledged values lost, {twice} stored twice")
    finally:
        h.cleanup(server, args.keep)


if __name__ == "__main__":
    main()
