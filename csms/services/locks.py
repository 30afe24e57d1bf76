"""One asyncio lock per key (a driver, a connector), dropped when nobody holds or waits for it."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Locks(Protocol):
    """``hold(key)``: an async context manager; one holder per key at a time."""
    def hold(self, key: str) -> AbstractAsyncContextManager: ...


class KeyedLocks:
    def __init__(self):
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str):
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
