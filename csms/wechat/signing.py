"""WeChat Pay v3 cryptography, exactly as WeChat specifies it (pure functions, no I/O).

- Request signature (merchant key): SHA256withRSA over ``METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``,
  sent as ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",
  timestamp="..",serial_no=".."``.
- Response / notification signature: SHA256withRSA over ``TIMESTAMP\\nNONCE\\nBODY\\n``, sent as the headers
  Wechatpay-Timestamp, -Nonce, -Signature, -Serial. WeChat signs with one of two keys, and -Serial names it:
  a platform certificate (its serial, upper-case hex) or the WeChat Pay public key (微信支付公钥, its id
  ``PUB_KEY_ID_...``). While a merchant moves from certificates to the public key both are in use, so
  the key is chosen by the serial each answer or notification carries.
- Encrypted resources: AEAD_AES_256_GCM with the 32-byte APIv3 key, ``nonce`` (12 chars) and
  ``associated_data`` as UTF-8, base64 ciphertext with the 16-byte tag appended.
- JSAPI / mini-program paySign: SHA256withRSA over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import time
from collections.abc import Mapping
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csms.wechat.errors import BadNotification, BadSignature, StaleNotification

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"
NOTIFICATION_WINDOW = 300  # seconds, WeChat's own recommendation
_ALPHABET = string.ascii_uppercase + string.digits


def nonce_str(length: int = 32) -> str:
    """A random nonce of upper-case letters and digits (what WeChat's SDKs send)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def load_private_key(pem: str | bytes, check: bool = True) -> rsa.RSAPrivateKey:
    """``check=False`` skips the (30 ms) RSA consistency check: only for keys we generated ourselves."""
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=not check)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("not an RSA private key")
    return key


def load_certificate(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """The WeChat Pay public key (``pub_key.pem`` from the merchant platform)."""
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("not an RSA public key")
    return key


def is_public_key_id(serial: str) -> bool:
    return serial.strip().startswith(PUBLIC_KEY_ID_PREFIX)


def key_name(serial: str) -> str:
    """How a Wechatpay-Serial names a verification key: a public key id as it is, a certificate
    serial as upper-case hex without leading zeros (WeChat and certificates disagree on both)."""
    serial = serial.strip()
    if is_public_key_id(serial):
        return serial
    return serial.upper().lstrip("0") or "0"


def verification_keys(certificates, public_key_id: str = "",
                      public_key: rsa.RSAPublicKey | None = None) -> dict[str, rsa.RSAPublicKey]:
    """``{key_name: public key}`` of the platform certificates and the WeChat Pay public key (either may be absent)."""
    keys = {key_name(serial_hex(cert)): cert.public_key() for cert in certificates}
    if public_key_id and public_key is not None:
        keys[key_name(public_key_id)] = public_key
    return keys


def serial_hex(cert: x509.Certificate) -> str:
    """A certificate's serial number as WeChat writes it (upper-case hex, no leading zeros)."""
    return format(cert.serial_number, "X")


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5) of ``message``, base64."""
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_key: rsa.RSAPublicKey, message: str, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- requests (merchant -> WeChat Pay) ---------------------------------------------------------

def request_message(method: str, path_with_query: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method.upper()}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n"


def authorization(mchid: str, serial_no: str, key: rsa.RSAPrivateKey, method: str, path_with_query: str,
                  body: str = "", timestamp: str | None = None, nonce: str | None = None) -> str:
    """The ``Authorization`` header value of a v3 request."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or nonce_str()
    signature = rsa_sign(key, request_message(method, path_with_query, timestamp, nonce, body))
    return (f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{serial_no}"')


_AUTH_PAIR = re.compile(r'(\w+)="([^"]*)"')


def parse_authorization(header: str) -> dict[str, str] | None:
    """``{mchid, nonce_str, signature, timestamp, serial_no}`` of an Authorization header, or None
    when it is not a WECHATPAY2-SHA256-RSA2048 one with all five fields."""
    schema, _, rest = header.strip().partition(" ")
    if schema != SCHEMA:
        return None
    fields = dict(_AUTH_PAIR.findall(rest))
    if not all(fields.get(k) for k in ("mchid", "nonce_str", "signature", "timestamp", "serial_no")):
        return None
    return fields


# --- responses and notifications (WeChat Pay -> merchant) --------------------------------------

def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def signed_headers(key: rsa.RSAPrivateKey, serial_no: str, body: str,
                   timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """The Wechatpay-* headers WeChat Pay puts on a response or a notification (what the emulator sends)."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or nonce_str()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial_no,
        "Wechatpay-Signature": rsa_sign(key, response_message(timestamp, nonce, body)),
        "Wechatpay-Signature-Type": SCHEMA,
    }


def verify_wechatpay(headers: Mapping[str, str], body: str, public_keys: Mapping[str, rsa.RSAPublicKey],
                     now: datetime | None = None, window: int = NOTIFICATION_WINDOW) -> None:
    """Check the Wechatpay-* headers of a response or notification.

    ``public_keys`` maps :func:`key_name` of a platform certificate serial or of the WeChat Pay public key
    id to the key (:func:`verification_keys`). With ``now``,
    a timestamp more than ``window`` seconds away raises :class:`StaleNotification`; a missing header, an
    unknown serial or a signature that does not verify raises :class:`BadSignature`."""
    h = {k.lower(): v for k, v in headers.items()}
    timestamp, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
    signature, serial = h.get("wechatpay-signature", ""), h.get("wechatpay-serial", "")
    if not (timestamp and nonce and signature and serial):
        raise BadSignature("missing Wechatpay-* signature headers")
    sig_type = h.get("wechatpay-signature-type")
    if sig_type and sig_type != SCHEMA:
        raise BadSignature(f"unsupported signature type {sig_type}")
    if now is not None:
        try:
            ts = int(timestamp)
        except ValueError:
            raise BadSignature("Wechatpay-Timestamp is not a number") from None
        if abs(now.timestamp() - ts) > window:
            raise StaleNotification(f"Wechatpay-Timestamp {ts} is more than {window} s from now")
    key = public_keys.get(key_name(serial))
    if key is None:
        what = "WeChat Pay public key id" if is_public_key_id(serial) else "platform certificate serial"
        raise BadSignature(f"unknown {what} {serial}")
    if not rsa_verify(key, response_message(timestamp, nonce, body), signature):
        raise BadSignature("Wechatpay-Signature does not verify")


# --- AEAD_AES_256_GCM ---------------------------------------------------------------------------

def aes_gcm_encrypt(apiv3_key: str, nonce: str, associated_data: str, plaintext: bytes) -> str:
    return base64.b64encode(
        AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext, associated_data.encode())
    ).decode()


def aes_gcm_decrypt(apiv3_key: str, nonce: str, associated_data: str, ciphertext_b64: str) -> bytes:
    """Decrypt a WeChat Pay ``resource``; raises :class:`BadNotification` when it does not authenticate."""
    try:
        data = base64.b64decode(ciphertext_b64, validate=True)
        return AESGCM(apiv3_key.encode()).decrypt(nonce.encode(), data, (associated_data or "").encode())
    except (InvalidTag, ValueError, TypeError) as exc:
        raise BadNotification(f"resource does not decrypt: {type(exc).__name__}") from None


# --- mini-program payment ------------------------------------------------------------------------

def pay_sign(key: rsa.RSAPrivateKey, appid: str, timestamp: str, nonce: str, package: str) -> str:
    """``paySign`` for ``wx.requestPayment`` (signType RSA)."""
    return rsa_sign(key, f"{appid}\n{timestamp}\n{nonce}\n{package}\n")
