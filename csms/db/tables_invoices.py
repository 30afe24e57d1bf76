"""Table of invoices (on csms.db.tables.metadata): a driver's invoice request per order
(csms.domain.invoices)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from csms.db.tables import UTCDateTime, metadata

invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("title_type", String(8), nullable=False),          # personal | company
    Column("title", String(100), nullable=False),
    Column("tax_number", String(20), nullable=True),
    Column("email", String(254), nullable=False),
    Column("state", String(10), nullable=False),             # requested | issued | rejected
    Column("invoice_number", String(32), nullable=True),
    Column("reason", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Index(None, "user_id", "id"),
    Index(None, "state", "id"),
)
