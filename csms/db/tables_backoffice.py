"""Tables of the operations back office (on csms.db.tables.metadata): the audit log of operator
actions, the review queue of abnormal orders, the history of connector statuses and charge point
presence the statistics are computed from, and the daily statistics roll-ups."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint,
                        String, Table, Text)

from csms.db.tables import BigId, LongText, UTCDateTime, metadata

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(160), nullable=False),       # the endpoint's OpenAPI operationId
    Column("method", String(8), nullable=False),
    Column("path", String(512), nullable=False),
    Column("status", Integer, nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("target_type", String(32), nullable=True),
    Column("target_id", String(128), nullable=True),
    Column("params", LongText, nullable=True),            # JSON, secrets masked
    Column("before", LongText, nullable=True),
    Column("after", LongText, nullable=True),
    Column("remote", String(64), nullable=True),
    Index(None, "at"),
    Index(None, "actor", "at"),
    Index(None, "action", "at"),
    Index(None, "target_type", "target_id", "at"),
)

order_reviews = Table(
    "order_reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", Integer, nullable=False),
    Column("station_id", Integer, nullable=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("state", String(16), nullable=False),          # flagged | approved | adjusted | refunded | closed
    Column("codes", String(255), nullable=False),         # the anomaly codes, comma-separated (filter)
    Column("anomalies", Text, nullable=False),            # JSON [{code, detail}]
    Column("total_before_fen", BigInteger, nullable=True),
    Column("total_after_fen", BigInteger, nullable=True),
    Column("refund_fen", BigInteger, nullable=True),
    Column("note", String(255), nullable=True),           # the reviewer's reason
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "id"),
)

connector_status_log = Table(
    "connector_status_log", metadata,      # every change of a connector's status (connector 0 excluded)
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("error_code", String(50), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "at"),
    Index(None, "at"),
)

presence_log = Table(
    "presence_log", metadata,              # every connect and disconnect of a charge point
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("online", Boolean, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "charge_point_id", "at"),
    Index(None, "at"),
)


def _figures() -> list[Column]:
    """The figures every roll-up row has (csms/domain/stats.py Figures)."""
    return [Column(name, BigInteger, nullable=False, default=0) for name in (
        "energy_wh", "revenue_fen", "service_fen", "sessions", "charging_minutes", "occupied_minutes",
        "available_minutes", "faulted_minutes", "offline_minutes", "connector_minutes", "faults")]


stats_charge_point_day = Table(
    "stats_charge_point_day", metadata,
    Column("day", Date, nullable=False),                  # the station's local day
    Column("charge_point_id", String(48), nullable=False),
    Column("station_id", Integer, nullable=False),        # 0: no station
    Column("month", Integer, nullable=False),             # YYYYMM of day
    *_figures(),
    PrimaryKeyConstraint("day", "charge_point_id"),
    Index(None, "charge_point_id", "day"),
    Index(None, "station_id", "day"),
)

stats_station_day = Table(
    "stats_station_day", metadata,
    Column("day", Date, nullable=False),
    Column("station_id", Integer, nullable=False),        # 0: charge points without a station
    Column("month", Integer, nullable=False),
    *_figures(),
    Column("charge_points", Integer, nullable=False, default=0),
    Column("active_users", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("day", "station_id"),
    Index(None, "station_id", "day"),
    Index(None, "month", "station_id"),
)

stats_station_month = Table(
    "stats_station_month", metadata,       # a station's days of a month summed (what a long range reads)
    Column("month", Integer, nullable=False),
    Column("station_id", Integer, nullable=False),
    *_figures(),
    Column("charge_points", Integer, nullable=False, default=0),     # the most on one day
    Column("active_users", Integer, nullable=False, default=0),      # the days' sum
    PrimaryKeyConstraint("month", "station_id"),
)

stats_network_day = Table(
    "stats_network_day", metadata,         # drivers (in stats.timezone) and every station's day of the date
    Column("day", Date, primary_key=True),
    Column("month", Integer, nullable=False, index=True),
    Column("new_users", Integer, nullable=False, default=0),
    Column("active_users", Integer, nullable=False, default=0),
    Column("total_users", Integer, nullable=False, default=0),
    *_figures(),
    Column("charge_points", Integer, nullable=False, default=0),
)
