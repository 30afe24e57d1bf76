"""Password hashing with Argon2id (argon2-cffi). Hashing and verifying cost tens of milliseconds of
CPU on purpose, so they run in the default executor, never on the event loop."""

from __future__ import annotations

import asyncio
import hmac
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_sync(password: str) -> str:
    return _hasher.hash(password)


def verify_sync(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, hash_sync, password)


async def verify_password(stored: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(None, verify_sync, stored, password)


class VerifiedCache:
    """Remembers (stored hash, password) pairs that verified, so a reconnect storm of thousands of
    charge points does not cost thousands of Argon2 runs. Keyed by a keyed digest, never the password."""

    def __init__(self, max_entries: int = 100_000):
        self._key = os.urandom(32)
        self._ok: dict[str, bytes] = {}
        self.max_entries = max_entries

    def _digest(self, stored: str, password: str) -> bytes:
        return hmac.new(self._key, stored.encode() + b"\0" + password.encode(), "sha256").digest()

    async def verify(self, cache_key: str, stored: str, password: str) -> bool:
        digest = self._digest(stored, password)
        known = self._ok.get(cache_key)
        if known is not None and hmac.compare_digest(known, digest):
            return True
        if not await verify_password(stored, password):
            return False
        if len(self._ok) >= self.max_entries:
            self._ok.pop(next(iter(self._ok)))
        self._ok[cache_key] = digest
        return True
