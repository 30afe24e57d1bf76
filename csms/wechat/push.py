"""WeChat's message push (消息推送) to the mini-program's server, e.g. the verdict of an asynchronous
image check (``wxa_media_check``), in JSON, exactly as WeChat sends it.

- Configured in the mini-program console (开发 -> 开发管理 -> 消息推送): URL, Token, EncodingAESKey,
  encryption mode (明文 plain, 兼容 compatible, 安全 safe) and data format (JSON here).
- Every request carries ``signature = SHA1(sort(token, timestamp, nonce))`` in the query. The URL
  check is a GET that must answer ``echostr`` as it came.
- Safe mode: the query adds ``encrypt_type=aes`` and ``msg_signature = SHA1(sort(token, timestamp,
  nonce, Encrypt))``; the body is ``{"ToUserName", "Encrypt"}``. ``Encrypt`` is base64 AES-256-CBC
  with key = base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 padding to 32 bytes, over
  ``16 random bytes + message length (4 bytes, big-endian) + message + appid``.
- Answer ``success`` (or an empty body) quickly: WeChat retries three times otherwise."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import time
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from csms.wechat.errors import BadNotification, BadSignature

BLOCK = 32                     # WeChat pads to 32 bytes (its PKCS7Encoder), not AES's 16


def signature(token: str, timestamp: str, nonce: str, *more: str) -> str:
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, *more))).encode("utf-8", "surrogatepass")).hexdigest()


def _same(expected: str, given: str) -> bool:
    """Constant-time, and for any text: compare_digest refuses str with non-ASCII characters (a 500)."""
    return secrets.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def _key(aes_key: str) -> bytes:
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError("an EncodingAESKey is 43 base64 characters (32 bytes)")
    return key


def valid_aes_key(aes_key: str) -> bool:
    try:
        _key(aes_key)
    except ValueError:
        return False
    return len(aes_key) == 43


def new_aes_key() -> str:
    """A random EncodingAESKey (what the console's 随机生成 gives)."""
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def encrypt(aes_key: str, appid: str, message: bytes) -> str:
    key = _key(aes_key)
    plain = secrets.token_bytes(16) + struct.pack(">I", len(message)) + message + appid.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(aes_key: str, appid: str, encrypted: str) -> bytes:
    """The message inside ``Encrypt``; :class:`BadNotification` when it does not decrypt or names
    another appid."""
    key = _key(aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
    except ValueError as exc:
        raise BadNotification(f"Encrypt does not decrypt: {exc}") from None
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
        raise BadNotification("Encrypt does not decrypt: bad padding")
    body = plain[16:-pad]
    (length,) = struct.unpack(">I", body[:4])
    message, from_appid = body[4:4 + length], body[4 + length:]
    if len(message) != length or from_appid.decode(errors="replace") != appid:
        raise BadNotification("Encrypt is not a message for this mini-program")
    return message


def seal(token: str, appid: str, aes_key: str, to_user: str, message: Mapping[str, Any], safe: bool,
         openid: str = "") -> tuple[dict[str, str], bytes]:
    """(query, body) of a push as WeChat sends it (the emulator's side)."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    query = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if openid:
        query["openid"] = openid
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    if not safe:
        return query, text
    sealed = encrypt(aes_key, appid, text)
    query.update(encrypt_type="aes", msg_signature=signature(token, timestamp, nonce, sealed))
    return query, json.dumps({"ToUserName": to_user, "Encrypt": sealed}).encode()


class PushReceiver:
    """Checks and opens WeChat's pushes to this mini-program's server. ``aes_key`` empty: plain mode
    only (an encrypted push is refused: it cannot be read)."""

    def __init__(self, token: str, appid: str, aes_key: str = ""):
        if not token:
            raise ValueError("the message push needs its Token")
        self.appid = appid
        self._token = token
        self._aes_key = aes_key

    def _check(self, query: Mapping[str, str]) -> tuple[str, str]:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        given = query.get("signature", "")
        if not (timestamp and nonce and given) or not _same(signature(self._token, timestamp, nonce), given):
            raise BadSignature("the push's signature does not verify with the Token")
        return timestamp, nonce

    def echo(self, query: Mapping[str, str]) -> str:
        """The URL check (GET): ``echostr`` when the signature verifies."""
        self._check(query)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The verified (and, in safe mode, decrypted) message."""
        timestamp, nonce = self._check(query)
        try:
            data = json.loads(body)
        except ValueError:
            raise BadNotification("the push is not JSON") from None
        if not isinstance(data, dict):
            raise BadNotification("the push is not a JSON object")
        if query.get("encrypt_type", "raw") == "aes":
            sealed = data.get("Encrypt")
            if not isinstance(sealed, str) or not self._aes_key:
                raise BadNotification("an encrypted push without Encrypt, or no EncodingAESKey configured")
            if not _same(signature(self._token, timestamp, nonce, sealed), query.get("msg_signature", "")):
                raise BadSignature("the push's msg_signature does not verify")
            try:
                data = json.loads(decrypt(self._aes_key, self.appid, sealed))
            except ValueError:
                raise BadNotification("the decrypted push is not JSON") from None
            if not isinstance(data, dict):
                raise BadNotification("the decrypted push is not a JSON object")
        return data
