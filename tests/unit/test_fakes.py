"""The in-memory fakes must keep the shape of the Protocols they stand in for, or service tests
would pass against an interface production code does not have."""

from __future__ import annotations

import inspect

import pytest

from csms.bus.events import InProcessBus
from csms.domain import repositories as r
from csms.services.chargers import Presence
from tests import fakes

PAIRS = [
    (r.StationRepository, fakes.FakeStationRepository),
    (r.ChargePointRepository, fakes.FakeChargePointRepository),
    (r.ConnectorRepository, fakes.FakeConnectorRepository),
    (r.IdTagRepository, fakes.FakeIdTagRepository),
    (r.TransactionRepository, fakes.FakeTransactionRepository),
    (r.MeterValueRepository, fakes.FakeMeterValueRepository),
    (r.MessageLogRepository, fakes.FakeMessageLogRepository),
    (r.OperatorRepository, fakes.FakeOperatorRepository),
    (r.BatchSink, fakes.FakeBatch),
    (Presence, fakes.FakePresence),
]


def shape(fn) -> list[tuple]:
    """Parameter names and kinds; the name of a ``**kwargs`` does not matter to callers."""
    return [(p.kind, None if p.kind == p.VAR_KEYWORD else p.name) for p in inspect.signature(fn).parameters.values()]


def protocol_methods(protocol) -> dict:
    return {name: fn for name, fn in vars(protocol).items() if inspect.isfunction(fn) and not name.startswith("_")}


def test_every_repository_protocol_has_a_fake():
    protocols = {cls for _, cls in inspect.getmembers(r, inspect.isclass)
                 if getattr(cls, "_is_protocol", False) and cls.__module__ == r.__name__}
    assert protocols == {p for p, _ in PAIRS if p.__module__ == r.__name__}


@pytest.mark.parametrize("protocol,fake", PAIRS, ids=lambda x: x.__name__)
def test_a_fake_has_every_method_of_its_protocol_with_the_same_parameters(protocol, fake):
    for name, fn in protocol_methods(protocol).items():
        mine = getattr(fake, name, None)
        assert mine is not None, f"{fake.__name__} lacks {name}"
        assert shape(mine) == shape(fn), name
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(fn), name


def test_the_recording_bus_has_the_in_process_bus_interface():
    for name in ("publish", "subscribe", "drain"):
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
