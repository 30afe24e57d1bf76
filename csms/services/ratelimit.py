"""Rate limits: at most ``limit`` hits in any ``window`` seconds per key (a sliding-window log).
``hit`` returns None when allowed (and counts the hit), else the seconds until one more is allowed
(a refused hit is not counted). Redis when configured (one Lua script: atomic across nodes,
Redis's clock), in-process otherwise (bounded number of keys)."""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict, deque
from typing import Callable, Protocol



log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> float | None: ...


class _Log:
    __slots__ = ("times", "window")

    def __init__(self, window: float):
        self.times: deque[float] = deque()
        self.window = window


class InProcessRateLimiter:
    """Per key, the times of the hits still inside the window (at most ``limit`` of them). Keys are
    kept in order of last hit; keys idle longer than their window are dropped from the front on each
    hit (amortised O(1)); beyond ``max_keys`` the least recently used key is forgotten."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self.max_keys = max_keys
        self._clock = clock
        self._logs: OrderedDict[str, _Log] = OrderedDict()

    def __len__(self) -> int:
        return len(self._logs)

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        return self.hit_now(key, limit, window)

    def hit_now(self, key: str, limit: int, window: float) -> float | None:
        """The synchronous core of :meth:`hit` (no I/O)."""
        if limit <= 0:
            return max(window, 1e-3)
        now = self._clock()
        self._sweep(now)
        log = self._logs.get(key)
        if log is None:
            while len(self._logs) >= self.max_keys:
                self._logs.popitem(last=False)
            log = self._logs[key] = _Log(window)
        else:
            self._logs.move_to_end(key)
            log.window = window
        times = log.times
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            return max(times[len(times) - limit] + window - now, 1e-3)
        times.append(now)
        return None

    def _sweep(self, now: float) -> None:
        logs = self._logs
        while logs:
            key, log = next(iter(logs.items()))
            if log.times and log.times[-1] > now - log.window:
                return
            del logs[key]


# KEYS[1] the zset of hit times (microseconds, Redis clock); ARGV: limit, window (ms), a unique member
# suffix. Returns 0 when allowed, else the milliseconds until allowed (>= 1).
_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  local wait = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], now, t[1] .. '.' .. t[2] .. '-' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
"""


class RedisRateLimiter:
    """The same sliding-window log in a Redis sorted set, updated by one Lua script."""

    def __init__(self, redis, prefix: str = "csms:rate:"):
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_LUA)

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        if limit <= 0:
            return max(window, 1e-3)
        window_ms = max(1, int(window * 1000))
        wait_ms = await self._script(keys=[self._prefix + key], args=[limit, window_ms, secrets.token_hex(4)])
        wait_ms = int(wait_ms)
        return None if wait_ms <= 0 else wait_ms / 1000


class DegradingRateLimiter:
    """The shared limiter while it answers; this node's own while it does not (Redis down: limits hold
    per node instead of across nodes, and nothing that is limited fails because Redis is away)."""

    def __init__(self, shared: RateLimiter, local: RateLimiter, away: tuple[type[BaseException], ...] = (OSError,)):
        self.shared, self.local = shared, local
        self.away = away                    # the errors that mean the shared limiter is unreachable
        self._degraded = False

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        try:
            wait = await self.shared.hit(key, limit, window)
        except self.away as exc:
            if not self._degraded:
                log.warning("rate limits: Redis unreachable (%s); limiting per node until it is back", exc)
            self._degraded = True
            return await self.local.hit(key, limit, window)
        if self._degraded:
            log.warning("rate limits: Redis is back; limits are shared again")
            self._degraded = False
        return wait


def make_rate_limiter(redis) -> RateLimiter:
    """Redis (a ``redis.asyncio.Redis``) when given, falling back to in-process while Redis is away;
    else in-process."""
    if redis is None:
        return InProcessRateLimiter()
    from redis.exceptions import ConnectionError as RedisConnectionError    # only with Redis: not imported by one process
    from redis.exceptions import TimeoutError as RedisTimeoutError
    return DegradingRateLimiter(RedisRateLimiter(redis), InProcessRateLimiter(),
                                (OSError, RedisConnectionError, RedisTimeoutError))
