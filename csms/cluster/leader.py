"""Exactly one scheduler among the nodes: a Redis key held with a TTL that its holder renews.

``SET key node NX PX ttl`` takes it; the holder renews it every third of the TTL, and only while
the key still names it (a Lua compare-and-extend). A second scheduler keeps trying and takes over at
most one TTL after the first stops renewing (killed, partitioned, Redis restarted). While Redis
cannot be reached nobody is leader: periodic jobs pause rather than run twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from csms import metrics
from csms.cluster.tasks import Loop

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock(Loop):
    def __init__(self, redis, node: str, key: str = "csms:scheduler:leader", ttl: float = 15.0):
        self.redis = redis
        self.node = node
        self.key = key
        self.ttl_ms = max(1000, int(ttl * 1000))
        self._leader = False
        self.changed = asyncio.Event()       # set at every gain or loss (tests, logs)

    def is_leader(self) -> bool:
        return self._leader

    def _set(self, leader: bool) -> None:
        if leader != self._leader:
            self._leader = leader
            metrics.SCHEDULER_LEADER.set(1 if leader else 0)
            log.warning("scheduler lock %s by %s", "taken" if leader else "lost", self.node)
            self.changed.set()

    async def attempt(self) -> bool:
        """One round: take the lock if free, renew it if ours. True while we hold it."""
        try:
            if self._leader:
                held = bool(await self.redis.eval(_RENEW, 1, self.key, self.node, self.ttl_ms))
            else:
                held = bool(await self.redis.set(self.key, self.node, nx=True, px=self.ttl_ms))
        except (RedisError, OSError) as exc:          # Redis away: nobody may claim to lead
            log.warning("scheduler lock: Redis unreachable (%s)", type(exc).__name__)
            held = False
        self._set(held)
        return held

    async def _run(self) -> None:
        while True:
            await self.attempt()
            await asyncio.sleep(self.ttl_ms / 3000)

    def start(self) -> None:
        self._spawn(self._run(), "scheduler-lock")

    async def stop(self) -> None:
        await self._cancel()
        if self._leader:       # a clean stop hands over at once instead of after the TTL
            with contextlib.suppress(RedisError, OSError):
                await self.redis.eval(_RELEASE, 1, self.key, self.node)
            self._set(False)
