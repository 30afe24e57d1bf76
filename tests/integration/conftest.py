"""Fixtures of the integration tests (real services)."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from tests.support.services import REDIS_URL, need


@pytest.fixture
async def redis_pair():
    """Two independent clients of the same Redis: two CSMS nodes."""
    need(REDIS_URL, "Redis")
    a, b = aioredis.from_url(REDIS_URL), aioredis.from_url(REDIS_URL)
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()
