"""Tables of the security feature (on csms.db.tables.metadata)."""

from __future__ import annotations
