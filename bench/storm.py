#!/usr/bin/env python3
"""Reconnect storm: N chargers connected and booted (the CSMS's with Basic-auth passwords), the server
is restarted (SIGTERM, then started again); the time until every charger has reconnected,
authenticated and booted again, counted from the restart's spawn and from the server being ready.
Refusals and timeouts are counted. The peers (bare websockets, `ocpp` library) check no password.

    python bench/storm.py                           # 2,000 chargers
    python bench/storm.py --count 10000
    python bench/storm.py --argon2                  # the stored hashes are Argon2 ones (before issue 15)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import signal
import time

import harness as h

PASSWORD = "Bench-Secret-0123456789abcdef"     # 29 characters, as a machine-made station password


def password_hash(argon2: bool, pepper: bytes) -> str:
    from csms.services.passwords import hash_sync
    from csms.services.station_passwords import StationPasswords
    return hash_sync(PASSWORD) if argon2 else StationPasswords(pepper).hash_fast(PASSWORD)


def run(kind: str, args) -> dict:
    pepper = os.urandom(32)
    server = h.make_server(kind, args.count, args.server_core, password_hash=password_hash(args.argon2, pepper),
                           extra_env={"CSMS_OCPP_STATION_PASSWORD_PEPPER": base64.b64encode(pepper).decode(),
                                      **h.csms_env(args)})
    try:
        server.start()
        load = h.Load(server, args.count, args.procs, args.client_core, "--mode", "storm",
                      "--password", PASSWORD, "--timeout", str(args.timeout))
        try:
            ready = load.ready(timeout=900)
            load.say("go")
            server.kill(signal.SIGTERM)
            spawned = server.start()
            up = time.time()
            load.wait_line("BACK", args.limit)
            r = load.results()
        finally:
            load.kill()
        last = r["last_back"]
        return {"server": kind, "label": h.LABEL[kind], "connections": ready, "back": r["back"],
                "from_spawn_s": round(last - spawned, 1) if last else None,
                "from_ready_s": round(last - up, 1) if last else None,
                "server_start_s": round(up - spawned, 1),
                "refused": sum(v for k, v in r["errors"].items() if k.startswith("refused")),
                "timeouts": sum(v for k, v in r["errors"].items() if "Timeout" in k),
                "error_kinds": r["errors"]}
    finally:
        h.cleanup(server, args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="chargers (connections)")
    ap.add_argument("--argon2", action="store_true", help="store Argon2 hashes (the state before issue 15)")
    ap.add_argument("--limit", type=float, default=300.0, help="give up after this many seconds")
    ap.add_argument("--timeout", type=float, default=30.0, help="client call/connect timeout, seconds")
    h.common_args(ap)
    args = ap.parse_args()
    h.header("Reconnect storm after a restart", args)
    rows = [run(kind, args) for kind in args.servers.split(",")]
    print(h.table(rows, [("server", "label"), ("chargers", "connections"), ("back", "back"),
                         ("all back, s after spawn", "from_spawn_s"), ("s after ready", "from_ready_s"),
                         ("server start s", "server_start_s"), ("refused", "refused"), ("timeouts", "timeouts")]))
    print()
    print(h.ratios(rows, "from_spawn_s"))
    for r in rows:
        if r["error_kinds"]:
            print(f"{r['server']} errors (reconnect attempts while the server was down included): {r['error_kinds']}")


if __name__ == "__main__":
    main()
