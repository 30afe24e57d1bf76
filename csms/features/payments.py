"""Feature: the driver's money: WeChat Pay v3 payments (top-ups, prepayments, refunds, notifications,
active queries, the daily reconciliation), what the driver is told (live push, subscribe messages),
and settlement (the bill of a finished session, the money moved once, idle fees, operator refunds)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.clock import Clock
from csms.services.driver_updates import DriverUpdates
from csms.services.notices import NoticeService
from csms.services.order_views import OrderViews
from csms.services.payments import PaymentService
from csms.services.settlement import SettlementService
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionReadings
from csms.settings import Settings


@dataclass(frozen=True)
class Payments:
    payments: PaymentService
    notices: NoticeService
    updates: DriverUpdates
    settlement: SettlementService
    order_views: OrderViews


def build(repos: Repositories, settings: Settings, *, pay, mini, tariffs: TariffService,
          readings: TransactionReadings, bus, clock: Clock) -> Payments:
    w = settings.wechat
    payments = PaymentService(repos.payments, repos.refunds, repos.notifications, repos.wallet, repos.users, pay,
                              bus, clock)
    notices = NoticeService(repos.users, repos.subscriptions, repos.stations, mini,
                            bill_template_id=w.bill_template_id, complete_template_id=w.complete_template_id,
                            review_template_id=w.review_template_id, feedback_template_id=w.feedback_template_id)
    updates = DriverUpdates(repos.orders, repos.users, payments, notices, bus, clock)
    settlement = SettlementService(repos.orders, repos.transactions, readings, tariffs, repos.wallet, payments,
                                   updates, clock)
    return Payments(payments=payments, notices=notices, updates=updates, settlement=settlement,
                    order_views=OrderViews(repos.orders, repos.ratings, repos.stations))
