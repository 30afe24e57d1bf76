"""Feature: the operations back office: the audit log of operator actions, the review of abnormal
orders (checked at settlement and by a sweep), drivers' accounts (search, block, answers to feedback)
and the daily statistics roll-ups with the history they are computed from."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.domain.anomalies import Limits
from csms.domain.repositories import BatchSink
from csms.features.accounts import Accounts
from csms.features.driver_profile import DriverProfile
from csms.features.payments import Payments
from csms.services.audit import AuditLog
from csms.services.clock import Clock
from csms.services.order_review import OrderChecks, OrderReviewService
from csms.services.stats import Statistics, StatusHistory
from csms.services.transaction_costs import TransactionReadings
from csms.services.user_accounts import UserAccounts
from csms.settings import Settings


@dataclass(frozen=True)
class Backoffice:
    audit: AuditLog
    reviews: OrderReviewService
    accounts: UserAccounts
    stats: Statistics
    history: StatusHistory


def limits(settings: Settings) -> Limits:
    a = settings.anomalies
    return Limits(zero_energy_minutes=a.zero_energy_minutes, power_tolerance=a.power_tolerance,
                  stuck_hours=a.stuck_hours, paid_start_minutes=a.paid_start_minutes)


def build(repos: Repositories, settings: Settings, *, batch: BatchSink, readings: TransactionReadings,
          payments: Payments, accounts: Accounts, profile: DriverProfile, clock: Clock) -> Backoffice:
    checks = OrderChecks(repos.transactions, repos.connectors, payments.payments, repos.order_checks, readings,
                         clock, limits(settings))
    return Backoffice(
        audit=AuditLog(repos.audit, clock),
        reviews=OrderReviewService(repos.orders, repos.reviews, checks, repos.order_checks, payments.settlement,
                                   payments.updates, clock),
        accounts=UserAccounts(repos.users, accounts.pii.lookup_hash, profile.feedback, payments.updates, clock),
        stats=Statistics(repos.stats_source, repos.stats, batch, clock, settings.stats.timezone),
        history=StatusHistory(batch))
