"""Tables of the operations side (on csms.db.tables.metadata): alarms, work orders and their notes,
notification channels and rules, delivery attempts, operators' WeChat bindings."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from csms.db.tables import BigId, UTCDateTime, metadata

alarms = Table(
    "alarms", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("dedup_key", String(160), nullable=False),
    # the dedup key while the alarm is open, NULL once resolved: one open alarm per key, held by the
    # database (NULLs never collide, on SQLite and MariaDB alike)
    Column("open_key", String(160), nullable=True, unique=True),
    Column("charge_point_id", String(48), nullable=True),
    Column("station_id", Integer, nullable=True),
    Column("evse_id", Integer, nullable=False, default=0),
    Column("connector_id", Integer, nullable=False, default=0),
    Column("subject", String(128), nullable=False, default=""),
    Column("type", String(128), nullable=False),
    Column("message", String(512), nullable=False),
    Column("count", Integer, nullable=False, default=1),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("resolution", String(512), nullable=True),
    Column("cleared_at", UTCDateTime, nullable=True),
    Index(None, "charge_point_id", "status"),
    Index(None, "status"),
    Index(None, "kind", "status"),
    Index(None, "station_id", "raised_at"),
    Index(None, "raised_at"),
    Index(None, "dedup_key"),
)

work_orders = Table(
    "work_orders", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alarm_id", BigId, ForeignKey("alarms.id"), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("station_id", Integer, nullable=True),
    Column("charge_point_id", String(48), nullable=True),
    Column("assignee", String(64), nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("resolution", String(1000), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Index(None, "status"),
    Index(None, "assignee", "status"),
    Index(None, "station_id"),
)

work_order_notes = Table(
    "work_order_notes", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("work_order_id", BigId, ForeignKey("work_orders.id"), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("text", String(2000), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

notification_channels = Table(
    "notification_channels", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("type", String(16), nullable=False),
    Column("targets", Text, nullable=False),            # JSON array
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

notification_rules = Table(
    "notification_rules", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("channel_ids", Text, nullable=False),        # JSON arrays
    Column("min_severity", String(16), nullable=False),
    Column("station_ids", Text, nullable=False),
    Column("kinds", Text, nullable=False),
    Column("events", Text, nullable=False),
    Column("quiet_start", String(5), nullable=True),
    Column("quiet_end", String(5), nullable=True),
    Column("quiet_min_severity", String(16), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

notification_deliveries = Table(
    "notification_deliveries", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alarm_id", BigId, nullable=False),
    Column("rule_id", Integer, nullable=True),
    Column("channel_id", Integer, nullable=False),
    Column("channel_type", String(16), nullable=False),
    Column("target", String(255), nullable=False),
    Column("event", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("error", String(512), nullable=True),
    Column("duration_ms", Integer, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "alarm_id"),
    Index(None, "channel_id", "at"),
    Index(None, "at"),
)

operator_wechat = Table(
    "operator_wechat", metadata,
    Column("operator_id", Integer, ForeignKey("operators.id"), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("openid", String(64), nullable=False),
    Column("bound_at", UTCDateTime, nullable=False),
)
