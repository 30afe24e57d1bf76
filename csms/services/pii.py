"""Personal data at rest (drivers' phone numbers): AES-256-GCM tokens, a keyed hash for equality
lookups without decrypting, and masking for display. One 32-byte master key (``driver.pii_key``,
or generated once into DATA_DIR/pii_key: csms/keys.py); the encryption and lookup keys are derived from
it (HKDF)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"csms-pii:" + purpose).derive(key)


class PiiCipher:
    """``encrypt(text)`` -> ``"v1:" + base64url(nonce || ciphertext || tag)`` (no padding); a phone
    number gives 55 characters. ``decrypt`` raises ValueError on a token it cannot open."""

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise ValueError(f"PII key must be {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(_derive(key, b"enc-v1"))
        self._lookup_key = _derive(key, b"lookup-v1")

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), VERSION.encode())
        return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def decrypt(self, token: str) -> str:
        version, _, payload = token.partition(":")
        if version != VERSION or not payload:
            raise ValueError("not a PII token of this system")
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("PII token is not valid base64") from None
        if len(raw) < NONCE_BYTES + 16:
            raise ValueError("PII token is too short")
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], VERSION.encode())
        except InvalidTag:
            raise ValueError("PII token does not open with this key (wrong key or altered)") from None
        return plain.decode("utf-8")

    def lookup_hash(self, text: str) -> str:
        """HMAC-SHA256 hex (64 characters): equal texts give equal hashes, without the key nothing."""
        return hmac.new(self._lookup_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


_SEPARATORS = re.compile(r"[\s\-().]")


def mask_phone(phone: str | None) -> str | None:
    """``"13800138000"`` -> ``"138****8000"``. A +86/0086 prefix is dropped (mainland numbers are
    shown bare); another ``+`` number keeps its ``+``. Shorter numbers show at most their last two
    digits. At most 12 characters."""
    if not phone:
        return None
    digits = _SEPARATORS.sub("", phone.strip())
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if plus and digits.startswith("86"):
        digits, plus = digits[2:], False
    elif not plus and digits.startswith("0086"):
        digits = digits[4:]
    elif not plus and len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not digits:
        return None
    n = len(digits)
    if n >= 8:
        masked = digits[:3] + "****" + digits[-4:]
    elif n >= 4:
        masked = "*" * (n - 2) + digits[-2:]
    else:
        masked = "*" * n
    return ("+" if plus else "") + masked
