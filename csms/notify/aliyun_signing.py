"""Alibaba Cloud OpenAPI request signature V3 (ACS3-HMAC-SHA256), as Aliyun documents it ("V3版本请求体
&签名机制", help.aliyun.com/document_detail/2593177): used by the SMS client to sign and by the local
emulator to verify, so both build the same canonical request.

    CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n
                       SignedHeaders \\n HexEncode(SHA256(body))
    StringToSign     = "ACS3-HMAC-SHA256" \\n HexEncode(SHA256(CanonicalRequest))
    Signature        = HexEncode(HMAC-SHA256(AccessKeySecret, StringToSign))
    Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<sig>

RPC-style APIs (SendSms) use "/" as the canonical URI; names and values are percent-encoded by RFC 3986
(unreserved A-Z a-z 0-9 - _ . ~ kept, space as %20); signed headers are host, content-type when sent,
and every x-acs-* header, lower-case and sorted. tests/unit/csms/notify/test_aliyun_signing.py checks
the documentation's own example."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$")


def percent(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent(k)}={percent(str(v))}" for k, v in sorted(params.items()))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_request(method: str, uri: str, params: Mapping[str, str], headers: Mapping[str, str],
                      signed: list[str], body_hash: str) -> str:
    lines = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    return "\n".join([method.upper(), uri, canonical_query(params), lines, ";".join(signed), body_hash])


def signature(secret: str, request: str) -> str:
    to_sign = f"{ALGORITHM}\n{sha256_hex(request.encode())}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def signed_names(headers: Mapping[str, str]) -> list[str]:
    return sorted(n for n in headers if n in ("host", "content-type") or n.startswith("x-acs-"))


def sign(*, method: str, host: str, action: str, version: str, params: Mapping[str, str], body: bytes,
         access_key_id: str, access_key_secret: str, date: str, nonce: str,
         content_type: str | None = None) -> dict[str, str]:
    """The headers of a signed request (``host`` included: send it as is). ``date`` is
    ``YYYY-MM-DDThh:mm:ssZ`` (UTC); ``nonce`` is unique per request."""
    body_hash = sha256_hex(body)
    headers = {"host": host, "x-acs-action": action, "x-acs-version": version, "x-acs-date": date,
               "x-acs-signature-nonce": nonce, "x-acs-content-sha256": body_hash}
    if content_type:
        headers["content-type"] = content_type
    names = signed_names(headers)
    sig = signature(access_key_secret, canonical_request(method, "/", params, headers, names, body_hash))
    headers["Authorization"] = f"{ALGORITHM} Credential={access_key_id},SignedHeaders={';'.join(names)},Signature={sig}"
    return headers


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    signed_headers: list[str]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    match = _AUTH.match(value.strip())
    if match is None:
        return None
    return Authorization(match.group(1), match.group(2).split(";"), match.group(3))


def verify(secret: str, auth: Authorization, method: str, params: Mapping[str, str],
           headers: Mapping[str, str], body: bytes) -> str | None:
    """Why the request's signature does not hold, or None when it does (``headers`` lower-case)."""
    needed = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
    present = {n for n in headers if n in ("host", "content-type") or n.startswith("x-acs-")}
    if not needed <= set(auth.signed_headers) or not present <= set(auth.signed_headers):
        return "SignedHeaders must name host, content-type (when sent) and every x-acs-* header"
    if auth.signed_headers != sorted(auth.signed_headers) or any(n not in headers for n in auth.signed_headers):
        return "SignedHeaders must be sorted and name headers that were sent"
    if headers["x-acs-content-sha256"] != sha256_hex(body):
        return "x-acs-content-sha256 is not the SHA-256 of the body"
    expected = signature(secret, canonical_request(method, "/", params, headers, auth.signed_headers,
                                                   headers["x-acs-content-sha256"]))
    if not hmac.compare_digest(expected.encode(), auth.signature.encode("utf-8", "surrogatepass")):
        return "the signature does not match"
    return None
