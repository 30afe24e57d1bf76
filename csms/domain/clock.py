"""Time as the domain sees it: whatever stamps a record (services, repositories) asks an injected
clock, so tests can hold time still or move it (tests/fakes.py FakeClock)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, UTC-aware."""
