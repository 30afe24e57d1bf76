"""In-process sliding-window rate limiter: at most N hits in any W seconds."""

from __future__ import annotations

import pytest

from csms.services.ratelimit import InProcessRateLimiter, make_rate_limiter
from tests.unit.csms.services.test_nonces import FakeClock


async def test_allows_the_limit_then_says_when_the_next_is_allowed():
    clock = FakeClock()
    limiter = InProcessRateLimiter(clock=clock)
    for i in range(3):
        assert await limiter.hit("login:1.2.3.4", 3, 60) is None
        clock.t += 10
    # hits at 0, 10, 20; now 30: the next is allowed when the first leaves the window, at 60
    assert await limiter.hit("login:1.2.3.4", 3, 60) == pytest.approx(30)
    assert await limiter.hit("login:5.6.7.8", 3, 60) is None  # keys are independent


async def test_a_refused_hit_is_not_counted_and_the_window_slides():
    clock = FakeClock()
    limiter = InProcessRateLimiter(clock=clock)
    assert await limiter.hit("k", 2, 10) is None
    clock.t += 5
    assert await limiter.hit("k", 2, 10) is None
    for _ in range(5):
        assert await limiter.hit("k", 2, 10) == pytest.approx(5)
    clock.t += 5
    assert await limiter.hit("k", 2, 10) is None             # the first hit left; refusals did not count
    assert await limiter.hit("k", 2, 10) == pytest.approx(5)


async def test_retry_after_is_always_positive():
    clock = FakeClock()
    limiter = InProcessRateLimiter(clock=clock)
    assert await limiter.hit("k", 1, 1) is None
    clock.t += 1 - 1e-9
    wait = await limiter.hit("k", 1, 1)
    assert wait is not None and wait > 0
    assert await limiter.hit("z", 0, 5) == 5                  # a zero limit refuses everything


async def test_idle_keys_are_dropped_and_the_key_count_is_bounded():
    clock = FakeClock()
    limiter = InProcessRateLimiter(max_keys=50, clock=clock)
    for i in range(200):
        await limiter.hit(f"ip{i}", 5, 60)
    assert len(limiter) == 50
    clock.t += 61
    await limiter.hit("fresh", 5, 60)
    assert len(limiter) == 1                                 # everything idle past its window is gone


def test_make_rate_limiter_without_redis_is_in_process():
    assert isinstance(make_rate_limiter(None), InProcessRateLimiter)


class _Unreachable:
    def __init__(self):
        self.down = True

    async def hit(self, key, limit, window):
        if self.down:
            from redis.exceptions import ConnectionError as RedisConnectionError
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")
        return 7.0


async def test_while_redis_is_away_the_limits_hold_per_node_and_come_back_shared():
    from redis.exceptions import ConnectionError as RedisConnectionError

    from csms.services.ratelimit import DegradingRateLimiter, InProcessRateLimiter
    shared = _Unreachable()
    limiter = DegradingRateLimiter(shared, InProcessRateLimiter(), (OSError, RedisConnectionError))
    assert [await limiter.hit("k", 2, 60) for _ in range(3)][:2] == [None, None]
    assert await limiter.hit("k", 2, 60) > 0                  # the node's own count still limits
    shared.down = False
    assert await limiter.hit("k", 2, 60) == 7.0               # Redis answers again: its verdict
