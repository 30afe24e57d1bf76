"""TransactionCosts (the cost 2.0.1 returns as totalCost) on the in-memory tariff repository: the
running cost grown event by event equals the bill of everything stored, the final one is recomputed,
and a transaction nothing can price has no cost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.models import Transaction
from csms.services.billing import bill
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionCosts, register_readings, transaction_samples
from tests.fakes import FakeChargePointRepository, FakeClock
from tests.fakes_tariffs import FakeTariffRepository
from tests.unit.csms.services.billing_builders import SHANGHAI, local, spec

PEAK_VALLEY = (("00:00", "valley"), ("08:00", "peak"), ("22:00", "valley"))
START = local(SHANGHAI, 2024, 5, 1, 21, 50)


def a_tx(**f) -> Transaction:
    return Transaction(**{"id": 7, "charge_point_id": "CP1", "evse_id": 1, "connector_id": 1, "id_tag": "T",
                          "status": "Active", "started_at": START, "meter_start_wh": 0, **f})


@pytest.fixture
async def world():
    clock = FakeClock(START)
    repo = FakeTariffRepository(clock, {1: "Asia/Shanghai", 2: "Asia/Shanghai"})
    tariffs = TariffService(repo, clock)
    await tariffs.set_tariff(1, spec(PEAK_VALLEY, effective_from="2024-01-01T00:00:00Z",
                                     prices={"peak": (100, 80), "valley": (30, 40)}))
    stored: list[tuple] = []
    charge_points = FakeChargePointRepository(clock)
    for cp_id, station_id in (("CP1", 1), ("CP2", 2)):
        await charge_points.create(id=cp_id, station_id=station_id)

    class Readings:        # the stored register readings (TransactionReadings reads them from the database)
        async def samples(self, tx):
            return transaction_samples(tx, list(stored))
    return TransactionCosts(tariffs, charge_points, Readings()), stored


async def test_the_running_cost_grows_per_event_and_matches_the_whole_bill(world):
    costs, stored = world
    tx = a_tx()
    first = (START + timedelta(minutes=9), 9000)
    stored.append(first)                                   # the first event: rebuilt from what is stored
    b = await costs.running(tx, [first])
    assert (b.energy_wh, b.total_fen) == (9000, 1620)
    later = [(START + timedelta(minutes=20), 20_000), (START + timedelta(minutes=15), 15_000)]
    stored.extend(later)
    b = await costs.running(tx, later)                      # out of order within the event: sorted
    assert b == bill([(START, 0), first, later[1], later[0]], [(await costs.tariffs.versions(1))[0]], SHANGHAI)
    assert (b.total_fen, [l.period for l in b.lines]) == (2500, ["peak", "valley"])
    assert await costs.running(tx, [(START + timedelta(minutes=1), 500)]) == b      # older: ignored
    assert await costs.running(tx, [(START + timedelta(minutes=21), 100)]) == b     # backwards: ignored


async def test_the_final_cost_is_recomputed_from_every_stored_reading(world):
    costs, stored = world
    stored.extend([(START + timedelta(minutes=9), 9000), (START + timedelta(minutes=50), 99_999)])   # after the stop
    tx = a_tx(status="Completed", stopped_at=START + timedelta(minutes=40), meter_stop_wh=40_000)
    b = await costs.final(tx)
    assert (b.energy_wh, b.total_fen) == (40_000, (1000 + 800) + (900 + 1200))     # peak 10 kWh, valley 30 kWh
    assert [(l.period, l.energy_wh) for l in b.lines] == [("peak", 10_000), ("valley", 30_000)]


async def test_a_meter_below_its_start_costs_nothing_and_no_tariff_no_cost(world):
    costs, _ = world
    tx = a_tx(status="Completed", stopped_at=START + timedelta(minutes=40), meter_stop_wh=0, meter_start_wh=500,
              anomaly="meter_below_start")
    assert (await costs.final(tx)).total_fen == 0
    assert await costs.final(a_tx(charge_point_id="CP2", stopped_at=START + timedelta(minutes=1), meter_stop_wh=9)) is None
    assert await costs.final(a_tx(charge_point_id="CP9", stopped_at=START + timedelta(minutes=1), meter_stop_wh=9)) is None
    assert await costs.running(a_tx(charge_point_id="CP2"), [(START + timedelta(minutes=1), 9)]) is None
    assert await costs.running(a_tx(started_at=local(SHANGHAI, 2023, 1, 1)), []) is None     # before any version


def test_samples_as_settlement_builds_them():
    tx = a_tx(stopped_at=START + timedelta(minutes=30), meter_stop_wh=3000)
    readings = [(START + timedelta(minutes=20), 2000), (START + timedelta(minutes=10), 1000),
                (START + timedelta(minutes=15), 900), (START + timedelta(minutes=40), 5000)]
    assert transaction_samples(tx, readings) == [(START, 0), (START + timedelta(minutes=10), 1000),
                                                 (START + timedelta(minutes=20), 2000),
                                                 (START + timedelta(minutes=30), 3000)]
    assert transaction_samples(a_tx(), readings)[-1] == (START + timedelta(minutes=40), 5000)


def test_register_readings_from_stored_rows():
    rows = [{"timestamp": START, "measurand": "Energy.Active.Import.Register", "unit": "kWh", "value": "1.5"},
            {"timestamp": START, "measurand": "Energy.Active.Import.Register", "phase": "L1", "value": "9"},
            {"timestamp": START, "measurand": "Power.Active.Import", "value": "7000"},
            {"timestamp": START, "measurand": "Energy.Active.Import.Register", "value": "junk"}]
    assert register_readings(rows) == [(START, 1500)]
