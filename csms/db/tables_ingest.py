"""The ingest inbox (on csms.db.tables.metadata): the id of every RabbitMQ message a worker committed,
written in the same transaction as its rows, so a message delivered again (a worker killed before its
ack) is recognised and skipped, and a publisher can tell when what it queued is stored."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from csms.db.tables import UTCDateTime, metadata

ingest_inbox = Table(
    "ingest_inbox", metadata,
    Column("id", String(40), primary_key=True),       # node-sequence of the publishing node
    Column("queue", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_ingest_inbox_at", "at"),
)
