"""Tables of the tariffs feature (on csms.db.tables.metadata): a station's effective-dated, immutable
time-of-use tariff versions. Segments and prices are small JSON documents (a version is read whole)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Table, Text, UniqueConstraint

from csms.db.tables import UTCDateTime, metadata

tariff_versions = Table(
    "tariff_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("effective_from", UTCDateTime, nullable=False),
    Column("segments", Text, nullable=False),      # [{"start": "HH:MM", "end": "HH:MM", "period"}]
    Column("prices", Text, nullable=False),        # {period: {energy_fen_per_kwh, service_fen_per_kwh}}
    Column("idle_fee_fen_per_min", Integer, nullable=False),
    Column("idle_grace_minutes", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("station_id", "effective_from"),
)
