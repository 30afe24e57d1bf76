"""Table of content checks (on csms.db.tables.metadata): the check of each photo a driver uploads
(csms.domain.moderation)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from csms.db.tables import UTCDateTime, metadata

media_checks = Table(
    "media_checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("upload", String(64), nullable=False, unique=True),    # the upload's file name
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(8), nullable=False),                 # photo | avatar
    Column("state", String(8), nullable=False),                   # pending | pass | risky
    Column("trace_id", String(64), nullable=True, unique=True),   # WeChat's, once submitted
    Column("label", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Index(None, "state", "submitted_at"),
)
