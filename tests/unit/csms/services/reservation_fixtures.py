"""The reservations services on in-memory fakes and a fake clock; imported by the reservation tests, whose
`transactions` is the repository (the services' conftest has the TransactionService under that name)."""

from __future__ import annotations

import pytest

from csms.services.id_tags import IdTagService
from csms.services.reservations import ReservationService
from csms.services.reservations_local_list import LocalListService
from tests.fakes import FakeClock, FakeIdTagRepository, FakeTransactionRepository
from tests.fakes_reservations import (
    FakeLocalListRepository,
    FakeReservationRepository,
    ScriptedGateway,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def gateway():
    return ScriptedGateway()


@pytest.fixture
def transactions(clock):
    return FakeTransactionRepository(clock)


@pytest.fixture
def repo(clock):
    return FakeReservationRepository(clock)


@pytest.fixture
def service(repo, gateway, clock):
    return ReservationService(repo, gateway, clock)


@pytest.fixture
def id_tag_repo():
    return FakeIdTagRepository()


@pytest.fixture
def lists():
    return FakeLocalListRepository()


@pytest.fixture
def local_lists(lists, gateway, id_tag_repo, clock):
    return LocalListService(lists, gateway, IdTagService(id_tag_repo, clock), id_tag_repo, clock)
