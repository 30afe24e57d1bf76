"""MariaDB restarted under load (issue 16 item 4): a private mariadbd (tests/support/private_mariadb.py,
never the shared one) under a CSMS process (`csms serve`) while simulated charge points stream
meter values every 0.2 s. The database is stopped (a clean shutdown) mid-session and started again;
one more charge point starts a session while it is down.

What must hold: while it is down, no transaction message is acknowledged (the CSMS answers
CALLERROR InternalError or not at all, and the charge points keep the messages to send again) and
no connection is dropped (no charge point boots again); once it is back, the CSMS serves from it
again without a restart (pool pre-ping) and every acknowledged reading is stored exactly once, every
transaction completed with the charge point's meter stop."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from chargepoint_sim.protocol import parse_time
from tests.support.driver import eventually
from tests.support.private_mariadb import PrivateMariaDB, need_binaries
from tests.support.processes import CsmsProcess
from tests.support.watched_point import ENERGY, WatchedPoint

pytestmark = pytest.mark.timeout(150)
DOWN_SECONDS = 5.0
SLACK = 0.5           # an answer to a commit that ended just before the shutdown may still be on its way


@pytest.fixture
async def mariadb(tmp_path):
    need_binaries()
    db = PrivateMariaDB(tmp_path / "mariadb")
    await db.install()
    await db.start()
    await db.create_database()
    try:
        yield db
    finally:
        await db.stop()


async def ready(csms: CsmsProcess) -> int:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http, \
                http.get(f"{csms.api_url}/readyz") as resp:
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def test_mariadb_stopped_and_started_under_load_loses_nothing_acknowledged(mariadb, tmp_path):
    csms = CsmsProcess(tmp_path, db_url=mariadb.url(), CSMS_OCPP_FLUSH_INTERVAL="0.05")
    await csms.start()
    points: list[WatchedPoint] = []
    try:
        station = await csms.a_station()
        tags = []
        for n in range(4):
            cp_id = f"MDB-{n}"
            await csms.a_charge_point(cp_id, station_id=station["id"])
            tags.append(await csms.an_id_tag())
            cp = WatchedPoint(url=csms.ocpp_url, cp_id=cp_id, connectors=1, meter_interval=0.2, call_timeout=3,
                              reconnect_min_delay=0.2, reconnect_max_delay=1.0)
            cp.config.set("TransactionMessageAttempts", 50)
            cp.config.set("TransactionMessageRetryInterval", 1)
            cp.config.set("LocalPreAuthorize", True)               # a card it knows starts without asking
            await cp.connect()
            points.append(cp)
        for cp, tag in zip(points[:3], tags):
            await cp.start_session(1, tag)
        late = points[3]
        assert await late.authorize(tags[3]) == "Accepted"           # cached: it will start while the database is down
        await asyncio.sleep(2)                                        # streaming, database up
        boots = [cp.boots for cp in points]
        acked_before = sum(len(cp.acked) for cp in points)
        assert acked_before > 0

        await mariadb.stop()
        down = time.monotonic()
        await asyncio.sleep(1)
        await late.start_session(1, tags[3])                         # StartTransaction refused: kept, sent again
        assert late.transactions[0].id is None and late.outbox[0][0] == "StartTransaction"
        await asyncio.sleep(DOWN_SECONDS - 1)                         # streaming, database down
        assert await ready(csms) == 503                              # says so
        up = time.monotonic()
        acked_while_down = [t for cp in points for t in cp.ack_times if down + SLACK < t < up]
        refused = sum((cp.refused for cp in points), Counter())
        assert acked_while_down == [], f"{len(acked_while_down)} transaction messages acknowledged while down"
        assert refused["InternalError"] + refused["timeout"] > 0, refused     # they were sent, and refused
        assert all(cp.ready for cp in points) and [cp.boots for cp in points] == boots   # the connections lived

        await mariadb.start()
        await eventually(lambda: _is(ready(csms), 200), 30, "the CSMS ready again")
        await eventually(lambda: _acked_since(points, up), 40, "readings acknowledged after the restart")
        await asyncio.sleep(1)
        for cp in points:
            await cp.stop_session(1)
        for cp in points:
            await cp.wait_for(lambda c: not c.outbox, timeout=60)
        await check_stored_once(mariadb.url(), points)
        assert late.transactions[0].id is not None                   # the start went through once it was back
        refusals, traces = check_refusals_logged(csms.process.log.read_text(), refused["InternalError"])
        print(f"\nMariaDB down {DOWN_SECONDS:.0f} s under 3 chargers streaming and 1 starting: refused {dict(refused)}, "
              f"{sum(len(cp.acked) for cp in points)} acknowledged readings all stored once; the log: one line per "
              f"refusal ({refusals}), {traces} tracebacks")
    finally:
        for cp in points:
            await cp.close()
        await csms.close()


async def _is(status_coro, expected: int) -> bool:
    return await status_coro == expected


async def _acked_since(points: list[WatchedPoint], moment: float) -> bool:
    return all(any(t > moment for t in cp.ack_times) for cp in points)


REFUSAL = re.compile(r" ERROR +csms\.ocpp\.dispatcher: (\w+) (\S+) from (MDB-\d) answered InternalError: (\w+): (.+)")


def check_refusals_logged(log: str, refused: int) -> tuple[Counter, int]:
    """The dispatcher logs one line per refused message (action, message id, charge point, the
    error's class and text) and a traceback at most once a minute per error class, not one each."""
    lines = log.splitlines()
    found = [(i, m) for i, line in enumerate(lines) if (m := REFUSAL.search(line))]
    assert len(found) == refused, f"{len(found)} refusals logged, the charge points saw {refused}"
    assert all(m[1] in ("StartTransaction", "MeterValues", "StopTransaction") and m[5] for _, m in found)
    traced = Counter(m[4] for i, m in found if i + 1 < len(lines) and lines[i + 1].startswith("Traceback"))
    assert traced and max(traced.values()) == 1, traced       # the outage lasts less than a minute
    return Counter(m[4] for _, m in found), sum(traced.values())


async def check_stored_once(url: str, points: list[WatchedPoint]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            doubled = (await conn.execute(text(
                "SELECT transaction_id, timestamp, COUNT(*) FROM meter_values GROUP BY charge_point_id, "
                "transaction_id, timestamp, measurand, phase, context, location HAVING COUNT(*) > 1"))).all()
            stored = Counter((r[0], r[1], r[2].replace(microsecond=r[2].microsecond // 1000 * 1000), r[3])
                             for r in (await conn.execute(text(
                                 "SELECT charge_point_id, transaction_id, timestamp, value FROM meter_values "
                                 "WHERE measurand = :m"), {"m": ENERGY})).all())
            txs = {r[0]: r[1:] for r in (await conn.execute(text(
                "SELECT id, status, meter_stop_wh FROM transactions"))).all()}
    finally:
        await engine.dispose()
    assert doubled == [], f"readings stored twice: {doubled[:5]}"
    acked = [(cp.cp_id, tx, parse_time(ts).replace(tzinfo=None), wh) for cp in points for tx, ts, wh in cp.acked]
    # a reading may be acknowledged in two messages (the last periodic sample and the stop's Transaction.End
    # at the same instant): two rows of different contexts; no row is doubled (above), none is missing
    missing = [a for a in acked if stored[a] == 0]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged readings not stored: {missing[:5]}"
    for cp in points:
        for tx in cp.transactions:
            assert txs[tx.id] == ("Completed", tx.meter_stop), (cp.cp_id, tx.id, txs.get(tx.id))
