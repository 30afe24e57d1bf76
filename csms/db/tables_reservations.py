"""Tables of the reservations feature (on csms.db.tables.metadata): reservations, and per charge
point the local authorization list the CSMS last had accepted (version and entries)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from csms.db.tables import UTCDateTime, metadata

reservations = Table(
    "reservations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),     # the OCPP reservationId
    Column("charge_point_id", String(48), ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("id_tag", String(36), nullable=False),
    Column("parent_id_tag", String(36), nullable=True),
    Column("connector_type", String(32), nullable=True),
    Column("expiry_date", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("ocpp_status", String(16), nullable=True),
    Column("transaction_id", Integer, nullable=True),
    Column("reason", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "status"),
    Index(None, "status", "expiry_date"),
)

local_auth_lists = Table(
    "local_auth_lists", metadata,
    Column("charge_point_id", String(48), ForeignKey("charge_points.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

local_auth_entries = Table(
    "local_auth_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), ForeignKey("charge_points.id", ondelete="CASCADE"), nullable=False),
    Column("id_tag", String(36), nullable=False),
    Column("status", String(16), nullable=False),
    Column("expiry_date", UTCDateTime, nullable=True),
    Column("group_id", String(36), nullable=True),
    Column("token_type", String(20), nullable=False, default="ISO14443"),
    UniqueConstraint("charge_point_id", "id_tag"),
)
