"""The SQL repositories on a freshly migrated database (SQLite and MariaDB, via ``db_url``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csms.db import repositories as repos
from csms.db.session import make_engine, make_sessionmaker, upgrade
from csms.settings import DatabaseSettings


@pytest.fixture
async def engine(db_url):
    engine = make_engine(DatabaseSettings(url=db_url, pool_size=5))
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def db(engine):
    sf = make_sessionmaker(engine)
    return SimpleNamespace(
        engine=engine,
        stations=repos.SqlStationRepository(sf),
        charge_points=repos.SqlChargePointRepository(sf),
        connectors=repos.SqlConnectorRepository(sf),
        id_tags=repos.SqlIdTagRepository(sf),
        transactions=repos.SqlTransactionRepository(sf),
        meter_values=repos.SqlMeterValueRepository(sf),
        message_log=repos.SqlMessageLogRepository(sf),
        operators=repos.SqlOperatorRepository(sf),
    )
