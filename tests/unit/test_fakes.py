"""The in-memory fakes must keep the shape of the Protocols they stand in for, or service tests
would pass against an interface production code does not have."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import csms.domain
from csms.bus.events import InProcessBus
from csms.db import batch, repositories_driver_reservations, repositories_drivers, repositories_profile
from csms.db import repositories as sql
from csms.db import repositories_requests, repositories_reservations, repositories_security
from csms.db import repositories_smart_charging, repositories_station_map, repositories_tariffs
from csms.domain import clock, profile, repositories_drivers as drivers, reservations, tariffs
from csms.domain import repositories as r
from csms.services import chargers, firmware, provisioning, requests, security, security_certificates
from csms.services import smart_charging, smart_charging_display
from csms.services.clock import SystemClock
from tests import fakes, fakes_drivers, fakes_profile, fakes_requests, fakes_reservations, fakes_security
from tests import fakes_smart_charging, fakes_station_map, fakes_tariffs

# (interface, in-memory fake, production implementation) for every Protocol in csms.domain
DOMAIN = [
    (clock.Clock, fakes.FakeClock, SystemClock),
    (r.StationRepository, fakes.FakeStationRepository, sql.SqlStationRepository),
    (r.ChargePointRepository, fakes.FakeChargePointRepository, sql.SqlChargePointRepository),
    (r.ConnectorRepository, fakes.FakeConnectorRepository, sql.SqlConnectorRepository),
    (r.IdTagRepository, fakes.FakeIdTagRepository, sql.SqlIdTagRepository),
    (r.TransactionRepository, fakes.FakeTransactionRepository, sql.SqlTransactionRepository),
    (r.MeterValueRepository, fakes.FakeMeterValueRepository, sql.SqlMeterValueRepository),
    (r.MessageLogRepository, fakes.FakeMessageLogRepository, sql.SqlMessageLogRepository),
    (r.OperatorRepository, fakes.FakeOperatorRepository, sql.SqlOperatorRepository),
    (r.BatchSink, fakes.FakeBatch, batch.BatchWriter),
    (drivers.UserRepository, fakes_drivers.FakeUserRepository, repositories_drivers.SqlUserRepository),
    (drivers.RefreshTokenRepository, fakes_drivers.FakeRefreshTokenRepository,
     repositories_drivers.SqlRefreshTokenRepository),
    (drivers.OrderRepository, fakes_drivers.FakeOrderRepository, repositories_drivers.SqlOrderRepository),
    (drivers.WalletRepository, fakes_drivers.FakeWalletRepository, repositories_drivers.SqlWalletRepository),
    (drivers.PaymentRepository, fakes_drivers.FakePaymentRepository, repositories_drivers.SqlPaymentRepository),
    (drivers.RefundRepository, fakes_drivers.FakeRefundRepository, repositories_drivers.SqlRefundRepository),
    (drivers.NotificationLog, fakes_drivers.FakeNotificationLog, repositories_drivers.SqlNotificationLog),
    (drivers.SubscriptionRepository, fakes_drivers.FakeSubscriptionRepository,
     repositories_drivers.SqlSubscriptionRepository),
    (drivers.DriverReservationRepository, fakes_drivers.FakeDriverReservationRepository,
     repositories_driver_reservations.SqlDriverReservationRepository),
    (profile.VehicleRepository, fakes_profile.FakeVehicleRepository, repositories_profile.SqlVehicleRepository),
    (profile.FavouriteRepository, fakes_profile.FakeFavouriteRepository, repositories_profile.SqlFavouriteRepository),
    (profile.FeedbackRepository, fakes_profile.FakeFeedbackRepository, repositories_profile.SqlFeedbackRepository),
    (profile.RatingRepository, fakes_profile.FakeRatingRepository, repositories_profile.SqlRatingRepository),
    (profile.StationMapRepository, fakes_station_map.FakeStationMapRepository,
     repositories_station_map.SqlStationMapRepository),
    (reservations.ReservationRepository, fakes_reservations.FakeReservationRepository,
     repositories_reservations.SqlReservationRepository),
    (reservations.LocalListRepository, fakes_reservations.FakeLocalListRepository,
     repositories_reservations.SqlLocalListRepository),
    (tariffs.TariffRepository, fakes_tariffs.FakeTariffRepository, repositories_tariffs.SqlTariffRepository),
]

# repository interfaces a service declares next to itself (csms/services/*.py), with theirs
SERVICES = [
    (chargers.Presence, fakes.FakePresence, None),
    (security.SecurityEventRepository, fakes_security.FakeSecurityEventRepository,
     repositories_security.SqlSecurityEventRepository),
    (security.AlarmRepository, fakes_security.FakeAlarmRepository, repositories_security.SqlAlarmRepository),
    (security_certificates.CertificateRepository, fakes_security.FakeCertificateRepository,
     repositories_security.SqlCertificateRepository),
    (provisioning.DeviceModelRepository, fakes_security.FakeDeviceModelRepository,
     repositories_security.SqlDeviceModelRepository),
    (requests.ReportRequestRepository, fakes_requests.FakeReportRequestRepository,
     repositories_requests.SqlReportRequestRepository),
    (smart_charging.ProfileRepository, fakes_smart_charging.FakeChargingProfileRepository,
     repositories_smart_charging.SqlChargingProfileRepository),
    (smart_charging.ReportRepository, fakes_smart_charging.FakeChargingReportRepository,
     repositories_smart_charging.SqlChargingReportRepository),
    (smart_charging_display.DisplayMessageRepository, fakes_smart_charging.FakeDisplayMessageRepository,
     repositories_smart_charging.SqlDisplayMessageRepository),
    (firmware.JobRepository, fakes_smart_charging.FakeJobRepository,
     repositories_smart_charging.SqlFirmwareJobRepository),
]
PAIRS = DOMAIN + SERVICES


def shape(fn) -> list[tuple]:
    """Parameter names and kinds; the name of a ``**kwargs`` does not matter to callers."""
    return [(p.kind, None if p.kind == p.VAR_KEYWORD else p.name) for p in inspect.signature(fn).parameters.values()]


def protocol_methods(protocol) -> dict:
    return {name: fn for name, fn in vars(protocol).items() if inspect.isfunction(fn) and not name.startswith("_")}


def domain_protocols() -> set:
    found = set()
    for info in pkgutil.iter_modules(csms.domain.__path__):
        module = importlib.import_module(f"csms.domain.{info.name}")
        found |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if getattr(cls, "_is_protocol", False) and cls.__module__ == module.__name__}
    return found


def test_every_protocol_of_the_domain_has_a_fake_and_an_implementation():
    assert domain_protocols() == {p for p, _, _ in DOMAIN}


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
