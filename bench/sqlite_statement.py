#!/usr/bin/env python3
"""One primary-key SELECT on a SQLite file, in a loop, through each way the CSMS could run it: SQLAlchemy's
async engine on aiosqlite, the same engine on csms/db/sqlite_async.py (what ``make_engine`` builds), and
synchronous SQLAlchemy Core for scale; plus a bare hop to the driver's thread. Prints the CPU per statement
(all threads of the process counted).

    python bench/sqlite_statement.py                 # 3,000 statements each
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db.session import make_engine, upgrade
from csms.db.sqlite_async import ThreadedConnection
from csms.db.tables import stations
from csms.settings import DatabaseSettings


async def cpu_us(fn, n: int) -> float:
    for _ in range(min(200, n)):
        await fn()
    started = time.process_time()
    for _ in range(n):
        await fn()
    return (time.process_time() - started) / n * 1e6


async def main(n: int) -> None:
    path = Path(tempfile.mkdtemp(prefix="csms-bench-sqlite-")) / "s.db"
    driver = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
    await upgrade(driver)
    aiosqlite = create_async_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)
    sync = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)
    stmt = select(stations).where(stations.c.id == 1)
    thread = ThreadedConnection(asyncio.get_running_loop(), (":memory:",), {})
    await thread._opening

    def through(engine):
        async def one():
            async with engine.connect() as conn:
                (await conn.execute(stmt)).first()
        return one

    async def synchronous():
        with sync.connect() as conn:
            conn.execute(stmt).first()

    async def hop():
        await thread.call(lambda: None)

    rows = [("SQLAlchemy async + aiosqlite", through(aiosqlite)),
            ("SQLAlchemy async + csms/db/sqlite_async.py", through(driver)),
            ("SQLAlchemy Core, synchronous (no thread)", synchronous),
            ("a bare hop to the driver's thread", hop)]
    print(f"| way | us of CPU per statement ({n:,} in a loop) |\n| --- | --- |")
    for name, fn in rows:
        print(f"| {name} | {await cpu_us(fn, n):.0f} |")
    await thread.close()
    for engine in (driver, aiosqlite):
        await engine.dispose()
    sync.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    asyncio.run(main(ap.parse_args().count))
