"""In-process nonce store: first claim wins within the ttl, expiry, bounded memory."""

from __future__ import annotations

from csms.services.nonces import InProcessNonceStore, RedisNonceStore, make_nonce_store


class FakeClock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


async def test_a_key_is_claimed_once_within_its_ttl():
    clock = FakeClock()
    store = InProcessNonceStore(clock=clock)
    assert await store.claim("driver:1:abc", 10) is True
    assert await store.claim("driver:1:abc", 10) is False
    assert await store.claim("driver:2:abc", 10) is True      # another caller's nonce is another key
    clock.t += 9.9
    assert await store.claim("driver:1:abc", 10) is False


async def test_an_expired_key_can_be_claimed_again_and_expired_keys_are_swept():
    clock = FakeClock()
    store = InProcessNonceStore(clock=clock)
    for i in range(100):
        assert await store.claim(f"k{i}", 10)
    clock.t += 10
    assert await store.claim("k5", 10) is True
    assert len(store) == 1                                   # the other 99 were swept on that claim


async def test_a_short_ttl_behind_a_long_one_still_expires_on_lookup():
    clock = FakeClock()
    store = InProcessNonceStore(clock=clock)
    assert await store.claim("long", 100)
    assert await store.claim("short", 1)
    clock.t += 2
    assert await store.claim("short", 1) is True             # not swept yet (behind "long") but expired
    assert await store.claim("long", 100) is False


async def test_memory_is_bounded_by_evicting_the_oldest():
    clock = FakeClock()
    store = InProcessNonceStore(max_entries=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        assert await store.claim(key, 60)
    assert len(store) == 3
    assert store.evicted_live == 1
    assert await store.claim("b", 60) is False
    assert await store.claim("a", 60) is True                 # the oldest was forgotten


def test_make_nonce_store_picks_redis_only_when_given():
    assert isinstance(make_nonce_store(None), InProcessNonceStore)

    class AnyRedis:      # RedisNonceStore only keeps the client; the real one is tested in integration
        pass

    assert isinstance(make_nonce_store(AnyRedis()), RedisNonceStore)
