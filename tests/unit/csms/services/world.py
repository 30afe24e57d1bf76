"""Driver charging and settlement on in-memory repositories (tests/fakes*.py: orders, users, wallet,
payments, charge points, transactions, tariffs; tests/contract/ holds them to the SQL ones' rules),
a settable clock and a charge point that answers commands as scripted. Tests drive the services
with the neutral events the OCPP adapters publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from csms.domain import events
from csms.domain.driver_events import OrderOpened, PaymentClosed, PaymentSucceeded, RefundSucceeded
from csms.domain.errors import NotConnected
from csms.domain.models import ChargePoint, Station, Transaction
from csms.domain.tariffs import PeriodPrice, Segment, TariffVersion
from csms.services.availability import Availability
from csms.services.background import Background
from csms.services.charging_progress import ChargingProgress
from csms.services.charging_start import ChargingStart, DriverConfig, SessionTags, StartChecks
from csms.services.charging_stop import ChargingStop
from csms.services.driver_updates import DriverUpdates
from csms.services.funds_watch import FundsWatch
from csms.services.idle_fees import IdleFees
from csms.services.notices import NoticeService
from csms.services.payments import PaymentService
from csms.services.remote_control import RemoteControl
from csms.services.settlement import SettlementService
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionReadings
from tests.fakes import (
    FakeBatch,
    FakeChargePointRepository,
    FakeClock,
    FakeConnectorRepository,
    FakeIdTagRepository,
    FakeMeterValueRepository,
    FakeStationRepository,
    FakeTransactionRepository,
    RecordingBus,
)
from tests.fakes_drivers import (
    FakeDriverReservationRepository,
    FakeNotificationLog,
    FakeOrderRepository,
    FakePaymentRepository,
    FakeRefundRepository,
    FakeSubscriptionRepository,
    FakeUserRepository,
    FakeWalletRepository,
)
from tests.fakes_reservations import FakeReservationRepository
from tests.fakes_tariffs import FakeTariffRepository

CP = "CP-1"
STATION = 7
PRICE = PeriodPrice(100, 50)          # 150 fen per kWh all day


class ScriptedCharger:
    """CommandService.send for one charge point: records commands, answers from ``answers``
    (action name -> dict or exception); Accepted by default."""

    def __init__(self):
        self.sent: list = []
        self.answers: dict[str, object] = {}
        self.online = True

    async def send(self, cp_id: str, command) -> dict:
        self.sent.append(command)
        if not self.online:
            raise NotConnected(cp_id)
        answer = self.answers.get(type(command).__name__, {"status": "Accepted"})
        if isinstance(answer, Exception):
            raise answer
        return answer

    def of(self, kind) -> list:
        return [x for x in self.sent if isinstance(x, kind)]


class Gateway:
    def __init__(self, charger: ScriptedCharger):
        self.charger = charger

    def protocol_of(self, cp_id: str) -> str | None:
        return "ocpp1.6" if self.charger.online else None


class RecordingMini:
    def __init__(self):
        self.sent: list[tuple[str, str, dict, str]] = []

    async def send_subscribe(self, openid: str, template_id: str, data: dict, page: str) -> dict:
        self.sent.append((openid, template_id, data, page))
        return {"errcode": 0}


@dataclass
class World:
    clock: FakeClock
    start: ChargingStart
    stop: ChargingStop
    progress: ChargingProgress
    idle_fees: IdleFees
    background: Background
    settlement: SettlementService
    orders: FakeOrderRepository
    users: FakeUserRepository
    wallet: FakeWalletRepository
    subscriptions: FakeSubscriptionRepository
    transactions: FakeTransactionRepository
    connectors: FakeConnectorRepository
    id_tags: FakeIdTagRepository
    tariff_repo: FakeTariffRepository
    charger: ScriptedCharger
    mini: RecordingMini
    bus: RecordingBus
    _next_user: list = field(default_factory=lambda: [0])

    async def a_driver(self, balance_fen: int = 0) -> int:
        self._next_user[0] += 1
        user, _ = await self.users.upsert_by_openid(f"openid-{self._next_user[0]}", nickname="driver")
        if balance_fen:
            await self.wallet.move(user.id, "topup", balance_fen, f"test:topup:{user.id}")
        return user.id

    async def a_charging_session(self, user_id: int, connector_id: int = 1, **start) -> tuple[int, Transaction]:
        """A wallet session whose transaction has started (meter at 0 Wh)."""
        order, _ = await self.start.start(user_id, CP, connector_id, pay_mode="wallet", **start)
        await self.background.drain()
        tx = await self.start_transaction(order.id_tag, connector_id)
        return order.id, tx

    async def start_transaction(self, id_tag: str, connector_id: int = 1) -> Transaction:
        tx, _ = await self.transactions.start(charge_point_id=CP, evse_id=connector_id, connector_id=connector_id,
                                              id_tag=id_tag, started_at=self.clock.now(), meter_start_wh=0,
                                              ocpp_tx_id=None, reservation_id=None)
        await self.progress.on_transaction_started(events.TransactionStarted(
            tx.id, CP, connector_id, id_tag, 0, tx.started_at))
        return tx

    async def meter(self, tx: Transaction, wh: int, power_w: int = 7000) -> None:
        await self.progress.on_transaction_updated(events.TransactionUpdated(
            tx.id, CP, tx.connector_id, wh, power_w, None, self.clock.now()))

    async def stop_transaction(self, tx: Transaction, meter_stop_wh: int, reason: str | None = "Remote") -> None:
        stopped = await self.transactions.transition(
            tx.id, "Active", status="Completed", stopped_at=self.clock.now(), meter_stop_wh=meter_stop_wh,
            energy_wh=meter_stop_wh - tx.meter_start_wh, stop_reason=reason)
        at = stopped.stopped_at if stopped else self.clock.now()
        await self.progress.on_transaction_stopped(events.TransactionStopped(
            tx.id, CP, tx.connector_id, meter_stop_wh - tx.meter_start_wh, reason, None, at))

    async def unplug(self, connector_id: int = 1, at: datetime | None = None) -> None:
        await self.idle_fees.on_connector_status(events.ConnectorStatusChanged(
            CP, connector_id, connector_id, "Available", "Finishing", "NoError", at or self.clock.now()))

    async def set_tariff(self, **fields) -> None:
        await self.tariff_repo.add(TariffVersion(STATION, self.clock.now() - timedelta(days=30),
                                                 (Segment(0, 1440, "flat"),), {"flat": PRICE}, **fields))

    async def refs(self, user_id: int) -> list[str]:
        return [e.ref for e in (await self.wallet.entries(user_id, limit=100)).items]


@pytest.fixture
async def world() -> World:
    clock = FakeClock()
    orders, users = FakeOrderRepository(clock), FakeUserRepository(clock)
    wallet, subscriptions = FakeWalletRepository(users, clock), FakeSubscriptionRepository(clock)
    transactions, meter_values = FakeTransactionRepository(clock), FakeMeterValueRepository()
    charge_points, connectors = FakeChargePointRepository(clock), FakeConnectorRepository()
    id_tags = FakeIdTagRepository()
    batch = FakeBatch(transactions=transactions, meter_values=meter_values)
    stations = FakeStationRepository(clock)
    stations.rows[STATION] = Station(id=STATION, name="Riverside", created_at=clock.now())
    charge_points.rows[CP] = ChargePoint(CP, station_id=STATION, protocol="ocpp1.6", online=True)
    for n in (1, 2):
        await connectors.set_status(CP, n, n, status="Available", error_code="NoError", info=None,
                                    vendor_error_code=None, at=clock.now() - timedelta(hours=1))
    tariff_repo = FakeTariffRepository(clock, {STATION: "Asia/Shanghai"})
    tariffs = TariffService(tariff_repo, clock, cache_ttl=0)
    charger, mini, bus = ScriptedCharger(), RecordingMini(), RecordingBus()
    payments = PaymentService(FakePaymentRepository(clock), FakeRefundRepository(clock), FakeNotificationLog(clock),
                              wallet, users, None, bus, clock)
    notices = NoticeService(users, subscriptions, stations, mini, bill_template_id="BILL",
                            complete_template_id="DONE")
    updates = DriverUpdates(orders, users, payments, notices, bus, clock)
    readings = TransactionReadings(meter_values, batch)
    settlement = SettlementService(orders, transactions, readings, tariffs, wallet, payments, updates, clock)
    # the same parts as csms/features/charging.py, on the fakes
    config = DriverConfig(start_timeout=60, min_wallet_fen=500, funds_margin_fen=50)
    availability = Availability(charge_point_repo=charge_points, connector_repo=connectors,
                                reservation_repo=FakeReservationRepository(clock),
                                driver_reservation_repo=FakeDriverReservationRepository(clock),
                                transaction_repo=transactions, order_repo=orders, gateway=Gateway(charger))
    tags, background = SessionTags(id_tags), Background()
    remote = RemoteControl(charger, background)
    funds = FundsWatch(orders, transactions, users, readings, tariffs, clock, config.funds_margin_fen)
    start = ChargingStart(orders, StartChecks(orders, charge_points, availability, tariffs, users, clock, config),
                          tags, payments, remote, updates, clock, config)
    stop = ChargingStop(orders, funds, start, remote, updates, clock)
    idle_fees = IdleFees(orders, settlement)
    progress = ChargingProgress(orders, transactions, funds, idle_fees, settlement, stop, tags, updates)
    for event_type, subscriber in ((PaymentSucceeded, start.on_paid), (PaymentClosed, start.on_payment_closed),
                                   (RefundSucceeded, settlement.on_refunded),
                                   (OrderOpened, progress.on_order_opened)):      # csms/subscriptions.py
        bus.subscribe(event_type, subscriber)
    w = World(clock, start, stop, progress, idle_fees, background, settlement, orders, users, wallet, subscriptions,
              transactions, connectors, id_tags, tariff_repo, charger, mini, bus)
    await w.set_tariff(idle_fee_fen_per_min=20, idle_grace_minutes=10)
    return w


