"""Services on in-memory fakes (tests/fakes*.py, held to the SQL repositories' rules by tests/contract/) and
a fake clock. Besides the core fixtures here: `world` (driver charging and settlement, world.py) and `o`
(alarms, their sources and work orders, operations_world.py); the reservation tests take theirs from
reservation_fixtures.py."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from csms.services import passwords
from csms.services.chargers import ChargerConfig, ChargerService
from csms.services.id_tags import IdTagService
from csms.services.transactions import TransactionService
from tests.fakes import (FakeBatch, FakeChargePointRepository, FakeClock, FakeConnectorRepository,
                         FakeIdTagRepository, FakeMessageLogRepository, FakeMeterValueRepository, FakePresence,
                         FakeTransactionRepository, RecordingBus)
from tests.unit.csms.services.operations_world import o  # noqa: F401  (fixture)
from tests.unit.csms.services.world import world  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Real Argon2id, with the smallest cost: the services' rules are under test, not the hash's cost."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def bus():
    return RecordingBus()


@pytest.fixture
def transaction_repo(clock):
    return FakeTransactionRepository(clock)


@pytest.fixture
def meter_repo():
    return FakeMeterValueRepository()


@pytest.fixture
def message_repo():
    return FakeMessageLogRepository()


@pytest.fixture
def charge_points(clock):
    return FakeChargePointRepository(clock)


@pytest.fixture
def connectors():
    return FakeConnectorRepository()


@pytest.fixture
def id_tag_repo():
    return FakeIdTagRepository()


@pytest.fixture
def batch(transaction_repo, meter_repo, message_repo, charge_points, connectors):
    return FakeBatch(transactions=transaction_repo, meter_values=meter_repo, message_log=message_repo,
                     charge_points=charge_points, connectors=connectors)


@pytest.fixture
def presence():
    return FakePresence()


@pytest.fixture
def transactions(transaction_repo, meter_repo, id_tag_repo, bus, batch, clock):
    return TransactionService(transaction_repo, meter_repo, IdTagService(id_tag_repo, clock), bus, batch, clock)


@pytest.fixture
def charger_config():
    return ChargerConfig()


@pytest.fixture
def chargers(charge_points, connectors, bus, batch, clock, presence, charger_config):
    return ChargerService(charge_points, connectors, bus, batch, clock, presence, charger_config)
