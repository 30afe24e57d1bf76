"""Secrets never reach a log line: passwords, tokens, keys and full phone numbers are masked in the
formatted text, whatever logger wrote it (ours, aiohttp, websockets' DEBUG handshake dumps, SQL echo)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"

_SECRET_KEYS = (r"password|passwd|pwd|secret|jwt_secret|token|access_token|refresh_token|id_token|session_key"
                r"|api_?key|apiv3_key|pii_key|private_key|paysign|sign_key|signature|credential|x-signature")

_PATTERNS: list[tuple[re.Pattern, str]] = [
    # PEM private keys, with real or JSON-escaped newlines
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL),
     "[private key " + MASK + "]"),
    # Authorization headers (HTTP Basic carries the charge point password, base64)
    (re.compile(r"(?i)(authorization[\"'\\]*\s*[:=]\s*[\"'\\]*(?:basic|bearer|wechatpay2-sha256-rsa2048)\s+)"
                r"[^\s\"'\\,]+"), r"\1" + MASK),
    # JSON Web Tokens
    (re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), MASK),
    # key = value / "key": "value" / key=value in URLs, for keys that name a secret
    (re.compile(r"(?i)((?<![\w-])(?:" + _SECRET_KEYS + r")(?![\w-])[\"'\\]*\s*[:=]\s*[\"'\\]*)"
                r"(?!\*\*\*)[^\s\"'\\,&;)}\]]+"), r"\1" + MASK),
    # OCPP frames that set a charge point's password: 1.6 ChangeConfiguration AuthorizationKey,
    # 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword (either key order; a neighbour's value may
    # be masked too: better one mask too many)
    (re.compile(r"((?:AuthorizationKey|BasicAuthPassword).{0,200}?[\"'\\]*(?:value|attributeValue)"
                r"[\"'\\]*\s*:\s*[\"'\\]*)(?!\*\*\*)[^\"'\\]+"), r"\1" + MASK),
    (re.compile(r"(attributeValue[\"'\\]*\s*:\s*[\"'\\]*)(?!\*\*\*)[^\"'\\]+(?=.{0,200}?BasicAuthPassword)"),
     r"\1" + MASK),
    # credentials in URLs: scheme://user:password@host
    (re.compile(r"(//[^/\s:@\"']+:)[^/\s@\"']+@"), r"\1" + MASK + "@"),
    # mainland China mobile numbers: keep the first 3 and last 4 digits
    (re.compile(r"(?<!\d)((?:\+?86)?1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
]


class Redactor:
    """Masks known secret patterns and the literal values given (configured secrets)."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.literals = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for literal in self.literals:
            if literal in text:
                text = text.replace(literal, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


_SECRET_KEY = re.compile(r"(?i)(?:" + _SECRET_KEYS + r")")


def redacted_json(value: Any, redact: Redactor, **dumps: Any) -> str:
    """``value`` as JSON text with its secrets masked, and still JSON. The patterns above read text
    and mask what follows a secret's name up to a quote or a comma: in JSON that is right for a
    string, but a number, null, object or list under such a name (``{"token": 0}``) came out as
    ``{"token": ***}``, which no JSON reader takes back. So, before the patterns run, a value under
    a secret's name is masked whatever its type and a number that reads as a phone number becomes
    text; should a pattern still cut across the JSON syntax, the masked text is kept as one string."""
    text = redact(json.dumps(_premasked(value, redact), **dumps))
    try:
        json.loads(text)
    except ValueError:
        return json.dumps(text, **dumps)
    return text


def _premasked(value: Any, redact: Redactor) -> Any:
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and _SECRET_KEY.fullmatch(k) and not isinstance(v, str)
                else _premasked(v, redact) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_premasked(v, redact) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and redact(str(value)) != str(value):
        return str(value)
    return value
