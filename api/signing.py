"""Request signatures (docs/contract.md, "Request signatures") and the 429 of rate limits.

The caller's ``sign_key`` is derived from the token's ``jti``: ``sign_key_for(jwt_secret, jti)``,
returned by every login and refresh. The HMAC key is the sign_key *string* (its 64 ASCII hex
characters, as the client holds it). The signed message is
``METHOD \\n PATH_WITH_QUERY \\n X-Timestamp \\n X-Nonce \\n hex(SHA-256(body))``, the path and
query exactly as sent on the request line (percent-encoded)."""

from __future__ import annotations

import hashlib
import hmac
import math
import re

from aiohttp import web

from api.errors import ApiError
from csms.services.nonces import NonceStore

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TIMESTAMP = re.compile(r"\d{1,12}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def sign_key_for(secret: str, jti: str) -> str:
    """Hex HMAC-SHA256(secret, "sign:" + jti): one key per issued token, nothing stored."""
    return hmac.new(secret.encode(), ("sign:" + jti).encode(), hashlib.sha256).hexdigest()


def signing_message(method: str, path_qs: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path_qs, str(timestamp), nonce, hashlib.sha256(body).hexdigest())).encode()


def signature(sign_key: str, method: str, path_qs: str, timestamp: str | int, nonce: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 over the contract's message, keyed with the sign_key string."""
    return hmac.new(sign_key.encode(), signing_message(method, path_qs, str(timestamp), nonce, body),
                    hashlib.sha256).hexdigest()


def signed_headers(sign_key: str, method: str, path_qs: str, body: bytes, *, timestamp: int, nonce: str) -> dict:
    """The three headers a client sends (tests and the simulator use it)."""
    return {"X-Timestamp": str(timestamp), "X-Nonce": nonce,
            "X-Signature": signature(sign_key, method, path_qs, timestamp, nonce, body)}


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


async def verify_request(request: web.Request, body: bytes, claims: dict, *, secret: str, window: int,
                         nonces: NonceStore, now: float, required: bool) -> None:
    """Raise ApiError unless the request is correctly signed (or unsigned and ``required`` is false).

    Order: presence -> timestamp window -> nonce format -> signature -> nonce claim, so an unsigned
    or forged request never uses up a nonce. ``now`` is Unix seconds (the server clock)."""
    headers = request.headers
    sig = headers.get("X-Signature", "").strip()
    if not sig:
        if required:
            raise _unauthorized("signature_required", "this operation must be signed: send X-Timestamp, "
                                                      "X-Nonce and X-Signature")
        return
    timestamp, nonce = headers.get("X-Timestamp", "").strip(), headers.get("X-Nonce", "").strip()
    missing = [name for name, value in (("X-Timestamp", timestamp), ("X-Nonce", nonce)) if not value]
    if missing:
        raise _unauthorized("signature_required", f"a signed request needs {' and '.join(missing)}")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _unauthorized("bad_signature", "X-Timestamp must be Unix seconds (digits)")
    if abs(now - int(timestamp)) > window:
        raise _unauthorized("signature_expired",
                            f"X-Timestamp is more than {window} s away from the server clock ({int(now)})")
    if not _NONCE.fullmatch(nonce):
        raise _unauthorized("bad_signature", "X-Nonce must be 16-64 characters of [A-Za-z0-9_-]")
    jti = claims.get("jti")
    if not jti:
        raise _unauthorized("bad_signature", "this access token cannot sign requests; log in again")
    if not _HEX64.fullmatch(sig):
        raise _unauthorized("bad_signature", "X-Signature must be 64 hex characters")
    expected = signature(sign_key_for(secret, str(jti)), request.method, request.raw_path, timestamp, nonce, body)
    if not hmac.compare_digest(expected, sig.lower()):
        raise _unauthorized("bad_signature", "X-Signature does not match the request")
    scope = f"{claims.get('kind', 'operator')}:{claims.get('sub', '')}:{nonce}"
    if not await nonces.claim(scope, 2 * window):
        raise ApiError(409, "replayed_request", "this X-Nonce was already used; sign each request with a new one")


def rate_limited(retry_after: float) -> ApiError:
    """429 ``rate_limited``. ``retry_after`` (whole seconds, rounded up) is in the body, and in
    ``exc.headers["Retry-After"]`` for the error middleware to copy onto the response."""
    seconds = max(1, math.ceil(retry_after))
    exc = ApiError(429, "rate_limited", f"too many requests; retry in {seconds} s", retry_after=seconds)
    exc.headers = {"Retry-After": str(seconds)}
    return exc
