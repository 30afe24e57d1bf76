"""The per-driver and per-connector start lock across nodes: ``hold(key)`` as csms/services/locks.py
KeyedLocks, held in Redis (``SET NX PX`` with a token, released by compare-and-delete), so a double tap
that two API nodes receive makes one order. Waiters on this node queue on the in-process lock first
(one Redis poller per key and node). Redis away: the in-process lock alone (one node keeps working)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from redis.exceptions import RedisError

from csms.services.locks import KeyedLocks

log = logging.getLogger(__name__)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisKeyedLocks:
    def __init__(self, redis, ttl: float = 30.0, poll: float = 0.02, prefix: str = "csms:lock:"):
        self.redis = redis
        self.ttl_ms = int(ttl * 1000)
        self.poll = poll
        self.prefix = prefix
        self._local = KeyedLocks()

    async def _acquire(self, key: str, token: str) -> bool:
        """True once held in Redis; False when Redis cannot be asked (the local lock alone then)."""
        deadline = asyncio.get_running_loop().time() + self.ttl_ms / 1000
        while True:
            try:
                if await self.redis.set(self.prefix + key, token, nx=True, px=self.ttl_ms):
                    return True
            except (RedisError, OSError) as exc:
                log.warning("lock %s: Redis unreachable (%s); this node's lock only", key, type(exc).__name__)
                return False
            if asyncio.get_running_loop().time() > deadline:     # a holder that died: its TTL has passed
                return False
            await asyncio.sleep(self.poll)

    @contextlib.asynccontextmanager
    async def hold(self, key: str):
        async with self._local.hold(key):
            token = uuid.uuid4().hex
            held = await self._acquire(key, token)
            try:
                yield
            finally:
                if held:
                    with contextlib.suppress(RedisError, OSError):
                        await self.redis.eval(_RELEASE, 1, self.prefix + key, token)
