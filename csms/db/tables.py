"""SQLAlchemy tables. Times are stored as naive UTC and come back UTC-aware (UTCDateTime)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Double, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint)
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

BigId = BigInteger().with_variant(Integer, "sqlite")   # SQLite autoincrement needs INTEGER
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the domain uses UTC-aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


stations = Table(
    "stations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("address", String(255), nullable=False, default=""),
    Column("lat", Double, nullable=True),     # double precision: FLOAT would be ~70 m off on MariaDB
    Column("lng", Double, nullable=True),
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "lat", "lng"),
)

charge_points = Table(
    "charge_points", metadata,
    Column("id", String(48), primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("password_hash", String(255), nullable=True),
    Column("security_profile", Integer, nullable=False, default=0),
    Column("registration_status", String(16), nullable=False, default="Accepted"),
    Column("vendor", String(64), nullable=True),
    Column("model", String(64), nullable=True),
    Column("serial_number", String(64), nullable=True),
    Column("firmware_version", String(64), nullable=True),
    Column("protocol", String(16), nullable=True),
    Column("online", Boolean, nullable=False, default=False),
    Column("last_seen", UTCDateTime, nullable=True),
    Column("last_boot_at", UTCDateTime, nullable=True),
    Column("status", String(32), nullable=True),
    Column("error_code", String(50), nullable=True),
    Column("firmware_status", String(32), nullable=True),
    Column("diagnostics_status", String(32), nullable=True),
    Column("tolerant", Boolean, nullable=False, default=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

connectors = Table(
    "connectors", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("type", String(32), nullable=True),
    Column("max_power_w", Integer, nullable=True),
    Column("status", String(32), nullable=False, default="Unknown"),
    Column("error_code", String(50), nullable=False, default="NoError"),
    Column("info", String(255), nullable=True),
    Column("vendor_error_code", String(255), nullable=True),
    Column("status_at", UTCDateTime, nullable=True),
    UniqueConstraint("charge_point_id", "evse_id", "connector_id"),
)

id_tags = Table(
    "id_tags", metadata,
    Column("id_tag", String(36), primary_key=True),
    Column("status", String(16), nullable=False, default="Accepted"),
    Column("expiry_date", UTCDateTime, nullable=True),
    Column("group_id", String(36), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

transactions = Table(
    "transactions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("ocpp_tx_id", String(64), nullable=True),
    Column("ocpp_tx_key", String(64), nullable=False, server_default=""),
    Column("id_tag", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=True),
    Column("meter_start_wh", BigInteger, nullable=False),
    Column("meter_stop_wh", BigInteger, nullable=True),
    Column("energy_wh", BigInteger, nullable=True),
    Column("stop_reason", String(32), nullable=True),
    Column("stop_id_tag", String(36), nullable=True),
    Column("anomaly", String(64), nullable=True),
    Column("reservation_id", Integer, nullable=True),
    Column("last_meter_wh", BigInteger, nullable=True),
    Column("power_w", Integer, nullable=True),
    Column("soc", Integer, nullable=True),
    Column("remote_start_id", Integer, nullable=True, index=True),
    Column("seq_no", Integer, nullable=True),          # 2.0.1: the highest TransactionEvent seqNo seen
    Column("offline", Boolean, nullable=False, default=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "status"),
    Index(None, "started_at"),
    # the same start reported twice (retry, store-and-forward) is one transaction
    # a 1.6 start is known by where, when and at what reading it began (a retried StartTransaction is the
    # same one); a 2.0.1 transaction by its own id (ocpp_tx_key = ocpp_tx_id, '' for 1.6), so two of them
    # starting on one EVSE at the same instant with the same reading stay two
    UniqueConstraint("charge_point_id", "evse_id", "connector_id", "started_at", "meter_start_wh", "ocpp_tx_key"),
    UniqueConstraint("charge_point_id", "ocpp_tx_id"),
)

meter_values = Table(
    "meter_values", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("transaction_id", Integer, nullable=True),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("measurand", String(64), nullable=False),
    Column("phase", String(8), nullable=True),
    Column("unit", String(16), nullable=True),
    Column("context", String(32), nullable=True),
    Column("location", String(16), nullable=True),
    Column("format", String(16), nullable=True),
    Column("value", String(64), nullable=False),
    Column("value_num", Double, nullable=True),
    # one row per sample: a 63-bit hash of where and when it was measured and what (csms/services/
    # transactions.py sample_key); a replayed message inserts nothing twice (INSERT IGNORE)
    Column("sample_key", BigInteger, nullable=True),
    Index(None, "transaction_id", "timestamp"),
    Index(None, "charge_point_id", "timestamp"),
    Index("uq_meter_values_sample", "charge_point_id", "sample_key", unique=True),
)

ocpp_messages = Table(
    "ocpp_messages", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("message_type", Integer, nullable=False),
    Column("unique_id", String(64), nullable=True),
    Column("action", String(64), nullable=True),
    Column("payload", LongText, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "at"),
    Index(None, "at"),
)

operators = Table(
    "operators", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False, default="operator"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)


# tables of feature modules (csms/features/), on the same metadata
from csms.db import tables_reservations, tables_smart_charging, tables_security, tables_drivers, tables_profile, tables_tariffs  # noqa: E402,F401
from csms.db import tables_requests, tables_authorization, tables_invoices, tables_moderation  # noqa: E402,F401
from csms.db import tables_alarms  # noqa: E402,F401
from csms.db import tables_backoffice, tables_ingest  # noqa: E402,F401
