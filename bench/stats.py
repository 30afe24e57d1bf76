#!/usr/bin/env python3
"""Statistics benchmark: a year of daily roll-ups for N charge points (default 1,000, 10 per station,
2 connectors each) and the drivers' days, plus one day of raw activity (sessions with their orders and
bill lines, status changes, connects and disconnects) in a fresh temporary SQLite, or a throwaway
MariaDB database (--mariadb), or --database-url. Times each dashboard query through the service the
API calls (csms/services/stats.py) and the roll-up of the raw day, and prints one JSON document with
p50/p99/max in ms.

    python bench/stats.py
    python bench/stats.py --mariadb
    python bench/stats.py --chargers 1000 --days 365 --queries 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db import tables as core
from csms.db import tables_backoffice as bo
from csms.db import tables_drivers as drv
from csms.db.catalog import build_repositories
from csms.db.session import make_sessionmaker, upgrade
from csms.services.clock import SystemClock
from csms.services.stats import Statistics
from csms.services.stats_arithmetic import day_window

SH = ZoneInfo("Asia/Shanghai")
MARIADB = "mysql+aiomysql://root:@127.0.0.1:3306/test"
FIGURES = ("energy_wh", "revenue_fen", "service_fen", "sessions", "charging_minutes", "occupied_minutes",
           "available_minutes", "faulted_minutes", "offline_minutes", "connector_minutes", "faults")


async def chunks(engine, table, rows: list[dict], size: int = 5000) -> None:
    async with engine.begin() as conn:
        for i in range(0, len(rows), size):
            await conn.execute(insert(table), rows[i:i + size])


def a_day_of(rnd: random.Random) -> dict:
    sessions = rnd.randint(0, 12)
    energy = sum(rnd.randint(5_000, 40_000) for _ in range(sessions))
    occupied = min(2880, sessions * rnd.randint(30, 90))
    faulted = rnd.choice((0, 0, 0, 0, 0, rnd.randint(1, 300)))
    offline = rnd.choice((0, 0, 0, 0, rnd.randint(1, 120)))
    return {"energy_wh": energy, "revenue_fen": energy * rnd.randint(80, 160) // 1000,
            "service_fen": energy * 50 // 1000, "sessions": sessions, "charging_minutes": occupied,
            "occupied_minutes": occupied, "available_minutes": 2880 - occupied - faulted - offline,
            "faulted_minutes": faulted, "offline_minutes": offline, "connector_minutes": 2880,
            "faults": 1 if faulted else 0}


async def seed_rollups(engine, chargers: int, per_station: int, days: list[date], rnd: random.Random) -> None:
    cp_rows, station_rows, network_rows = [], [], []
    users = 0
    for day in days:
        month = day.year * 100 + day.month
        sums: dict[int, dict] = {}
        for n in range(chargers):
            sid = n // per_station + 1
            fig = a_day_of(rnd)
            cp_rows.append({"day": day, "charge_point_id": f"CP{n:05d}", "station_id": sid, "month": month, **fig})
            acc = sums.setdefault(sid, {f: 0 for f in FIGURES})
            for f in FIGURES:
                acc[f] += fig[f]
        for sid, acc in sums.items():
            station_rows.append({"day": day, "station_id": sid, "month": month, **acc, "charge_points": per_station,
                                 "active_users": acc["sessions"] * 3 // 4})
        new = rnd.randint(20, 80)
        users += new
        network_rows.append({"day": day, "month": month, "new_users": new, "active_users": rnd.randint(300, 900),
                             "total_users": users})
    await chunks(engine, bo.stats_charge_point_day, cp_rows)
    await chunks(engine, bo.stats_station_day, station_rows)
    await chunks(engine, bo.stats_network_day, network_rows)


async def seed_raw_day(engine, chargers: int, per_station: int, day: date, rnd: random.Random) -> int:
    """Stations, charge points with 2 connectors, drivers, and one day of activity: ~6 sessions per
    charge point with their orders and bill lines, the status changes they make, a few faults and
    disconnects. The number of sessions."""
    start, _ = day_window(day, SH)
    now = datetime.now(UTC)
    stations = [{"id": s, "name": f"S{s}", "address": "", "timezone": "Asia/Shanghai", "created_at": now,
                 "updated_at": now} for s in range(1, chargers // per_station + 2)]
    cps, conns, status, presence = [], [], [], []
    txs, orders, lines = [], [], []
    drivers = [{"id": u, "openid": f"o{u}", "nickname": "", "avatar_url": "", "balance_fen": 0, "active": 1,
                "created_at": start - timedelta(days=rnd.randint(0, 400)), "updated_at": now} for u in range(1, 3001)]
    tx_id = 0
    for n in range(chargers):
        cp = f"CP{n:05d}"
        cps.append({"id": cp, "station_id": n // per_station + 1, "security_profile": 0,
                    "registration_status": "Accepted", "online": True, "tolerant": False, "created_at": now,
                    "updated_at": now})
        for c in (1, 2):
            conns.append({"charge_point_id": cp, "evse_id": c, "connector_id": c, "status": "Available",
                          "error_code": "NoError", "status_at": start - timedelta(days=2), "max_power_w": 60000})
            at = start + timedelta(minutes=rnd.randint(0, 120))
            for _ in range(3):
                tx_id += 1
                stop = at + timedelta(minutes=rnd.randint(20, 120))
                energy = rnd.randint(5000, 40000)
                txs.append({"id": tx_id, "charge_point_id": cp, "evse_id": c, "connector_id": c, "id_tag": f"D{tx_id}",
                            "status": "Completed", "started_at": at, "stopped_at": stop, "meter_start_wh": 0,
                            "meter_stop_wh": energy, "energy_wh": energy, "updated_at": stop, "offline": False})
                orders.append({"id": tx_id, "user_id": rnd.randint(1, 3000), "state": "paid", "step": "finished",
                               "charge_point_id": cp, "connector_id": c, "station_id": n // per_station + 1,
                               "id_tag": f"D{tx_id}", "transaction_id": tx_id, "pay_mode": "wallet",
                               "energy_wh": energy, "energy_fen": energy // 10, "service_fen": energy // 20,
                               "total_fen": energy // 10 + energy // 20, "paid_fen": energy // 10 + energy // 20,
                               "created_at": at, "started_at": at, "stopped_at": stop, "settled_at": stop,
                               "updated_at": stop})
                lines.append({"order_id": tx_id, "period": "flat", "start": at, "end": stop, "energy_wh": energy,
                              "energy_price": 100, "service_price": 50, "energy_fen": energy // 10,
                              "service_fen": energy // 20})
                status += [{"charge_point_id": cp, "evse_id": c, "connector_id": c, "status": s, "error_code": "NoError",
                            "at": t} for s, t in (("Preparing", at - timedelta(minutes=1)), ("Charging", at),
                                                  ("Finishing", stop), ("Available", stop + timedelta(minutes=5)))]
                at = stop + timedelta(minutes=rnd.randint(30, 200))
        if rnd.random() < 0.05:
            down = start + timedelta(hours=rnd.randint(1, 20))
            presence += [{"charge_point_id": cp, "online": False, "at": down},
                         {"charge_point_id": cp, "online": True, "at": down + timedelta(minutes=rnd.randint(5, 90))}]
    for table, rows in ((core.stations, stations), (core.charge_points, cps), (core.connectors, conns),
                        (drv.users, drivers), (core.transactions, txs), (drv.orders, orders), (drv.bill_lines, lines),
                        (bo.connector_status_log, status), (bo.presence_log, presence)):
        await chunks(engine, table, rows)
    return len(txs)


class NoBatch:
    async def flush(self) -> None:
        return None


async def timed(fn, n: int) -> dict:
    await fn()                                      # warm: plans, caches
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        rows = await fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 2),
            "max_ms": round(times[-1], 2), "rows": len(rows)}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chargers", type=int, default=1000)
    ap.add_argument("--per-station", type=int, default=10)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--queries", type=int, default=100, help="runs of each query")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--mariadb", action="store_true", help=f"a throwaway database next to {MARIADB}")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    url, drop = args.database_url, None
    if args.mariadb:
        drop = f"bench_stats_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(MARIADB)
        async with admin.begin() as conn:
            await conn.execute(text(f"CREATE DATABASE `{drop}` CHARACTER SET utf8mb4"))
        url = MARIADB.rsplit("/", 1)[0] + f"/{drop}"
    url = url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'stats.db'}"
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
        today = datetime.now(SH).date()
        days = [today - timedelta(days=d) for d in range(args.days, 0, -1)]
        t0 = time.perf_counter()
        await seed_rollups(engine, args.chargers, args.per_station, days[:-1], rnd)
        sessions = await seed_raw_day(engine, args.chargers, args.per_station, days[-1], rnd)
        seeded_s = time.perf_counter() - t0

        clock = SystemClock()
        repos = build_repositories(make_sessionmaker(engine), clock)
        stats = Statistics(repos.stats_source, repos.stats, NoBatch(), clock, "Asia/Shanghai")
        t0 = time.perf_counter()
        rows = await stats.roll_up(days[-1])
        rollup_ms = (time.perf_counter() - t0) * 1000
        first, last = days[0], days[-1]
        month = last - timedelta(days=29)
        q = args.queries
        out = {"database": url.split(":", 1)[0], "chargers": args.chargers, "stations": args.chargers // args.per_station,
               "days": args.days, "charge_point_rows": args.chargers * args.days, "seed_s": round(seeded_s, 1),
               "rollup_one_day": {"ms": round(rollup_ms, 1), "charge_points": rows, "sessions": sessions},
               "machine": f"{platform.machine()} {platform.python_version()}", "queries": q, "results": {
                   "series day, 30 days, all stations": await timed(lambda: stats.series(month, last), q),
                   "series day, a year, all stations": await timed(lambda: stats.series(first, last), q),
                   "series month, a year, all stations": await timed(lambda: stats.series(first, last, by="month"), q),
                   "series day, a year, one station": await timed(lambda: stats.series(first, last, station_id=42), q),
                   "series day, a year, one charge point": await timed(
                       lambda: stats.series(first, last, charge_point_id="CP00421"), q),
                   "series month, a year, one charge point": await timed(
                       lambda: stats.series(first, last, by="month", charge_point_id="CP00421"), q),
                   "top 10 stations by revenue, a year": await timed(
                       lambda: stats.ranking(first, last, "revenue_fen", 10), q),
                   "stations by fault rate, a year": await timed(lambda: stats.ranking(first, last, "fault_rate", 50), q),
                   "users by day, a year": await timed(lambda: stats.users(first, last), q),
                   "users by month, a year": await timed(lambda: stats.users(first, last, "month"), q),
               }}
        out["slowest_p99_ms"] = max(r["p99_ms"] for r in out["results"].values())
        print(json.dumps(out, indent=2))
    finally:
        await engine.dispose()
        if drop:
            async with admin.begin() as conn:
                await conn.execute(text(f"DROP DATABASE IF EXISTS `{drop}`"))
            await admin.dispose()
        tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
