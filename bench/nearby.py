#!/usr/bin/env python3
"""Nearby-search benchmark: N stations (default 10,000) spread over a city, 2 charge points each
with 2 connectors (a DC and an AC one, mixed statuses, some charge points offline, some active
reservations and transactions), in a fresh temporary SQLite (or --database-url). Times the
service call behind GET /api/v1/driver/stations/nearby (bounding box, haversine, one aggregate for
the counts, ratings) from random points, and prints one JSON document with p50/p99 in ms.

    python bench/nearby.py
    python bench/nearby.py --stations 10000 --queries 300 --radius 5000 --filters
    python bench/nearby.py --database-url mysql+aiomysql://root:@127.0.0.1:3306/bench_nearby
    python bench/nearby.py --redis-url redis://127.0.0.1:6390/0   # live status from Redis (several nodes)

With --redis-url (a Redis of its own: its keys are written) the connectors' statuses and the charge
points' presence come from the live status store (csms/cluster/live_status.py), warmed from the
seeded database, as on an API node of several.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db import tables as core
from csms.db import tables_reservations as res
from csms.db.catalog import build_repositories
from csms.db.session import make_sessionmaker, upgrade
from csms.services.availability import Availability
from csms.services.clock import SystemClock
from csms.services.station_cards import StationCards
from csms.services.stations_geo import NearbyQuery, NearbySearch
from csms.services.tariffs import TariffService

CENTRE = (31.2304, 121.4737)          # Shanghai, GCJ-02
SPREAD_DEG = 0.35                     # about +-39 km north-south


async def seed(engine, n: int, rnd: random.Random) -> None:
    now = datetime.now(UTC)
    stations, cps, conns, reservations, txs = [], [], [], [], []
    for sid in range(1, n + 1):
        lat = CENTRE[0] + rnd.uniform(-SPREAD_DEG, SPREAD_DEG)
        lng = CENTRE[1] + rnd.uniform(-SPREAD_DEG, SPREAD_DEG)
        stations.append({"id": sid, "name": f"Station {sid}", "address": f"{sid} Bench Rd", "lat": lat, "lng": lng,
                         "timezone": "Asia/Shanghai", "created_at": now, "updated_at": now})
        for k in (1, 2):
            cp_id = f"CP{sid:05d}-{k}"
            cps.append({"id": cp_id, "station_id": sid, "security_profile": 0, "registration_status": "Accepted",
                        "protocol": "ocpp1.6", "online": rnd.random() > 0.1, "tolerant": False,
                        "created_at": now, "updated_at": now})
            for c, (type_, power) in ((1, ("CCS2", 120000)), (2, ("Type2", 7000))):
                status = rnd.choices(["Available", "Charging", "Preparing", "Faulted", "Unavailable"],
                                     [60, 25, 5, 5, 5])[0]
                conns.append({"charge_point_id": cp_id, "evse_id": c, "connector_id": c, "type": type_,
                              "max_power_w": power, "status": status, "error_code": "NoError"})
                if status == "Preparing" and rnd.random() < 0.5:
                    txs.append({"charge_point_id": cp_id, "evse_id": c, "connector_id": c, "status": "Active",
                                "started_at": now - timedelta(minutes=len(txs) % 600, seconds=len(txs)),
                                "meter_start_wh": len(txs), "updated_at": now, "offline": False})
                elif status == "Available" and rnd.random() < 0.03:
                    reservations.append({"charge_point_id": cp_id, "connector_id": c, "id_tag": "BENCH",
                                         "expiry_date": now + timedelta(hours=1), "status": "Accepted",
                                         "created_at": now, "updated_at": now})
    async with engine.begin() as conn:
        for table, rows in ((core.stations, stations), (core.charge_points, cps), (core.connectors, conns),
                            (core.transactions, txs), (res.reservations, reservations)):
            for i in range(0, len(rows), 2000):
                await conn.execute(insert(table), rows[i:i + 2000])


async def live_store(url: str, engine, repos):
    """The Redis live status, warmed from the seeded database, with the online charge points present."""
    import redis.asyncio as aioredis
    from sqlalchemy import select

    from csms.cluster.live_status import RedisLiveStatus
    redis = aioredis.from_url(url)
    await redis.flushdb()
    async with engine.connect() as conn:
        online = [r.id for r in (await conn.execute(select(core.charge_points.c.id)
                                                    .where(core.charge_points.c.online.is_(True)))).all()]
    far = int((time.time() + 86400) * 1000)
    for i in range(0, len(online), 5000):
        await redis.hset("csms:presence", mapping={cp: f"bench|ocpp1.6|{far}" for cp in online[i:i + 5000]})
    live = RedisLiveStatus(redis, settle=0)
    await live.check(repos.connectors.statuses)
    return live


class NoConnections:
    """The scan page's gateway: nothing is connected in this benchmark (nearby never asks)."""

    def protocol_of(self, cp_id: str) -> None:
        return None


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--radius", type=int, default=5000)
    ap.add_argument("--filters", action="store_true", help="also kind=dc&free=true (counts over the whole box)")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--redis-url", default=None, help="read the live status from this Redis (keys are written)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'nearby.db'}"
    engine = create_async_engine(url)
    await upgrade(engine)
    started = time.perf_counter()
    await seed(engine, args.stations, rnd)
    seeded_s = time.perf_counter() - started
    sf = make_sessionmaker(engine)
    clock = SystemClock()
    live = await live_store(args.redis_url, engine, build_repositories(sf, clock)) if args.redis_url else None
    repos = build_repositories(sf, clock, live) if live else build_repositories(sf, clock)
    map_repo = repos.station_map
    tariffs = TariffService(repos.tariffs, clock)       # no station has a tariff: cards show no price
    availability = Availability(charge_point_repo=repos.charge_points, connector_repo=repos.connectors,
                                reservation_repo=repos.reservations, driver_reservation_repo=repos.driver_reservations,
                                transaction_repo=repos.transactions, order_repo=repos.orders, gateway=NoConnections())
    cards = StationCards(map_repo, repos.ratings, repos.favourites, tariffs, availability, clock,
                         qr_base_url="https://bench.example.com/qr", min_wallet_fen=500)
    nearby = NearbySearch(map_repo, cards, clock)

    async def run(kind=None, free=False) -> dict:
        times, found = [], []
        for _ in range(args.queries):
            lat = CENTRE[0] + rnd.uniform(-SPREAD_DEG * 0.8, SPREAD_DEG * 0.8)
            lng = CENTRE[1] + rnd.uniform(-SPREAD_DEG * 0.8, SPREAD_DEG * 0.8)
            t0 = time.perf_counter()
            page = await nearby.nearby(NearbyQuery(lat, lng, args.radius, kind, free, None, 20, 0))
            times.append((time.perf_counter() - t0) * 1000)
            found.append(page.total)
        times.sort()
        return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
                "max_ms": round(times[-1], 2), "mean_in_radius": round(statistics.mean(found), 1)}

    await run()                       # warm the caches
    out = {"stations": args.stations, "charge_points": args.stations * 2, "connectors": args.stations * 4,
           "radius_m": args.radius, "queries": args.queries, "seed_s": round(seeded_s, 1),
           "database": url.split(":", 1)[0], "live_status": "redis" if live else "database", "plain": await run()}
    if args.filters:
        out["kind_dc_free"] = await run("dc", True)
    if live:
        out["redis_fallbacks"] = live.fallbacks
    print(json.dumps(out, indent=2))
    if live:
        await live.redis.aclose()
    await engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
