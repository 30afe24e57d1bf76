"""Alarm webhooks: ``POST <url>`` with the alarm as JSON, signed with HMAC-SHA256 (docs/contract.md,
"Alarm webhooks"):

    X-CSMS-Event: alarm.<raised|repeated|acknowledged|resolved>
    X-CSMS-Delivery: <unique id of this message; the same on every retry of it>
    X-CSMS-Timestamp: <Unix seconds>
    X-CSMS-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

A receiver recomputes the signature over the raw body, compares in constant time and refuses a
timestamp more than five minutes off (``verify``). Any answer but 2xx is a failure, retried by the
notifier with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping

import aiohttp

from csms.domain.alarms import as_json
from csms.services.notifier import AlarmMessage

WINDOW = 300


class WebhookRefused(Exception):
    pass


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
    """What a receiver does: the signature holds and the timestamp is recent."""
    timestamp = headers.get("X-CSMS-Timestamp", "")
    if not timestamp.isdigit() or abs((now if now is not None else time.time()) - int(timestamp)) > WINDOW:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode(),
                               headers.get("X-CSMS-Signature", "").encode("utf-8", "surrogatepass"))


class WebhookSender:
    def __init__(self, secret: str, timeout: float = 10.0):
        self.secret = secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def send(self, address: str, message: AlarmMessage) -> None:
        body = json.dumps({"event": f"alarm.{message.event}", "at": message.at.isoformat(),
                           "title": message.title, "alarm": as_json(message.alarm)},
                          ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        delivery = uuid.uuid5(uuid.NAMESPACE_URL, f"{message.alarm.id}/{message.event}/{message.at.isoformat()}/{address}")
        headers = {"Content-Type": "application/json", "User-Agent": "csms-alarms/1",
                   "X-CSMS-Event": f"alarm.{message.event}", "X-CSMS-Delivery": str(delivery),
                   "X-CSMS-Timestamp": timestamp, "X-CSMS-Signature": signature(self.secret, timestamp, body)}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        async with self._http.post(address, data=body, headers=headers) as resp:
            if not 200 <= resp.status < 300:
                raise WebhookRefused(f"HTTP {resp.status}: {(await resp.text())[:200]}")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
