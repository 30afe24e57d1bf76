#!/usr/bin/env python3
"""The ramp: ``--count`` chargers arrive at a running server at once, each connecting, booting, reporting
a status and starting a transaction (bench/loadgen.py's steady mode until its READY line). For the CSMS
and the peers in the same run: seconds until all are ready, the server's CPU over that time and per
charger. With ``--profile FILE``, py-spy records the CSMS's ramp and the top frames are printed.

    python bench/ramp.py                                  # 2,000 chargers, csms,bare,ocpp-lib
    python bench/ramp.py --count 2000 --servers csms --profile /tmp/ramp.txt
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import harness as h
from profile_capacity import report


def run(kind: str, args) -> dict:
    server = h.make_server(kind, args.count, args.server_core, extra_env=h.csms_env(args))
    spy = None
    try:
        server.start()
        time.sleep(1)
        if args.profile and kind == "csms":
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.proc.pid),
                                    "-r", "250", "-f", "raw", "-o", args.profile, "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        cpu0, t0 = server.cpu(), time.monotonic()
        load = h.Load(server, args.count, args.procs, args.client_core, "--mode", "steady",
                      "--period", "3600", "--timeout", str(args.timeout))
        try:
            ready = load.ready(timeout=args.limit)
            cpu, wall = server.cpu() - cpu0, time.monotonic() - t0
        finally:
            load.kill()
        if spy is not None:
            spy.send_signal(2)   # SIGINT: py-spy writes what it recorded
            spy.wait(60)
        return {"server": kind, "label": h.LABEL[kind], "ready": ready, "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1), "ms_per_charger": round(cpu / max(1, ready) * 1000, 2)}
    finally:
        h.cleanup(server, args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="chargers")
    ap.add_argument("--timeout", type=float, default=60.0, help="client call timeout, seconds")
    ap.add_argument("--limit", type=float, default=900.0, help="seconds to wait for all to be ready")
    ap.add_argument("--profile", default="", help="py-spy raw output of the CSMS's ramp")
    ap.add_argument("--top", type=int, default=25)
    h.common_args(ap)
    args = ap.parse_args()
    h.header("Ramp: connect, boot, status, start a transaction", args)
    rows = [run(kind, args) for kind in args.servers.split(",")]
    print(h.table(rows, [("server", "label"), ("ready", "ready"), ("until all ready, s", "wall_s"),
                         ("server CPU s", "cpu_s"), ("CPU ms / charger", "ms_per_charger")]))
    print()
    print(h.ratios(rows, "ms_per_charger"))
    if args.profile and Path(args.profile).exists():
        report(Path(args.profile).read_text(), args.top)


if __name__ == "__main__":
    main()
