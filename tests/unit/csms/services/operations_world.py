"""The operations side on in-memory fakes, with a fake clock (EPOCH, moved by the tests)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from csms.domain.models import ChargePoint, Operator
from csms.services.alarm_sources import AlarmSources, SourceConfig
from csms.services.alarms import AlarmPolicy, AlarmService
from csms.services.work_orders import WorkOrderService
from tests.fakes import (FakeChargePointRepository, FakeClock, FakeOperatorRepository, FakePresence,
                         FakeTransactionRepository, RecordingBus)
from tests.fakes_alarms import FakeAlarmRepository, FakeWorkOrderRepository

STATION = 7
DEBOUNCE = {"connector_fault": 60, "charge_point_offline": 300, "device_problem": 30}


def ops(debounce: dict | None = None, severity: dict | None = None, stuck_hours: float = 12) -> SimpleNamespace:
    """Alarms, their sources and work orders on fakes; charge points CP1 and CP2 of station 7."""
    from datetime import timedelta
    clock = FakeClock()
    bus = RecordingBus()
    charge_points = FakeChargePointRepository(clock)
    for cp_id in ("CP1", "CP2"):
        charge_points.rows[cp_id] = ChargePoint(cp_id, station_id=STATION)
    operators = FakeOperatorRepository()
    for n, name in enumerate(("alice", "bob"), start=1):
        operators.rows[n] = Operator(id=n, username=name, password_hash="x", role="operator")
    operators.rows[3] = Operator(id=3, username="gone", password_hash="x", role="operator", active=False)
    repo, transactions, presence = FakeAlarmRepository(clock), FakeTransactionRepository(clock), FakePresence()
    alarms = AlarmService(repo, charge_points, bus, clock, AlarmPolicy(DEBOUNCE if debounce is None else debounce,
                                                                        severity or {}))
    return SimpleNamespace(
        clock=clock, bus=bus, repo=repo, charge_points=charge_points, transactions=transactions, presence=presence,
        alarms=alarms, operators=operators,
        sources=AlarmSources(alarms, charge_points, transactions, presence,
                             SourceConfig(stuck_after=timedelta(hours=stuck_hours))),
        work_orders=WorkOrderService(FakeWorkOrderRepository(clock), alarms, operators, bus, clock))


@pytest.fixture
def o() -> SimpleNamespace:
    return ops()
