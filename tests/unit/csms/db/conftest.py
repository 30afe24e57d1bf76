"""The SQL repositories on a freshly migrated database (SQLite and MariaDB, via ``db_url``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csms.db import repositories as repos
from csms.db.session import make_engine, make_sessionmaker, upgrade
from csms.services.clock import SystemClock
from csms.settings import DatabaseSettings

CLOCK = SystemClock()


@pytest.fixture
async def engine(db_url):
    engine = make_engine(DatabaseSettings(url=db_url, pool_size=5))
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sf(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def db(engine):
    sf = make_sessionmaker(engine)
    return SimpleNamespace(
        engine=engine,
        stations=repos.SqlStationRepository(sf, CLOCK),
        charge_points=repos.SqlChargePointRepository(sf, CLOCK),
        connectors=repos.SqlConnectorRepository(sf, CLOCK),
        id_tags=repos.SqlIdTagRepository(sf, CLOCK),
        transactions=repos.SqlTransactionRepository(sf, CLOCK),
        meter_values=repos.SqlMeterValueRepository(sf, CLOCK),
        message_log=repos.SqlMessageLogRepository(sf, CLOCK),
        operators=repos.SqlOperatorRepository(sf, CLOCK),
    )
