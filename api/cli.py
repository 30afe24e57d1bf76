"""`csms` command line: serve, demo, db (upgrade, current, backup, restore), wechat-emulator, create-operator."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import getpass
import sys

from csms.settings import SettingsError, env_name, flag_name, iter_fields, load_settings


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version
    try:
        return dist_version("csms")
    except PackageNotFoundError:      # running from a tree that was never installed
        return "0+unknown"


def _flag_help(section: str, f: dataclasses.Field) -> str:
    text = f.metadata.get("help", "")
    if f.metadata.get("secret"):
        return f"{text} [{env_name(section, f)}; secret: prefer the environment variable]"
    default = f.default if f.default is not dataclasses.MISSING else f.metadata.get("example")
    shown = "" if default in ("", None) else f"; default {str(default).lower() if f.type == 'bool' else default}"
    return f"{text} [{env_name(section, f)}{shown}]".replace("%", "%%")


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (same layout as config/default.toml)")
    group = parser.add_argument_group("settings (a flag beats the environment, which beats --config FILE, "
                                      "which beats config/default.toml)")
    for section, f in iter_fields():
        kw = {"dest": f"{section}.{f.name}", "default": None, "help": _flag_help(section, f)}
        if f.type == "bool":
            kw["action"] = argparse.BooleanOptionalAction
        else:
            kw["metavar"] = f.type.upper()
        group.add_argument(flag_name(section, f), **kw)


def _delays(text: str) -> tuple[float, ...] | None:
    from api.wechat_emulator import retry_delays
    try:
        return retry_delays(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0 separated by commas, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csms", description="OCPP charging-station management system")
    parser.add_argument("--version", action="version", version=f"csms {version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the CSMS (OCPP server, REST API, jobs)")
    serve.add_argument("--role", choices=["all", "ocpp", "api", "worker", "scheduler"], default="all",
                       help="the parts this process runs: ocpp (charge point sockets), api (REST and push), "
                            "worker (writes what OCPP nodes queued in RabbitMQ), scheduler (periodic jobs; one "
                            "runs them at a time, by a Redis lock); default all: everything in one process")
    _add_setting_flags(serve)

    demo = sub.add_parser("demo", help="run the CSMS with a demo station and simulated charge points")
    demo.add_argument("--chargers", type=int, default=3, help="simulated charge points (default 3)")
    demo.add_argument("--connectors", type=int, default=2, help="connectors per simulated charge point (default 2)")
    demo.add_argument("--session-seconds", type=float, default=60, help="length of each simulated session")
    demo.add_argument("--meter-interval", type=float, default=5, help="seconds between meter values (default 5)")
    _add_setting_flags(demo)

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="heads")
    _add_setting_flags(up)
    cur = dbsub.add_parser("current", help="print the applied revision")
    _add_setting_flags(cur)
    backup = dbsub.add_parser("backup", help="write a consistent copy of the database to FILE (SQLite: a "
                                             "database file; MariaDB: an SQL dump; FILE.gz: compressed)")
    backup.add_argument("file", metavar="FILE")
    _add_setting_flags(backup)
    restore = dbsub.add_parser("restore", help="load a backup into the configured database, which must be empty")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--force", action="store_true", help="replace a database that already has tables")
    _add_setting_flags(restore)

    emu = sub.add_parser("wechat-emulator", help="run the WeChat emulator as its own process (the CSMS reaches "
                                                 "it at wechat.emulator_url)")
    emu.add_argument("--port", type=int, default=9100, help="port on 127.0.0.1 (default 9100; 0 = any free port)")
    emu.add_argument("--retry-delays", metavar="S,S,...", type=_delays,
                     help="seconds between notification attempts (default WeChat's 15,15,30,180,... ~24 h)")
    _add_setting_flags(emu)

    op = sub.add_parser("create-operator", help="create an operator account")
    op.add_argument("username")
    op.add_argument("--role", choices=["viewer", "operator", "finance", "admin"], default="operator")
    op.add_argument("--password", help="default: ask (or read CSMS_NEW_PASSWORD)")
    _add_setting_flags(op)
    return parser


def run(coro):
    """Run on uvloop when it is installed (the `fast` extra): the same code, a faster event loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


async def _settle_heap(running):
    """Collected once and frozen at start, then full collections paced (csms/heap.py); returns their undoing."""
    from csms.heap import PacedCollections
    heap = PacedCollections()
    heap.settle()
    pacing = asyncio.create_task(heap.run())

    async def stop() -> None:
        pacing.cancel()
    return stop


def _settings(args):
    flags = {k: v for k, v in vars(args).items() if "." in k}
    return load_settings(flags=flags, config_file=args.config)


async def _db(args, settings) -> None:
    from csms.db.session import current_revision, make_engine, upgrade
    if args.db_command in ("backup", "restore"):
        from csms.db import backup
        done = await (backup.backup if args.db_command == "backup" else backup.restore)(
            settings, args.file, **({"force": args.force} if args.db_command == "restore" else {}))
        print(done)
        return
    engine = make_engine(settings.database, settings.data_dir)
    try:
        if args.db_command == "upgrade":
            await upgrade(engine, args.revision)
        print(await current_revision(engine) or "(none)")
    finally:
        await engine.dispose()


async def _create_operator(args, settings) -> None:
    import os
    from csms.db.repositories import SqlOperatorRepository
    from csms.db.session import make_engine, make_sessionmaker, upgrade
    from csms.services.clock import SystemClock
    from csms.services.operators import OperatorService
    password = args.password or os.environ.get("CSMS_NEW_PASSWORD") or getpass.getpass("password: ")
    engine = make_engine(settings.database, settings.data_dir)
    try:
        await upgrade(engine)
        op = await OperatorService(SqlOperatorRepository(make_sessionmaker(engine), SystemClock())).create(
            args.username, password, args.role)
        print(f"created {op.role} {op.username} (id {op.id})")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"csms: {exc}", file=sys.stderr)
        return 2
    from csms import logging_setup, startup
    from csms.settings import secret_values
    logging_setup.configure(settings.log, secret_values(settings))
    try:
        if args.command in ("serve", "demo"):
            startup.preflight(settings)
        if args.command == "serve":
            gc.disable()        # until started: _settle_heap
            from api.server import serve_forever
            run(serve_forever(settings, args.role, on_started=_settle_heap))
        elif args.command == "demo":
            from api.demo import run_demo
            run(run_demo(settings, args))
        elif args.command == "db":
            asyncio.run(_db(args, settings))
        elif args.command == "wechat-emulator":
            from api.wechat_emulator import run_emulator
            run(run_emulator(settings, args.port, delays=args.retry_delays))
        elif args.command == "create-operator":
            asyncio.run(_create_operator(args, settings))
    except KeyboardInterrupt:
        pass
    except Exception as exc:       # a known start-up problem is one line naming what to fix, not a traceback
        message = startup.explain(exc, settings)
        if message is None:
            raise
        print(f"csms: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
