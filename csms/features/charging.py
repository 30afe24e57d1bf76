"""Feature: scan to charge: a driver's session from the start request to the transaction's end
(csms/services/charging_start.py, charging_stop.py, charging_progress.py), its funds and idle-fee
watches, and drivers' reservations."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.features.payments import Payments
from csms.services.availability import Availability
from csms.services.background import Background
from csms.services.charging_progress import ChargingProgress
from csms.services.charging_start import (
    ChargingStart,
    DriverConfig,
    SessionTags,
    StartChecks,
)
from csms.services.charging_stop import ChargingStop
from csms.services.clock import Clock
from csms.services.commands import CommandService, Gateway
from csms.services.driver_reservations import DriverReservationService, ReservationTerms
from csms.services.funds_watch import FundsWatch
from csms.services.idle_fees import IdleFees
from csms.services.remote_control import RemoteControl
from csms.services.reservations import ReservationService
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionReadings
from csms.settings import Settings


@dataclass(frozen=True)
class Charging:
    availability: Availability
    start: ChargingStart
    stop: ChargingStop
    progress: ChargingProgress
    funds: FundsWatch
    idle_fees: IdleFees
    reservations: DriverReservationService


def driver_config(settings: Settings) -> DriverConfig:
    d = settings.driver
    return DriverConfig(d.start_timeout, d.min_wallet_fen, d.min_prepay_fen, d.max_prepay_fen, d.funds_margin_fen)


def build(repos: Repositories, settings: Settings, *, gateway: Gateway, commands: CommandService,
          reservations: ReservationService, tariffs: TariffService, readings: TransactionReadings,
          payments: Payments, background: Background, clock: Clock, redis=None) -> Charging:
    config = driver_config(settings)
    availability = Availability(charge_point_repo=repos.charge_points, connector_repo=repos.connectors,
                                reservation_repo=repos.reservations, driver_reservation_repo=repos.driver_reservations,
                                transaction_repo=repos.transactions, order_repo=repos.orders, gateway=gateway)
    tags = SessionTags(repos.id_tags)
    remote = RemoteControl(commands, background)
    updates = payments.updates
    funds = FundsWatch(repos.orders, repos.transactions, repos.users, readings, tariffs, clock,
                       config.funds_margin_fen)
    checks = StartChecks(repos.orders, repos.charge_points, availability, tariffs, repos.users, clock, config,
                         locks=_shared_locks(redis))
    start = ChargingStart(repos.orders, checks, tags, payments.payments, remote, updates, clock, config)
    stop = ChargingStop(repos.orders, funds, start, remote, updates, clock)
    idle_fees = IdleFees(repos.orders, payments.settlement)
    progress = ChargingProgress(repos.orders, repos.transactions, funds, idle_fees, payments.settlement, stop, tags,
                                updates)
    d = settings.driver
    driver_reservations = DriverReservationService(
        reservations, repos.driver_reservations, availability, repos.id_tags, repos.users, repos.wallet, clock,
        ReservationTerms(d.reservation_hold_minutes, d.reservation_fee_fen))
    return Charging(availability=availability, start=start, stop=stop, progress=progress, funds=funds,
                    idle_fees=idle_fees, reservations=driver_reservations)


def _shared_locks(redis):
    """The start lock across nodes on Redis; None: this process's own (redis is not imported then)."""
    if redis is None:
        return None
    from csms.cluster.locks import RedisKeyedLocks
    return RedisKeyedLocks(redis)
