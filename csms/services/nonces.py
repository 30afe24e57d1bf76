"""Nonce stores for replay protection: ``claim(key, ttl)`` is True the first time a key is seen
within ``ttl`` seconds, False after. Redis when configured (shared by every node), in-process
otherwise (bounded, expiry-aware)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Callable, Protocol

log = logging.getLogger(__name__)


class NonceStore(Protocol):
    async def claim(self, key: str, ttl: float) -> bool: ...


class InProcessNonceStore:
    """A dict of key -> expiry in insertion order. Each claim first drops expired entries from the
    front (amortised O(1): every entry is removed at most once). When still full, the oldest live
    entry is evicted: replay protection for the oldest nonce weakens, memory never grows."""

    def __init__(self, max_entries: int = 1_000_000, clock: Callable[[], float] = time.monotonic):
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self.max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self.evicted_live = 0          # live entries dropped because the store was full

    def __len__(self) -> int:
        return len(self._seen)

    async def claim(self, key: str, ttl: float) -> bool:
        return self.claim_now(key, ttl)

    def claim_now(self, key: str, ttl: float) -> bool:
        """The synchronous core of :meth:`claim` (no I/O)."""
        now = self._clock()
        self._sweep(now)
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        if expires is not None:                     # expired but not swept yet (behind a longer ttl)
            del self._seen[key]
        while len(self._seen) >= self.max_entries:
            self._seen.popitem(last=False)
            self.evicted_live += 1
            if self.evicted_live in (1, 1000) or self.evicted_live % 100_000 == 0:
                log.warning("nonce store full (%d entries): evicted %d live nonces so far",
                            self.max_entries, self.evicted_live)
        self._seen[key] = now + ttl
        return True

    def _sweep(self, now: float) -> None:
        seen = self._seen
        while seen:
            key, expires = next(iter(seen.items()))
            if expires > now:
                return
            del seen[key]


class RedisNonceStore:
    """``SET key 1 NX PX ttl``: atomic across nodes; Redis expires the keys."""

    def __init__(self, redis, prefix: str = "csms:nonce:"):
        self._redis = redis
        self._prefix = prefix

    async def claim(self, key: str, ttl: float) -> bool:
        ms = max(1, int(ttl * 1000))
        return bool(await self._redis.set(self._prefix + key, b"1", nx=True, px=ms))


def make_nonce_store(redis) -> NonceStore:
    """Redis (a ``redis.asyncio.Redis``) when given, else in-process."""
    return InProcessNonceStore() if redis is None else RedisNonceStore(redis)
