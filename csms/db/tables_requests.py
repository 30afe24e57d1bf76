"""Tables of report request tracking (on csms.db.tables.metadata): the requests the CSMS sent that
are answered in parts (csms.domain.requests), and the parts received."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from csms.db.tables import BigId, LongText, UTCDateTime, metadata

report_requests = Table(
    "report_requests", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("charge_point_id", String(48), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("request_id", Integer, nullable=False),          # the OCPP requestId
    Column("status", String(16), nullable=False),
    Column("params", Text, nullable=False),                 # JSON: what was asked
    Column("answer", String(32), nullable=True),            # the charge point's status in its answer
    Column("parts_received", Integer, nullable=False, default=0),
    Column("last_seq_no", Integer, nullable=True),
    Column("final_seq_no", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
    UniqueConstraint("charge_point_id", "kind", "request_id"),
    Index(None, "charge_point_id", "request_id"),
    Index(None, "status", "updated_at"),                    # the timeout job
)

report_request_parts = Table(
    "report_request_parts", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("report_request_id", BigId, ForeignKey("report_requests.id", ondelete="CASCADE"), nullable=False),
    Column("seq_no", Integer, nullable=False),
    Column("tbc", Boolean, nullable=False),
    Column("data", LongText, nullable=False),               # JSON: what the notification carried
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("report_request_id", "seq_no"),         # a repeated part is stored once
)
