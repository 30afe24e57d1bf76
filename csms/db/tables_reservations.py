"""Tables of the reservations feature (on csms.db.tables.metadata)."""

from __future__ import annotations
