"""Tables of the smart_charging feature (on csms.db.tables.metadata): charging profiles, what
stations report about limits and EV needs, display messages, firmware and log jobs."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from csms.db.tables import UTCDateTime, metadata

charging_profiles = Table(
    "charging_profiles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("profile_id", Integer, nullable=False),
    Column("stack_level", Integer, nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("transaction_id", Integer, nullable=True),
    Column("ocpp_transaction_id", String(64), nullable=True),
    Column("source", String(8), nullable=False),
    Column("profile", Text, nullable=False),          # the neutral profile as JSON
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "profile_id"),
)

charging_reports = Table(
    "charging_reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("evse_id", Integer, nullable=True),
    Column("data", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "kind"),
)

display_messages = Table(
    "display_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("message_id", Integer, nullable=False),
    Column("priority", String(16), nullable=False),
    Column("format", String(8), nullable=False),
    Column("content", String(512), nullable=False),
    Column("language", String(8), nullable=True),
    Column("state", String(16), nullable=True),
    Column("start_at", UTCDateTime, nullable=True),
    Column("end_at", UTCDateTime, nullable=True),
    Column("transaction_id", String(36), nullable=True),
    Column("evse_id", Integer, nullable=True),
    Column("source", String(8), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("charge_point_id", "message_id"),
)

firmware_jobs = Table(
    "firmware_jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),     # = OCPP requestId
    Column("charge_point_id", String(48), nullable=False),
    Column("kind", String(8), nullable=False),                       # update | publish
    Column("location", String(512), nullable=False),
    Column("status", String(32), nullable=False),
    Column("retrieve_at", UTCDateTime, nullable=True),
    Column("install_at", UTCDateTime, nullable=True),
    Column("retries", Integer, nullable=True),
    Column("retry_interval", Integer, nullable=True),
    Column("signature", String(800), nullable=True),
    Column("signing_certificate", Text, nullable=True),
    Column("checksum", String(32), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "kind"),
)

log_jobs = Table(
    "log_jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),     # = OCPP requestId
    Column("charge_point_id", String(48), nullable=False),
    Column("log_type", String(16), nullable=False),
    Column("location", String(512), nullable=False),
    Column("status", String(32), nullable=False),
    Column("oldest_at", UTCDateTime, nullable=True),
    Column("latest_at", UTCDateTime, nullable=True),
    Column("retries", Integer, nullable=True),
    Column("retry_interval", Integer, nullable=True),
    Column("file_name", String(255), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id"),
)
