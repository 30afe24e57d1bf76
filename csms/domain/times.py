"""Times in the neutral JSON forms (REST bodies, stored documents): ISO 8601, UTC, with a Z."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(dt: datetime | None) -> str | None:
    """``2026-12-03T11:04:56.123Z`` (millisecond precision), or None."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as UTC-aware; one without a zone is taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
