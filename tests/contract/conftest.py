"""Each contract test runs against every implementation of the interfaces it names: the in-memory
fakes (tests/fakes*.py) the service tests use, and the SQL repositories on SQLite and MariaDB, all
stamping rows from the same settable clock. A fake that passes here behaves as production does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csms.db import repositories as core
from csms.db import repositories_driver_reservations as holders
from csms.db import repositories_drivers as drivers
from csms.db.repositories_invoices import SqlInvoiceRepository
from csms.db.repositories_moderation import SqlMediaCheckRepository
from csms.db.repositories_reservations import SqlReservationRepository
from csms.db.repositories_station_map import SqlStationMapRepository
from csms.db.session import make_engine, make_sessionmaker
from csms.db.tables import metadata
from csms.settings import DatabaseSettings
from tests import fakes, fakes_drivers
from tests.fakes_invoices import FakeInvoiceRepository, FakeMediaCheckRepository
from tests.fakes_reservations import FakeReservationRepository
from tests.fakes_station_map import FakeStationMapRepository
from tests.support.server import drop_mariadb, fresh_mariadb
from tests.support.services import MARIADB_URL, need

NAMES = ("users", "refresh_tokens", "orders", "payments", "refunds", "notifications", "subscriptions", "holders")


def fake_repositories(clock: fakes.FakeClock) -> SimpleNamespace:
    r = SimpleNamespace(kind="fake", clock=clock, stations=fakes.FakeStationRepository(clock),
                        charge_points=fakes.FakeChargePointRepository(clock),
                        connectors=fakes.FakeConnectorRepository(),
                        transactions=fakes.FakeTransactionRepository(clock),
                        reservations=FakeReservationRepository(clock))
    for name, cls in zip(NAMES, (fakes_drivers.FakeUserRepository, fakes_drivers.FakeRefreshTokenRepository,
                                 fakes_drivers.FakeOrderRepository, fakes_drivers.FakePaymentRepository,
                                 fakes_drivers.FakeRefundRepository, fakes_drivers.FakeNotificationLog,
                                 fakes_drivers.FakeSubscriptionRepository,
                                 fakes_drivers.FakeDriverReservationRepository)):
        setattr(r, name, cls(clock))
    r.wallet = fakes_drivers.FakeWalletRepository(r.users, clock)
    r.invoices = FakeInvoiceRepository(r.orders, clock)
    r.media_checks = FakeMediaCheckRepository(clock)
    r.station_map = FakeStationMapRepository(stations=r.stations, charge_points=r.charge_points,
                                             connectors=r.connectors, transactions=r.transactions,
                                             reservations=r.reservations, holders=r.holders, users=r.users,
                                             clock=clock)
    return r


def sql_repositories(kind: str, db_sessions, clock: fakes.FakeClock) -> SimpleNamespace:
    r = SimpleNamespace(kind=kind, clock=clock)
    for name, cls in (("stations", core.SqlStationRepository), ("charge_points", core.SqlChargePointRepository),
                      ("connectors", core.SqlConnectorRepository), ("transactions", core.SqlTransactionRepository),
                      ("reservations", SqlReservationRepository), ("users", drivers.SqlUserRepository),
                      ("refresh_tokens", drivers.SqlRefreshTokenRepository), ("orders", drivers.SqlOrderRepository),
                      ("wallet", drivers.SqlWalletRepository), ("payments", drivers.SqlPaymentRepository),
                      ("refunds", drivers.SqlRefundRepository), ("notifications", drivers.SqlNotificationLog),
                      ("subscriptions", drivers.SqlSubscriptionRepository),
                      ("holders", holders.SqlDriverReservationRepository),
                      ("station_map", SqlStationMapRepository), ("invoices", SqlInvoiceRepository),
                      ("media_checks", SqlMediaCheckRepository)):
        setattr(r, name, cls(db_sessions, clock))
    return r


@pytest.fixture(params=["fake", "sqlite", "mariadb"])
async def repos(request, tmp_path) -> SimpleNamespace:
    """Every repository of one implementation, on an empty store, with a FakeClock (``repos.clock``)."""
    clock = fakes.FakeClock()
    if request.param == "fake":
        yield fake_repositories(clock)
        return
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    else:
        need(MARIADB_URL, "MariaDB")
        url, name = await fresh_mariadb(MARIADB_URL)
    engine = make_engine(DatabaseSettings(url=url, pool_size=5))
    try:
        # the tables as declared (tests/unit/db/test_migrations_match_tables.py holds the migrations to them)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield sql_repositories(request.param, make_sessionmaker(engine), clock)
    finally:
        await engine.dispose()
        if name is not None:
            await drop_mariadb(MARIADB_URL, name)
