"""Every SQL repository, built once for the composition root. Services never see this object: each
is handed the repositories it uses (behind the Protocols in csms/domain)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from csms.domain.clock import Clock
from csms.domain.live_status import NO_LIVE_STATUS, LiveStatusStore

from csms.db import repositories as core
from csms.db import repositories_alarms as alarms
from csms.db import repositories_notifications as notifications
from csms.db import repositories_drivers as drivers
from csms.db import repositories_profile as profile
from csms.db import repositories_security as security
from csms.db import repositories_smart_charging as smart
from csms.db.repositories_driver_reservations import SqlDriverReservationRepository
from csms.db.repositories_invoices import SqlInvoiceRepository
from csms.db.repositories_moderation import SqlMediaCheckRepository
from csms.db.repositories_requests import SqlReportRequestRepository
from csms.db.repositories_reservations import SqlLocalListRepository, SqlReservationRepository
from csms.db.repositories_station_map import SqlStationMapRepository
from csms.db.repositories_tariffs import SqlTariffRepository
from csms.db import repositories_audit, repositories_reviews, repositories_stats


@dataclass(frozen=True)
class Repositories:
    # charge points and transactions (csms/db/repositories.py)
    stations: core.SqlStationRepository
    charge_points: core.SqlChargePointRepository
    connectors: core.SqlConnectorRepository
    id_tags: core.SqlIdTagRepository
    transactions: core.SqlTransactionRepository
    meter_values: core.SqlMeterValueRepository
    message_log: core.SqlMessageLogRepository
    operators: core.SqlOperatorRepository
    # OCPP areas
    reservations: SqlReservationRepository
    local_lists: SqlLocalListRepository
    charging_profiles: smart.SqlChargingProfileRepository
    charging_reports: smart.SqlChargingReportRepository
    display_messages: smart.SqlDisplayMessageRepository
    firmware_jobs: smart.SqlFirmwareJobRepository
    log_jobs: smart.SqlLogJobRepository
    security_events: security.SqlSecurityEventRepository
    certificates: security.SqlCertificateRepository
    device_model: security.SqlDeviceModelRepository
    report_requests: SqlReportRequestRepository
    tariffs: SqlTariffRepository
    # drivers
    users: drivers.SqlUserRepository
    refresh_tokens: drivers.SqlRefreshTokenRepository
    orders: drivers.SqlOrderRepository
    wallet: drivers.SqlWalletRepository
    payments: drivers.SqlPaymentRepository
    refunds: drivers.SqlRefundRepository
    notifications: drivers.SqlNotificationLog
    subscriptions: drivers.SqlSubscriptionRepository
    driver_reservations: SqlDriverReservationRepository
    station_map: SqlStationMapRepository
    vehicles: profile.SqlVehicleRepository
    favourites: profile.SqlFavouriteRepository
    feedback: profile.SqlFeedbackRepository
    ratings: profile.SqlRatingRepository
    media_checks: SqlMediaCheckRepository
    invoices: SqlInvoiceRepository
    # operations: alarms, work orders, notifications
    alarms: alarms.SqlAlarmRepository
    work_orders: alarms.SqlWorkOrderRepository
    channels: notifications.SqlChannelRepository
    rules: notifications.SqlRuleRepository
    deliveries: notifications.SqlDeliveryRepository
    operator_contacts: notifications.SqlOperatorContactRepository
    # the back office: audit log, abnormal-order review, statistics
    audit: repositories_audit.SqlAuditRepository
    reviews: repositories_reviews.SqlReviewRepository
    order_checks: repositories_reviews.SqlOrderCheckSource
    stats_source: repositories_stats.SqlStatsSource
    stats: repositories_stats.SqlStatsRepository


def build_repositories(db_sessions: async_sessionmaker, clock: Clock,
                       live: LiveStatusStore = NO_LIVE_STATUS) -> Repositories:
    """``live``: the live connector status the connectors' and the map's reads overlay (Redis)."""
    s = db_sessions
    return Repositories(
        stations=core.SqlStationRepository(s, clock), charge_points=core.SqlChargePointRepository(s, clock),
        connectors=core.SqlConnectorRepository(s, clock, live), id_tags=core.SqlIdTagRepository(s, clock),
        transactions=core.SqlTransactionRepository(s, clock), meter_values=core.SqlMeterValueRepository(s, clock),
        message_log=core.SqlMessageLogRepository(s, clock), operators=core.SqlOperatorRepository(s, clock),
        reservations=SqlReservationRepository(s, clock), local_lists=SqlLocalListRepository(s, clock),
        charging_profiles=smart.SqlChargingProfileRepository(s, clock), charging_reports=smart.SqlChargingReportRepository(s, clock),
        display_messages=smart.SqlDisplayMessageRepository(s, clock), firmware_jobs=smart.SqlFirmwareJobRepository(s, clock),
        log_jobs=smart.SqlLogJobRepository(s, clock),
        security_events=security.SqlSecurityEventRepository(s, clock), certificates=security.SqlCertificateRepository(s, clock),
        device_model=security.SqlDeviceModelRepository(s, clock), report_requests=SqlReportRequestRepository(s, clock),
        tariffs=SqlTariffRepository(s, clock), users=drivers.SqlUserRepository(s, clock),
        refresh_tokens=drivers.SqlRefreshTokenRepository(s, clock), orders=drivers.SqlOrderRepository(s, clock),
        wallet=drivers.SqlWalletRepository(s, clock), payments=drivers.SqlPaymentRepository(s, clock),
        refunds=drivers.SqlRefundRepository(s, clock), notifications=drivers.SqlNotificationLog(s, clock),
        subscriptions=drivers.SqlSubscriptionRepository(s, clock), driver_reservations=SqlDriverReservationRepository(s, clock),
        station_map=SqlStationMapRepository(s, clock, live), vehicles=profile.SqlVehicleRepository(s, clock),
        favourites=profile.SqlFavouriteRepository(s, clock), feedback=profile.SqlFeedbackRepository(s, clock),
        ratings=profile.SqlRatingRepository(s, clock), media_checks=SqlMediaCheckRepository(s, clock),
        invoices=SqlInvoiceRepository(s, clock), alarms=alarms.SqlAlarmRepository(s, clock),
        work_orders=alarms.SqlWorkOrderRepository(s, clock), channels=notifications.SqlChannelRepository(s, clock),
        rules=notifications.SqlRuleRepository(s, clock), deliveries=notifications.SqlDeliveryRepository(s, clock),
        operator_contacts=notifications.SqlOperatorContactRepository(s, clock),
        audit=repositories_audit.SqlAuditRepository(s, clock), reviews=repositories_reviews.SqlReviewRepository(s, clock),
        order_checks=repositories_reviews.SqlOrderCheckSource(s, clock),
        stats_source=repositories_stats.SqlStatsSource(s, clock), stats=repositories_stats.SqlStatsRepository(s, clock))
