"""SQL repositories stamp rows with the clock they are given (csms.domain.clock), never the system
time: a test's settable clock is the rows' clock too."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import csms.db
from csms.db import repositories as repos
from csms.db.session import make_sessionmaker
from tests.fakes import EPOCH, FakeClock

SYSTEM_TIME = re.compile(r"datetime\.now\(|datetime\.utcnow\(|time\.time\(|func\.now\(")


def test_no_repository_reads_the_system_time():
    readers = [f"{path.name}:{n}" for path in sorted(Path(csms.db.__file__).parent.glob("*.py"))
               for n, line in enumerate(path.read_text().splitlines(), 1) if SYSTEM_TIME.search(line)]
    assert readers == []


async def test_rows_are_stamped_by_the_injected_clock(engine):
    clock = FakeClock(EPOCH - timedelta(days=400))
    db_sessions = make_sessionmaker(engine)
    station = await repos.SqlStationRepository(db_sessions, clock).create(name="Depot")
    await repos.SqlChargePointRepository(db_sessions, clock).create(id="CP1", station_id=station.id)
    transactions = repos.SqlTransactionRepository(db_sessions, clock)
    tx, _ = await transactions.start(charge_point_id="CP1", evse_id=1, connector_id=1, id_tag=None, started_at=EPOCH,
                                     meter_start_wh=0, ocpp_tx_id=None, reservation_id=None)
    clock.advance(minutes=5)
    stopped = await transactions.transition(tx.id, "Active", status="Completed")

    assert (station.created_at, tx.updated_at, stopped.updated_at) == (
        EPOCH - timedelta(days=400), EPOCH - timedelta(days=400), clock.now())
