"""OCPP timestamps: what charge points send and what they expect back."""

from __future__ import annotations

from datetime import datetime, timezone


def ocpp_time(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, millisecond precision, as charge points expect."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse an OCPP timestamp; a time without a zone is taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
