"""Nonce store and rate limiter on a real Redis: atomic across connections (as across nodes)."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from csms.services.nonces import RedisNonceStore, make_nonce_store
from csms.services.ratelimit import RedisRateLimiter, make_rate_limiter


def unique(name: str) -> str:
    return f"test-{uuid.uuid4().hex}:{name}"


async def test_nonce_is_claimed_once_across_nodes_and_expires(redis_pair):
    a, b = redis_pair
    node_a, node_b = RedisNonceStore(a), make_nonce_store(b)
    assert isinstance(node_b, RedisNonceStore)
    key = unique("n")
    assert await node_a.claim(key, 0.3) is True
    assert await node_b.claim(key, 0.3) is False
    assert 0 < await a.pttl("csms:nonce:" + key) <= 300
    await asyncio.sleep(0.35)
    assert await node_b.claim(key, 0.3) is True


async def test_concurrent_claims_of_one_nonce_have_one_winner(redis_pair):
    a, b = redis_pair
    stores = [RedisNonceStore(a), RedisNonceStore(b)]
    key = unique("race")
    results = await asyncio.gather(*(stores[i % 2].claim(key, 5) for i in range(20)))
    assert results.count(True) == 1


async def test_rate_limit_across_nodes_with_retry_after(redis_pair):
    a, b = redis_pair
    node_a, node_b = RedisRateLimiter(a), make_rate_limiter(b)
    assert isinstance(node_b.shared, RedisRateLimiter)        # shared across nodes while Redis answers
    key = unique("login")
    assert await node_a.hit(key, 3, 0.6) is None
    assert await node_b.hit(key, 3, 0.6) is None
    assert await node_a.hit(key, 3, 0.6) is None
    wait = await node_b.hit(key, 3, 0.6)
    assert wait is not None and 0 < wait <= 0.6
    assert await node_a.hit(unique("other"), 3, 0.6) is None     # other keys are independent
    await asyncio.sleep(wait + 0.02)
    assert await node_a.hit(key, 3, 0.6) is None
    ttl = await a.pttl("csms:rate:" + key)
    assert 0 < ttl <= 600                                        # idle keys leave Redis by themselves


async def test_concurrent_hits_allow_exactly_the_limit(redis_pair):
    a, b = redis_pair
    nodes = [RedisRateLimiter(a), RedisRateLimiter(b)]
    key = unique("start")
    results = await asyncio.gather(*(nodes[i % 2].hit(key, 5, 60) for i in range(30)))
    assert sum(r is None for r in results) == 5
    assert all(r is None or 59 <= r <= 60 for r in results)


async def test_refused_hits_are_not_counted(redis_pair):
    a, _ = redis_pair
    limiter = RedisRateLimiter(a)
    key = unique("k")
    assert await limiter.hit(key, 1, 0.3) is None
    for _ in range(5):
        assert await limiter.hit(key, 1, 0.3) is not None
    assert await a.zcard("csms:rate:" + key) == 1
    await asyncio.sleep(0.32)
    assert await limiter.hit(key, 1, 0.3) is None
    assert await limiter.hit(key, 0, 5) == 5


async def test_the_start_lock_holds_across_nodes(redis_pair):
    from csms.cluster.locks import RedisKeyedLocks
    a, b = redis_pair
    nodes = [RedisKeyedLocks(a), RedisKeyedLocks(b)]
    key = unique("user:1")
    inside, most = 0, 0

    async def start(node):
        nonlocal inside, most
        async with node.hold(key):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(start(nodes[i % 2]) for i in range(10)))
    assert most == 1                                   # one at a time, whichever node
    assert await a.get("csms:lock:" + key) is None     # released


async def test_the_start_lock_without_redis_is_this_nodes_lock():
    from csms.cluster.locks import RedisKeyedLocks
    away = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    locks = RedisKeyedLocks(away)
    async with locks.hold("k"):
        pass                                            # no error: one node keeps working
    await away.aclose()
