"""Every SQL repository, built once for the composition root. Services never see this object: each
is handed the repositories it uses (behind the Protocols in csms/domain)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from csms.db import repositories as core
from csms.db import repositories_drivers as drivers
from csms.db import repositories_profile as profile
from csms.db import repositories_security as security
from csms.db import repositories_smart_charging as smart
from csms.db.repositories_driver_reservations import SqlDriverReservationRepository
from csms.db.repositories_requests import SqlReportRequestRepository
from csms.db.repositories_reservations import SqlLocalListRepository, SqlReservationRepository
from csms.db.repositories_station_map import SqlStationMapRepository
from csms.db.repositories_tariffs import SqlTariffRepository


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
    alarms: security.SqlAlarmRepository
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


def build_repositories(db_sessions: async_sessionmaker) -> Repositories:
    s = db_sessions
    return Repositories(
        stations=core.SqlStationRepository(s), charge_points=core.SqlChargePointRepository(s),
        connectors=core.SqlConnectorRepository(s), id_tags=core.SqlIdTagRepository(s),
        transactions=core.SqlTransactionRepository(s), meter_values=core.SqlMeterValueRepository(s),
        message_log=core.SqlMessageLogRepository(s), operators=core.SqlOperatorRepository(s),
        reservations=SqlReservationRepository(s), local_lists=SqlLocalListRepository(s),
        charging_profiles=smart.SqlChargingProfileRepository(s), charging_reports=smart.SqlChargingReportRepository(s),
        display_messages=smart.SqlDisplayMessageRepository(s), firmware_jobs=smart.SqlFirmwareJobRepository(s),
        log_jobs=smart.SqlLogJobRepository(s), alarms=security.SqlAlarmRepository(s),
        security_events=security.SqlSecurityEventRepository(s), certificates=security.SqlCertificateRepository(s),
        device_model=security.SqlDeviceModelRepository(s), report_requests=SqlReportRequestRepository(s),
        tariffs=SqlTariffRepository(s), users=drivers.SqlUserRepository(s),
        refresh_tokens=drivers.SqlRefreshTokenRepository(s), orders=drivers.SqlOrderRepository(s),
        wallet=drivers.SqlWalletRepository(s), payments=drivers.SqlPaymentRepository(s),
        refunds=drivers.SqlRefundRepository(s), notifications=drivers.SqlNotificationLog(s),
        subscriptions=drivers.SqlSubscriptionRepository(s), driver_reservations=SqlDriverReservationRepository(s),
        station_map=SqlStationMapRepository(s), vehicles=profile.SqlVehicleRepository(s),
        favourites=profile.SqlFavouriteRepository(s), feedback=profile.SqlFeedbackRepository(s),
        ratings=profile.SqlRatingRepository(s))
