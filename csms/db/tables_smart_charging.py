"""Tables of the smart_charging feature (on csms.db.tables.metadata)."""

from __future__ import annotations
