#!/usr/bin/env python3
"""Start-up: how long `csms serve` takes until /readyz answers, with N charge points registered (the
start before a reconnect storm), and the CPU it used by then. The first start of a fresh data
directory writes the validator cache (csms/ocpp/schema_cache.py); the later ones read it.

    python bench/startup.py                          # 10,000 charge points, 5 starts
    python bench/startup.py --count 2000 --starts 3

A profile of one start: py-spy record --format raw -o start.txt -- .venv/bin/csms serve (with the
environment of a run kept by --keep: its data directory and database).
"""

from __future__ import annotations

import argparse
import os
import signal
import time

import harness as h
from storm import password_hash


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10000, help="charge points registered")
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    h.header("Start-up until ready", argparse.Namespace(server_core=args.server_core, client_core="-", procs=0))
    server = h.make_server("csms", args.count, args.server_core, password_hash=password_hash(False, os.urandom(32)))
    rows = []
    try:
        for n in range(1, args.starts + 1):
            spawned = server.start()
            rows.append({"start": n, "ready_s": round(time.time() - spawned, 2), "cpu_s": round(server.cpu(), 2),
                         "load": h.load_average()})
            server.kill(signal.SIGTERM)
    finally:
        h.cleanup(server, args.keep)
    print(h.table(rows, [("start", "start"), ("ready after, s", "ready_s"), ("CPU by then, s", "cpu_s"),
                         ("load average", "load")]))


if __name__ == "__main__":
    main()
