"""Time, injectable so tests can use a fake clock."""

from __future__ import annotations

from datetime import datetime, timezone

from csms.domain.clock import Clock  # noqa: F401  (the interface lives in the domain: repositories use it too)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

