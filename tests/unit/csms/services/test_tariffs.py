"""TariffService on the in-memory repository and a fake clock: validation with the offending field,
effective-dated versions, prices for many stations in one round trip, caching and its invalidation."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from csms.domain.tariffs import InvalidTariff, NoTariff, UnknownStation
from csms.services.tariffs import TariffService
from tests.fakes import FakeClock
from tests.fakes_tariffs import FakeTariffRepository
from tests.unit.csms.services.billing_builders import SHANGHAI, local, spec

NOW = local(SHANGHAI, 2024, 5, 1, 21, 0)
PEAK_VALLEY = (("00:00", "valley"), ("08:00", "peak"), ("22:00", "valley"))


@pytest.fixture
def clock():
    return FakeClock(NOW)


@pytest.fixture
def repo(clock):
    return FakeTariffRepository(clock, {1: "Asia/Shanghai", 2: "Europe/Berlin", 3: "Asia/Shanghai"})


@pytest.fixture
def service(repo, clock):
    return TariffService(repo, clock, cache_ttl=60)


# -- validation --------------------------------------------------------------------------------------
@pytest.mark.parametrize("change, field", [
    ({"segments": []}, "segments"),
    ({"segments": [{"start": "00:00", "end": "12:00", "period": "flat"}]}, "segments[0].end"),
    ({"segments": [{"start": "00:30", "end": "24:00", "period": "flat"}]}, "segments[0].start"),
    ({"segments": [{"start": "00:00", "end": "12:00", "period": "flat"},
                   {"start": "11:00", "end": "24:00", "period": "flat"}]}, "segments[1].start"),
    ({"segments": [{"start": "00:00", "end": "12:00", "period": "flat"},
                   {"start": "13:00", "end": "24:00", "period": "flat"}]}, "segments[1].start"),
    ({"segments": [{"start": "00:00", "end": "24:00", "period": "noon"}]}, "segments[0].period"),
    ({"segments": [{"start": "0:00", "end": "24:00", "period": "flat"}]}, "segments[0].start"),
    ({"segments": [{"start": "00:00", "end": "24:01", "period": "flat"}]}, "segments[0].end"),
    ({"segments": [{"start": "00:00", "end": "00:00", "period": "flat"}]}, "segments[0].end"),
    ({"prices": {"valley": {"energy_fen_per_kwh": 30, "service_fen_per_kwh": 40}}}, "prices.peak"),
    ({"prices": {"valley": {"energy_fen_per_kwh": -1, "service_fen_per_kwh": 40},
                 "peak": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": 1}}}, "prices.valley.energy_fen_per_kwh"),
    ({"prices": {"valley": {"energy_fen_per_kwh": 1.5, "service_fen_per_kwh": 40},
                 "peak": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": 1}}}, "prices.valley.energy_fen_per_kwh"),
    ({"prices": {"valley": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": True},
                 "peak": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": 1}}}, "prices.valley.service_fen_per_kwh"),
    ({"prices": {"noon": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": 1}}}, "prices.noon"),
    ({"idle_fee_fen_per_min": -5}, "idle_fee_fen_per_min"),
    ({"idle_grace_minutes": 2000}, "idle_grace_minutes"),
    ({"effective_from": "yesterday"}, "effective_from"),
    ({"effective_from": "2024-05-01T12:00:00"}, "effective_from"),       # no offset: ambiguous
    ({"colour": "red"}, "colour"),
])
async def test_an_invalid_tariff_is_refused_naming_the_field(service, change, field):
    with pytest.raises(InvalidTariff) as exc:
        await service.set_tariff(1, {**spec(PEAK_VALLEY), **change})
    assert exc.value.field == field
    assert await service.versions(1) == []


async def test_unknown_station(service):
    with pytest.raises(UnknownStation):
        await service.set_tariff(99, spec())
    with pytest.raises(UnknownStation):
        await service.versions(99)
    with pytest.raises(NoTariff):            # UnknownStation is a NoTariff
        await service.bill(99, [(NOW, 0)])
    assert await service.price_at(99, NOW) is None
    assert await service.version_at(99, NOW) is None


# -- versions ----------------------------------------------------------------------------------------
async def test_a_version_defaults_to_now_and_keeps_what_was_written(service):
    v = await service.set_tariff(1, spec(PEAK_VALLEY, idle_fee_fen_per_min=50))
    assert (v.id, v.station_id, v.effective_from, v.created_at) == (1, 1, NOW, NOW)
    assert [(s.start, s.end, s.period) for s in v.segments] == [("00:00", "08:00", "valley"), ("08:00", "22:00", "peak"),
                                                               ("22:00", "24:00", "valley")]
    assert v.prices["peak"].energy_fen_per_kwh == 100 and v.idle_fee_fen_per_min == 50 and v.idle_grace_minutes == 15


async def test_versions_are_listed_newest_first_and_apply_from_their_effective_time(service, clock):
    await service.set_tariff(1, spec(PEAK_VALLEY))
    later = NOW + timedelta(hours=2)
    earlier = NOW - timedelta(days=3)      # in the past, before an existing version: fine
    await service.set_tariff(1, spec(PEAK_VALLEY, prices={"peak": (200, 80), "valley": (50, 40)},
                                     effective_from=later.isoformat()))
    await service.set_tariff(1, spec(PEAK_VALLEY, prices={"peak": (90, 80), "valley": (20, 40)},
                                     effective_from=earlier.isoformat()))
    assert [v.effective_from for v in await service.versions(1)] == [later, NOW, earlier]
    assert (await service.version_at(1, NOW - timedelta(days=1))).prices["peak"].energy_fen_per_kwh == 90
    assert (await service.version_at(1, NOW)).prices["peak"].energy_fen_per_kwh == 100
    assert (await service.version_at(1, later)).prices["peak"].energy_fen_per_kwh == 200
    assert await service.version_at(1, earlier - timedelta(seconds=1)) is None


async def test_two_versions_from_the_same_time_are_refused(service):
    await service.set_tariff(1, spec(PEAK_VALLEY, effective_from="2024-06-01T00:00:00+08:00"))
    with pytest.raises(InvalidTariff) as exc:
        await service.set_tariff(1, spec(effective_from="2024-05-31T16:00:00Z"))
    assert exc.value.field == "effective_from"


# -- prices ------------------------------------------------------------------------------------------
async def test_price_now_and_the_day_schedule_in_the_station_time_zone(service):
    await service.set_tariff(1, spec(PEAK_VALLEY, effective_from="2024-01-01T00:00:00Z"))
    await service.set_tariff(2, spec(PEAK_VALLEY))        # Berlin: 21:00 Shanghai is 15:00 there
    p1, p2 = await service.price_at(1, NOW), await service.price_at(2, NOW)
    assert (p1.period, p1.total_fen_per_kwh, p1.until) == ("peak", 180, local(SHANGHAI, 2024, 5, 1, 22))
    assert (p2.period, p2.until) == ("peak", local(ZoneInfo("Europe/Berlin"), 2024, 5, 1, 22))
    rows = await service.day_schedule(1, date(2024, 5, 1))
    assert [(e.start, e.end, e.period, e.total_fen_per_kwh) for e in rows] == [
        ("00:00", "08:00", "valley", 70), ("08:00", "22:00", "peak", 180), ("22:00", "24:00", "valley", 70)]
    assert await service.day_schedule(3, date(2024, 5, 1)) == []


async def test_prices_of_many_stations_take_one_round_trip_then_none(service, repo):
    for sid in (1, 2):
        await service.set_tariff(sid, spec(PEAK_VALLEY))
    repo.loads.clear()
    prices = await service.prices_at([1, 2, 3, 99], NOW)
    assert set(prices) == {1, 2}                       # 3 has no tariff, 99 does not exist
    assert repo.loads == [[1, 2, 3, 99]]
    again = await service.prices_at([1, 2, 3, 99], NOW + timedelta(minutes=1))
    assert again == prices and len(repo.loads) == 1


async def test_a_cached_price_is_recomputed_once_its_period_ends(service):
    await service.set_tariff(1, spec(PEAK_VALLEY))
    assert (await service.price_at(1, NOW)).period == "peak"
    assert (await service.price_at(1, local(SHANGHAI, 2024, 5, 1, 22))).period == "valley"
    assert (await service.price_at(1, NOW)).period == "peak"      # an earlier time is not served from the cache


async def test_a_new_version_is_seen_at_once_here_and_after_the_ttl_elsewhere(service, repo, clock):
    await service.set_tariff(1, spec(PEAK_VALLEY))
    other_node = TariffService(repo, clock, cache_ttl=60)
    assert (await other_node.price_at(1, NOW)).energy_fen_per_kwh == 100
    await service.set_tariff(1, spec(PEAK_VALLEY, prices={"peak": (150, 80), "valley": (30, 40)},
                                     effective_from=(NOW + timedelta(seconds=30)).isoformat()))
    clock.advance(30)
    assert (await service.price_at(1, clock.now())).energy_fen_per_kwh == 150
    assert (await other_node.price_at(1, clock.now())).energy_fen_per_kwh == 100      # cached
    clock.advance(31)
    assert (await other_node.price_at(1, clock.now())).energy_fen_per_kwh == 150


# -- bills -------------------------------------------------------------------------------------------
async def test_bill_puts_samples_in_order_and_uses_the_station_zone(service):
    await service.set_tariff(1, spec(PEAK_VALLEY, effective_from="2024-01-01T00:00:00Z",
                                     prices={"peak": (100, 80), "valley": (30, 40)}))
    start, stop = local(SHANGHAI, 2024, 5, 1, 21, 59), local(SHANGHAI, 2024, 5, 1, 22, 30)
    b = await service.bill(1, [(stop, 31_000), (start, 0)])
    assert [(l.period, l.energy_wh) for l in b.lines] == [("peak", 1000), ("valley", 30_000)]
    assert b.total_fen == 2280


async def test_bill_without_a_tariff_refuses(service):
    with pytest.raises(NoTariff):
        await service.bill(3, [(NOW, 0), (NOW + timedelta(hours=1), 1000)])


async def test_idle_fee_under_the_version_in_force_at_the_stop(service):
    await service.set_tariff(1, spec(PEAK_VALLEY, idle_fee_fen_per_min=100, idle_grace_minutes=10))
    assert await service.idle_fee(1, NOW, NOW + timedelta(minutes=12, seconds=30)) == 300
    assert await service.idle_fee(3, NOW, NOW + timedelta(hours=1)) == 0
    assert await service.idle_fee(1, NOW - timedelta(days=1), NOW) == 0       # no version then
