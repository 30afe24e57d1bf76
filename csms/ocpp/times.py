"""OCPP timestamps: what charge points send and what they expect back."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# RFC 3339 allows a leap second, 23:59:60 (e.g. 2016-12-31T23:59:60Z); Python's datetime has no second 60
_LEAP_SECOND = re.compile(r"^(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:)60(?:[.,]\d+)?")


def ocpp_time(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, millisecond precision, as charge points expect."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse an OCPP timestamp; a time without a zone is taken as UTC. A leap second is kept as
    :59.999999 of the same minute, not as the next second: it stays on its own day (and tariff
    period) and still sorts after every earlier instant and before the next second.
    Raises ValueError (or OverflowError) for a time that cannot be represented."""
    if ":60" in text:
        text = _LEAP_SECOND.sub(r"\g<1>59.999999", text)
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
