"""Tables of the driver profile and map (on csms.db.tables.metadata): vehicles, favourite stations,
feedback, order ratings (station reviews) and the station details the map shows."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from csms.db.tables import UTCDateTime, metadata

vehicles = Table(
    "vehicles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("plate", String(16), nullable=False),              # normalised: upper case, no separators
    Column("model", String(64), nullable=False, default=""),
    Column("connector_type", String(32), nullable=True),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "plate"),
)

favourites = Table(
    "favourite_stations", metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("category", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("photos", Text, nullable=False, default="[]"),    # JSON array of URLs
    Column("order_id", Integer, nullable=True),
    Column("station_id", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("reply", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "user_id", "id"),
    Index(None, "status", "id"),
)

ratings = Table(
    "order_ratings", metadata,
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),   # one per order
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("station_id", Integer, nullable=True),
    Column("station_stars", SmallInteger, nullable=False),
    Column("experience_stars", SmallInteger, nullable=False),
    Column("comment", String(500), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "station_id", "created_at"),
)

station_details = Table(
    "station_details", metadata,
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
    Column("opening_hours", String(255), nullable=False, default=""),
    Column("photos", Text, nullable=False, default="[]"),    # JSON array of URLs
    Column("updated_at", UTCDateTime, nullable=False),
)
