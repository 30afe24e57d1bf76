"""SMS through a provider: the provider interface, its Aliyun SMS adapter (dysmsapi 2017-05-25
SendSms, signed with csms.notify.aliyun_signing), and the alarm channel's sender on top of it."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp

from csms.domain.alarms import place
from csms.notify import aliyun_signing
from csms.services.notifier import AlarmMessage

ACTION, VERSION = "SendSms", "2017-05-25"
# sent (and so signed) even with the empty body: an HTTP client would add a Content-Type of its own
FORM = "application/x-www-form-urlencoded"
PARAM_LIMIT = 35                # Aliyun caps a template variable's value (35 characters for most)


class SmsError(Exception):
    """The provider refused (``code`` is its own, e.g. isv.BUSINESS_LIMIT_CONTROL) or was not reached."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class SmsProvider(Protocol):
    async def send(self, phone: str, template_code: str, params: dict[str, str]) -> str:
        """Send one templated message; the provider's id of it."""


@dataclass(frozen=True)
class AliyunCredentials:
    access_key_id: str
    access_key_secret: str


class AliyunSms:
    """Aliyun SMS: ``POST {endpoint}/?<parameters>`` with an empty body, V3-signed (RPC style: the
    parameters in the query string). ``endpoint`` is https://dysmsapi.aliyuncs.com, or the emulator."""

    def __init__(self, endpoint: str, credentials: AliyunCredentials, sign_name: str, timeout: float = 10.0,
                 clock=lambda: datetime.now(timezone.utc)):
        self.endpoint = endpoint.rstrip("/")
        self.host = urlsplit(self.endpoint).netloc
        self.credentials = credentials
        self.sign_name = sign_name
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.clock = clock
        self._http: aiohttp.ClientSession | None = None

    async def send(self, phone: str, template_code: str, params: dict[str, str]) -> str:
        query = {"PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template_code,
                 "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":"))}
        headers = aliyun_signing.sign(
            method="POST", host=self.host, action=ACTION, version=VERSION, params=query, body=b"",
            access_key_id=self.credentials.access_key_id, access_key_secret=self.credentials.access_key_secret,
            date=self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"), nonce=secrets.token_hex(16), content_type=FORM)
        headers.pop("host")             # aiohttp sends the same Host (the signed one)
        url = f"{self.endpoint}/?{aliyun_signing.canonical_query(query)}"
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._http.post(url, headers=headers) as resp:
                text = await resp.text()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SmsError("Unreachable", f"{type(exc).__name__}: {exc}") from None
        try:
            answer = json.loads(text)
        except ValueError:
            raise SmsError("BadAnswer", f"HTTP {resp.status}, not JSON") from None
        if answer.get("Code") != "OK":
            raise SmsError(str(answer.get("Code") or f"HTTP{resp.status}"), str(answer.get("Message", "")))
        return str(answer.get("BizId", ""))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


class SmsSender:
    """The alarm channel: the template's variables are the alarm's severity, kind, place and id."""

    def __init__(self, provider: SmsProvider, template_code: str):
        self.provider = provider
        self.template_code = template_code

    async def send(self, address: str, message: AlarmMessage) -> None:
        alarm = message.alarm
        params = {"severity": alarm.severity, "kind": alarm.kind, "place": place(alarm), "event": message.event,
                  "alarm": str(alarm.id)}
        await self.provider.send(address, self.template_code, {k: v[:PARAM_LIMIT] for k, v in params.items()})
