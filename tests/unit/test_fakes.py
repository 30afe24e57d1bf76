"""The in-memory fakes must keep the shape of the Protocols they stand in for, or service tests
would pass against an interface production code does not have; so must the SQL implementations.
Every Protocol in csms/domain/ is found by walking the package, and its fake and implementation by
name (FakeX in tests/fakes*.py, SqlX in csms/db/repositories*.py); what they do is checked by
tests/contract/ and the repository tests of tests/unit/."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import csms.db
import csms.domain
import csms.services
import tests
from csms.bus.events import InProcessBus
from csms.db import batch
from csms.db import repositories_smart_charging as smart_charging_sql
from csms.cluster.live_status import RedisLiveStatus
from csms.domain import clock, live_status, profile
from csms.domain import repositories as r
from csms.domain import repositories_drivers as drivers
from csms.services import chargers, firmware, smart_charging
from csms.services.clock import SystemClock
from tests import fakes, fakes_smart_charging, fakes_station_map


def modules(package, prefix: str = "") -> list:
    return [importlib.import_module(f"{package.__name__}.{m.name}")
            for m in pkgutil.iter_modules(package.__path__) if m.name.startswith(prefix)]


def defined_in(module, keep) -> list:
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module.__name__
            and keep(cls)]


def protocols(package, keep=bool) -> list:
    return [p for m in modules(package) for p in defined_in(m, lambda c: getattr(c, "_is_protocol", False) and keep(c))]


FAKES = {cls.__name__: cls for m in modules(tests, "fakes") for cls in defined_in(m, bool)}
SQL = {cls.__name__: cls for m in modules(csms.db, "repositories") for cls in defined_in(m, bool)}
# the few whose names do not follow FakeX / SqlX
NAMED_OTHERWISE = {
    clock.Clock: (fakes.FakeClock, SystemClock),
    r.BatchSink: (fakes.FakeBatch, batch.BatchWriter),
    chargers.Presence: (fakes.FakePresence, None),
    live_status.LiveStatusStore: (fakes_station_map.FakeLiveStatusStore, RedisLiveStatus),
    smart_charging.ProfileRepository: (fakes_smart_charging.FakeChargingProfileRepository,
                                       smart_charging_sql.SqlChargingProfileRepository),
    smart_charging.ReportRepository: (fakes_smart_charging.FakeChargingReportRepository,
                                      smart_charging_sql.SqlChargingReportRepository),
    firmware.JobRepository: (fakes_smart_charging.FakeJobRepository, smart_charging_sql.SqlFirmwareJobRepository),
}


def counterparts(protocol) -> tuple:
    """(in-memory fake, production implementation): FakeX in tests/fakes*.py, SqlX in csms/db/repositories*.py."""
    if protocol in NAMED_OTHERWISE:
        return NAMED_OTHERWISE[protocol]
    return FAKES.get(f"Fake{protocol.__name__}"), SQL.get(f"Sql{protocol.__name__}")


DOMAIN = [(p, *counterparts(p)) for p in protocols(csms.domain)]
# repository interfaces a service declares next to itself (csms/services/*.py), and the presence
SERVICES = [(p, *counterparts(p)) for p in protocols(csms.services, lambda c: c.__name__.endswith("Repository"))]
PAIRS = DOMAIN + SERVICES + [(chargers.Presence, *counterparts(chargers.Presence))]


def shape(fn) -> list[tuple]:
    """Parameter names and kinds; the name of a ``**kwargs`` does not matter to callers."""
    return [(p.kind, None if p.kind == p.VAR_KEYWORD else p.name) for p in inspect.signature(fn).parameters.values()]


def protocol_methods(protocol) -> dict:
    return {name: fn for name, fn in vars(protocol).items() if inspect.isfunction(fn) and not name.startswith("_")}


def test_every_protocol_of_the_domain_has_a_fake_and_an_implementation():
    assert {r.StationRepository, drivers.OrderRepository, profile.StationMapRepository, clock.Clock} <= {
        p for p, _, _ in DOMAIN}
    assert [p.__name__ for p, fake, impl in DOMAIN if fake is None or impl is None] == []


def test_every_repository_a_service_declares_has_a_fake_and_an_implementation():
    assert {firmware.JobRepository, smart_charging.ProfileRepository} <= {p for p, _, _ in SERVICES}
    assert [p.__name__ for p, fake, impl in SERVICES if fake is None or impl is None] == []


def assert_same_methods(protocol, cls):
    for name, fn in protocol_methods(protocol).items():
        mine = getattr(cls, name, None)
        assert mine is not None, f"{cls.__name__} lacks {name}"
        assert shape(mine) == shape(fn), f"{cls.__name__}.{name}"
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(fn), f"{cls.__name__}.{name}"


@pytest.mark.parametrize("protocol,fake", [(p, f) for p, f, _ in PAIRS], ids=lambda x: x.__name__)
def test_a_fake_has_every_method_of_its_protocol_with_the_same_parameters(protocol, fake):
    assert_same_methods(protocol, fake)


@pytest.mark.parametrize("protocol,implementation", [(p, i) for p, _, i in PAIRS if i is not None],
                         ids=lambda x: x.__name__)
def test_the_implementation_has_every_method_of_its_protocol_with_the_same_parameters(protocol, implementation):
    assert_same_methods(protocol, implementation)


def test_the_recording_bus_has_the_in_process_bus_interface():
    for name in ("publish", "deliver", "subscribe", "pending", "drain"):
        assert shape(getattr(fakes.RecordingBus, name)) == shape(getattr(InProcessBus, name))


async def test_the_recording_bus_delivers_to_subscribers_and_records():
    bus, got = fakes.RecordingBus(), []

    async def later(event):
        got.append(("async", event))

    unsubscribe = bus.subscribe(int, got.append)
    bus.subscribe(None, later)
    bus.publish(1)
    unsubscribe()
    bus.publish(2)
    await bus.drain()

    assert bus.events == [1, 2]
    assert got == [1, ("async", 1), ("async", 2)]


def test_the_fake_clock_moves_only_when_told():
    clock = fakes.FakeClock()
    start = clock.now()

    assert clock.now() == start
    assert clock.advance(90) - start == start.resolution * 90_000_000
    with pytest.raises(ValueError):
        clock.set(start.replace(tzinfo=None))
