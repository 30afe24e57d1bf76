"""Limits a connection is held to, knowing nothing of what its frames say: how fast one connection's
frames are read (a token bucket per connection). Connection attempts are counted by the layer above
(``OcppServer(admit=...)``: per id and per address, shared across nodes through Redis when configured)."""

from __future__ import annotations

import time
from collections.abc import Callable


class FrameRate:
    """At most ``count`` frames in ``seconds`` on average, bursts of up to ``count``. ``take`` counts a
    frame and returns how long to wait before handling it (0 within the rate)."""

    __slots__ = ("at", "capacity", "clock", "per_second", "tokens")

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(count)
        self.per_second = count / seconds
        self.tokens = float(count)
        self.clock = clock
        self.at = clock()

    def take(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second) - 1
        self.at = now
        return 0.0 if self.tokens >= 0 else -self.tokens / self.per_second
