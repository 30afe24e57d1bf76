"""Charge point (station) Basic-auth passwords: stored as a salted HMAC-SHA256 keyed with a server
pepper that never lies in the database, verified in microseconds on the event loop, so a reconnect
storm after a restart costs no Argon2 run per handshake. docs/security.md argues the choice.

Station passwords are machine-generated secrets (OCPP: 16-40 characters; rotate-password makes 32
random ones): guessing one is out of reach whatever the hash costs, so the slow hash buys nothing and
costs the storm. A shorter password (a person may have typed it through the API) is still hashed with
Argon2id. Argon2 hashes stored before are verified once more with Argon2 and replaced by the keyed
hash at the next successful login (``Verdict.rehash``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from csms.services.passwords import VerifiedCache, hash_password

SCHEME = "hmac-sha256"
MIN_FAST = 16          # shorter passwords may be human-chosen: those keep Argon2id
PEPPER_BYTES = 32
_SALT_BYTES = 16


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rehash: str | None = None     # store this instead of the old (Argon2) hash: the next login is fast


class StationPasswords:
    def __init__(self, pepper: bytes):
        if len(pepper) < PEPPER_BYTES:
            raise ValueError(f"the station password pepper must be at least {PEPPER_BYTES} bytes")
        self._pepper = pepper
        self._slow = VerifiedCache()        # Argon2 hashes of before (and short passwords)

    def _digest(self, salt: bytes, password: str) -> bytes:
        return hmac.new(self._pepper, salt + password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def hash_fast(self, password: str) -> str:
        salt = os.urandom(_SALT_BYTES)
        return "$".join((SCHEME, _b64(salt), _b64(self._digest(salt, password))))

    async def hash(self, password: str) -> str:
        if len(password) >= MIN_FAST:
            return self.hash_fast(password)
        return await hash_password(password)

    async def verify(self, cp_id: str, stored: str, password: str) -> Verdict:
        if stored.startswith(SCHEME + "$"):
            try:
                _, salt, digest = stored.split("$")
                expected = base64.b64decode(digest + "=" * (-len(digest) % 4))
                salt_bytes = base64.b64decode(salt + "=" * (-len(salt) % 4))
            except ValueError:
                return Verdict(False)
            return Verdict(hmac.compare_digest(self._digest(salt_bytes, password), expected))
        if not await self._slow.verify(cp_id, stored, password):
            return Verdict(False)
        return Verdict(True, self.hash_fast(password) if len(password) >= MIN_FAST else None)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")
