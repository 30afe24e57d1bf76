#!/usr/bin/env python3
"""py-spy under the capacity load (or the steady one): the CSMS pinned to the server core,
bench/loadgen.py on the other, ``py-spy record`` for ``--duration`` seconds; prints the top frames by own
time and by total time (the raw collapsed stacks are kept in ``--out``).

    python bench/profile_capacity.py --count 1000 --duration 20 --out /tmp/csms.txt
    python bench/profile_capacity.py --mode steady --period 20 --count 2000 --duration 30
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import time
from pathlib import Path

import harness as h


def top(collapsed: str, n: int) -> tuple[list, list, int]:
    own, total = collections.Counter(), collections.Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():      # a frame name with a line break in it
            continue
        k = int(count)
        samples += k
        frames = stack.split(";")
        own[frames[-1]] += k
        for f in set(frames):
            total[f] += k
    return own.most_common(n), total.most_common(n), samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--out", default="/tmp/csms-profile.txt")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--mode", choices=("capacity", "steady"), default="capacity")
    ap.add_argument("--period", type=float, default=20.0, help="steady: seconds between calls of one charger")
    ap.add_argument("--warmup", type=float, default=0.0, help="seconds of load before the window")
    h.common_args(ap)
    args = ap.parse_args()
    server = h.make_server("csms", args.count, args.server_core, extra_env=h.csms_env(args))
    try:
        server.start()
        mode = ("--mode", "steady", "--period", str(args.period)) if args.mode == "steady" else ("--mode", "capacity")
        load = h.Load(server, args.count, args.procs, args.client_core, *mode)
        try:
            load.ready(timeout=900)
            time.sleep(args.warmup or (args.period if args.mode == "steady" else 2))
            load.say("go")
            cpu0 = server.cpu()
            subprocess.run([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.proc.pid), "-d", str(int(args.duration)), "-r", "250",
                            "-f", "raw", "-o", args.out, "--nonblocking"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu = server.cpu() - cpu0
            r = load.results()
        finally:
            load.kill()
    finally:
        h.cleanup(server, args.keep)
    print(f"calls {r['calls']} in {r['window_s']} s, server CPU {cpu:.1f} s = {cpu / max(1, r['calls']) * 1e6:.0f} us/call"
          f" ({100 * cpu / args.duration:.0f} % of a core)")
    report(open(args.out).read(), args.top)


def report(collapsed: str, n: int) -> None:
    own, total, samples = top(collapsed, n)
    print(f"\n## own time (of {samples} samples)")
    for frame, k in own:
        print(f"{100 * k / samples:5.1f}%  {frame}")
    print("\n## total time")
    for frame, k in total:
        print(f"{100 * k / samples:5.1f}%  {frame}")


if __name__ == "__main__":
    sys.exit(main())
