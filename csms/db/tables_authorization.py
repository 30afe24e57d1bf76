"""Indexes that authorization needs on core tables (on csms.db.tables.metadata): an id tag's
active transactions are looked up on every start (ConcurrentTx)."""

from __future__ import annotations

from sqlalchemy import Index

from csms.db.tables import transactions

Index("ix_transactions_id_tag_status", transactions.c.id_tag, transactions.c.status)
