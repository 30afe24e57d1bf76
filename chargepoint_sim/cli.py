"""``csms-sim``: run simulated OCPP charge points from the command line.

    csms-sim --id CP1 --scenario charge --log-frames
    csms-sim --id CP1 --protocol ocpp2.0.1 --scenario remote
    csms-sim --url wss://csms.example:8443/ocpp --ca-file ca.pem --cert cp.pem --key cp.key --id CP1
    csms-sim --count 20 --id-prefix SIM- --scenario remote --ramp 5
    csms-sim --load --count 2000 --rate 1 --mix Heartbeat:1,MeterValues:3 --duration 60 --ramp 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from .link import make_ssl_context
from .load import LoadConfig, parse_mix, parse_rate, run_load
from .scenarios import SCENARIOS, ScenarioOptions, run_charge_point
from .v16 import ChargePoint16
from .v201 import ChargePoint201

CLASSES = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}

log = logging.getLogger("chargepoint_sim")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="csms-sim", description="Simulated OCPP-J charge points.")
    p.add_argument("--url", default="ws://127.0.0.1:9000/ocpp", help="central system endpoint; the charge point id is appended")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--id", help="charge point id (single charge point)")
    who.add_argument("--count", type=int, help="number of charge points, ids <prefix>0001 ...")
    p.add_argument("--id-prefix", default="SIM-", help="id prefix with --count (default SIM-)")
    p.add_argument("--connectors", type=int, default=2)
    p.add_argument("--password", help="HTTP Basic auth password (user = charge point id)")
    p.add_argument("--protocol", default="ocpp1.6", choices=sorted(CLASSES),
                   help="OCPP version of the scenario charge points (default ocpp1.6; --load speaks ocpp1.6 only)")
    tls = p.add_argument_group("TLS (wss:// URLs)")
    tls.add_argument("--ca-file", metavar="PEM", help="trust this CA certificate (instead of the system store)")
    tls.add_argument("--cert", metavar="PEM", help="client certificate (security profile 3)")
    tls.add_argument("--key", metavar="PEM", help="private key of --cert (if not inside the --cert file)")
    p.add_argument("--scenario", default="idle", choices=sorted(SCENARIOS))
    p.add_argument("--id-tag", default="SIMTAG")
    p.add_argument("--meter-interval", type=float, help="seconds between meter samples (default: MeterValueSampleInterval / "
                   "SampledDataCtrlr.TxUpdatedInterval = 60)")
    p.add_argument("--heartbeat-interval", type=float, help="override the interval from the BootNotification response")
    p.add_argument("--duration", type=float, help="seconds to run; 0 = until Ctrl-C (default 0; 10 with --load)")
    p.add_argument("--session-duration", type=float, default=60.0, help="charge scenario: seconds per session")
    p.add_argument("--pause", type=float, default=10.0, help="charge scenario: seconds between sessions")
    p.add_argument("--fault-after", type=float, default=30.0, help="fault scenario: seconds before each fault")
    p.add_argument("--fault-duration", type=float, default=15.0, help="fault scenario: seconds each fault lasts")
    p.add_argument("--unplug-after", type=float, default=2.0,
                   help="plug-in-and-wait / remote scenarios: seconds before the driver unplugs after a session")
    p.add_argument("--max-power", type=int, default=60000, help="connector max power in W")
    p.add_argument("--vendor", default="csms-sim")
    p.add_argument("--model", default="SIM-DC60")
    p.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second for the meter")
    p.add_argument("--call-timeout", type=float, default=10.0)
    p.add_argument("--log-frames", action="store_true", help="print every frame in (<<) and out (>>)")
    p.add_argument("--ramp", type=float, default=0.0, help="spread the connects over this many seconds")
    load = p.add_argument_group("load mode")
    load.add_argument("--load", action="store_true",
                      help="lean load generator, OCPP 1.6 only; prints a JSON summary")
    load.add_argument("--rate", default="max", help="calls/s per charge point, or 'max' (default)")
    load.add_argument("--mix", default="Heartbeat:1,StatusNotification:1,MeterValues:2",
                      help="weighted actions, e.g. Heartbeat:1,MeterValues:3 (also Authorize, DataTransfer)")
    load.add_argument("--transaction", action="store_true", help="start a transaction per charge point first")
    load.add_argument("--connect-concurrency", type=int, default=200, help="max simultaneous handshakes")
    verbosity = p.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true")
    verbosity.add_argument("-q", "--quiet", action="store_true")
    return p


def _ids(args) -> list[str]:
    if args.count:
        width = max(4, len(str(args.count)))
        return [f"{args.id_prefix}{i:0{width}d}" for i in range(1, args.count + 1)]
    return [args.id or "CP1"]


def _ssl_context(args):
    """One client TLS context for every charge point (None: websockets' default for wss://)."""
    if not (args.ca_file or args.cert or args.key):
        return None
    return make_ssl_context(args.ca_file, args.cert, args.key)


def _install_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # non-Unix, or not the main thread
            pass


async def _stop_after(stop: asyncio.Event, duration: float) -> None:
    if duration > 0:
        try:
            async with asyncio.timeout(duration):
                await stop.wait()
        except TimeoutError:
            stop.set()


async def run_scenarios(args) -> int:
    stop = asyncio.Event()
    _install_signals(stop)
    ids = _ids(args)
    opts = ScenarioOptions(id_tag=args.id_tag, session_s=args.session_duration, pause_s=args.pause,
                           fault_after_s=args.fault_after, fault_duration_s=args.fault_duration,
                           unplug_after_s=args.unplug_after)
    cls = CLASSES[args.protocol]
    tls = _ssl_context(args)
    cps = [
        cls(url=args.url, cp_id=cp_id, connectors=args.connectors, password=args.password,
            vendor=args.vendor, model=args.model, max_power_w=args.max_power,
            meter_interval=args.meter_interval, heartbeat_interval=args.heartbeat_interval,
            log_frames=args.log_frames, call_timeout=args.call_timeout, time_scale=args.time_scale,
            ssl_context=tls, **({"security_profile": 3} if cls is ChargePoint201 and args.cert else {}))
        for cp_id in ids
    ]

    async def start(index: int, cp) -> None:
        if args.ramp > 0 and len(cps) > 1:
            try:
                async with asyncio.timeout(args.ramp * index / len(cps)):
                    await stop.wait()
            except TimeoutError:
                pass
        await run_charge_point(cp, args.scenario, opts, stop)

    timer = asyncio.get_running_loop().create_task(_stop_after(stop, args.duration or 0))
    await asyncio.gather(*(start(i, cp) for i, cp in enumerate(cps)))
    timer.cancel()
    connected = sum(1 for cp in cps if cp.connect_count)
    log.warning("stopped: %d/%d charge points had connected", connected, len(cps))
    return 0 if connected else 1


async def run_load_mode(args) -> int:
    stop = asyncio.Event()
    _install_signals(stop)
    config = LoadConfig(
        url=args.url, count=args.count or 1, id_prefix=args.id_prefix,
        cp_ids=None if args.count else [args.id or "CP1"],
        duration=args.duration if args.duration else 10.0, rate=parse_rate(args.rate), mix=parse_mix(args.mix),
        ramp=args.ramp, transaction=args.transaction, password=args.password, id_tag=args.id_tag,
        call_timeout=args.call_timeout, connect_concurrency=args.connect_concurrency,
        vendor=args.vendor, model=args.model, progress=not args.quiet, ssl_context=_ssl_context(args),
    )
    summary = await run_load(config, stop)
    print(json.dumps(summary, indent=2))
    return 0 if summary["connections_ok"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.count is not None and args.count < 1:
        parser.error("--count must be >= 1")
    if args.key and not args.cert:
        parser.error("--key needs --cert")
    if args.load and args.protocol != "ocpp1.6":
        parser.error("--load speaks OCPP 1.6 only (use --protocol ocpp1.6)")
    try:
        _ssl_context(args)
    except (OSError, ValueError) as exc:
        parser.error(f"TLS files: {exc}")
    if args.load:
        try:
            parse_mix(args.mix)
            parse_rate(args.rate)
        except ValueError as exc:
            parser.error(str(exc))
    many = (args.count or 1) > 10
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet or many or args.load else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("websockets").setLevel(logging.WARNING if not args.verbose else logging.DEBUG)
    try:
        return asyncio.run(run_load_mode(args) if args.load else run_scenarios(args))
    except KeyboardInterrupt:  # pragma: no cover - signal handlers normally catch it
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
