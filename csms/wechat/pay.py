"""WeChat Pay v3 client (JSAPI / mini-program payments, refunds, notifications, trade bill).

Requests go through the ``wechatpayv3`` package's async client (httpx): it signs every request with
the merchant key and verifies the signature of every 2xx answer with the platform certificate (loaded
from ``platform_cert_dir``, downloaded from /v3/certificates when that holds none). The package
hard-codes its gateway, so :meth:`WechatPayClient.start` sets ``_core._gate_way`` to ``pay_base``
(the only private attribute we touch besides reading ``_core._certificates`` for notifications).
Notifications are verified here (signature *and* timestamp window), not by the package, which
does not check the timestamp."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
from wechatpayv3 import WeChatPayType
from wechatpayv3.async_ import AsyncWeChatPay
from wechatpayv3.async_.type import RequestType

from csms.wechat import signing
from csms.wechat.bill import decompress_bill, parse_trade_bill, sha1_hex
from csms.wechat.errors import (
    BadNotification,
    BadSignature,
    BillHashMismatch,
    WechatPayError,
    WechatPayUnavailable,
)

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
CERT_REFRESH_INTERVAL = 60.0     # seconds between two downloads of /v3/certificates


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted WeChat Pay notification. ``id`` is WeChat's notification id: the caller
    stores it to ignore a redelivery."""
    id: str
    event_type: str              # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    resource_type: str
    summary: str
    create_time: str
    resource: dict[str, Any]     # the decrypted resource (a transaction or a refund)


def wechat_time(moment: datetime) -> str:
    """RFC 3339 in China time, as WeChat writes it: ``2024-01-02T10:00:00+08:00``."""
    if moment.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


class WechatPayClient:
    """Async WeChat Pay v3 client of one merchant. Call :meth:`start` before use and :meth:`close` after."""

    def __init__(self, *, appid: str, mchid: str, serial_no: str, private_key_pem: str, apiv3_key: str,
                 pay_base: str, platform_cert_dir: str, notify_url: str = "", refund_notify_url: str = "",
                 timeout: float = 10.0):
        self.appid = appid
        self.mchid = mchid
        self.pay_base = pay_base.rstrip("/")
        self.notify_url = notify_url
        self.refund_notify_url = refund_notify_url
        self._apiv3_key = apiv3_key
        self._key = signing.load_private_key(private_key_pem)
        self._wxpay = AsyncWeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG, mchid=mchid, private_key=private_key_pem,
            cert_serial_no=serial_no, appid=appid, apiv3_key=apiv3_key,
            cert_dir=platform_cert_dir or None, timeout=(timeout, timeout),
        )
        self._wxpay._core._gate_way = self.pay_base
        self._started = False
        self._certs_refreshed = -CERT_REFRESH_INTERVAL

    async def start(self) -> None:
        """Open the HTTP client and load the platform certificates (raises if there is none)."""
        try:
            await self._wxpay.__aenter__()
        except httpx.HTTPError as exc:
            raise WechatPayUnavailable(0, "UNREACHABLE", f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - the package raises bare Exception when no certificate loads
            raise WechatPayError(0, "NO_PLATFORM_CERTIFICATE", str(exc)) from None
        self._started = True

    async def close(self) -> None:
        if self._started:
            self._started = False
            await self._wxpay.__aexit__(None, None, None)

    # --- plumbing --------------------------------------------------------------------------------

    async def _request(self, path: str, method: RequestType = RequestType.GET, data: dict | None = None,
                       skip_verify: bool = False) -> tuple[int, Any]:
        try:
            status, body = await self._wxpay._core.request(path, method=method, data=data, skip_verify=skip_verify)
        except httpx.HTTPError as exc:
            raise WechatPayUnavailable(0, "UNREACHABLE", f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:
            if "verify the signature" in str(exc):
                raise BadSignature(f"{path}: the answer's Wechatpay-Signature does not verify") from None
            raise
        if 200 <= status < 300:
            return status, body
        try:
            err = json.loads(body) if body else {}
        except (ValueError, TypeError):
            err = {}
        code, message = str(err.get("code") or f"HTTP_{status}"), str(err.get("message") or "")
        cls = WechatPayUnavailable if status >= 500 else WechatPayError
        raise cls(status, code, message)

    async def _json(self, path: str, method: RequestType = RequestType.GET, data: dict | None = None) -> dict:
        _, body = await self._request(path, method, data)
        try:
            return json.loads(body) if body else {}
        except (ValueError, TypeError):
            raise WechatPayUnavailable(0, "BAD_ANSWER", f"{path}: answer is not JSON") from None

    # --- payments --------------------------------------------------------------------------------

    async def jsapi_prepay(self, out_trade_no: str, amount_fen: int, description: str, openid: str,
                           time_expire: datetime, attach: str | None = None) -> str:
        """Place a JSAPI (mini-program) order; returns its ``prepay_id`` (valid 2 hours)."""
        if not self.notify_url:
            raise ValueError("WechatPayClient.notify_url is not set")
        body: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "description": description,
            "out_trade_no": out_trade_no, "time_expire": wechat_time(time_expire),
            "notify_url": self.notify_url, "amount": {"total": int(amount_fen), "currency": "CNY"},
            "payer": {"openid": openid},
        }
        if attach:
            body["attach"] = attach
        data = await self._json("/v3/pay/transactions/jsapi", RequestType.POST, body)
        if not data.get("prepay_id"):
            raise WechatPayUnavailable(0, "BAD_ANSWER", "no prepay_id in the answer")
        return data["prepay_id"]

    def pay_params(self, prepay_id: str) -> dict[str, str]:
        """What ``wx.requestPayment`` takes: ``{appId, timeStamp, nonceStr, package, signType, paySign}``."""
        timestamp, nonce = str(int(time.time())), signing.nonce_str()
        package = f"prepay_id={prepay_id}"
        return {
            "appId": self.appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
            "signType": "RSA", "paySign": signing.pay_sign(self._key, self.appid, timestamp, nonce, package),
        }

    async def query(self, out_trade_no: str) -> dict[str, Any]:
        """The order as WeChat sees it: ``trade_state`` SUCCESS|NOTPAY|CLOSED|REFUND|PAYERROR|USERPAYING,
        ``transaction_id``, ``amount{total, payer_total}``, ``success_time``, ... (404 ORDER_NOT_EXIST raises)."""
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={self.mchid}"
        return await self._json(path)

    async def close_order(self, out_trade_no: str) -> None:
        """Close an unpaid order (WeChat answers 204)."""
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close"
        await self._request(path, RequestType.POST, {"mchid": self.mchid})

    # --- refunds ---------------------------------------------------------------------------------

    async def refund(self, out_refund_no: str, out_trade_no: str, refund_fen: int, total_fen: int,
                     reason: str | None = None, notify_url: str | None = None) -> dict[str, Any]:
        """Ask for a refund: ``{refund_id, status: PROCESSING|SUCCESS|ABNORMAL|CLOSED, amount, ...}``.
        The same ``out_refund_no`` again returns the same refund."""
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
            "amount": {"refund": int(refund_fen), "total": int(total_fen), "currency": "CNY"},
        }
        if reason:
            body["reason"] = reason[:80]
        url = notify_url or self.refund_notify_url
        if url:
            body["notify_url"] = url
        return await self._json("/v3/refund/domestic/refunds", RequestType.POST, body)

    async def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        return await self._json(f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}")

    # --- notifications ---------------------------------------------------------------------------

    def _platform_keys(self) -> dict[str, Any]:
        return {signing.serial_hex(c): c.public_key() for c in self._wxpay._core._certificates}

    async def _refresh_certificates(self) -> dict[str, Any] | None:
        """Download the platform certificates again (WeChat rotated them), at most once a minute so a
        forged serial cannot make us hammer WeChat; the old ones stay if the download brings none."""
        now = time.monotonic()
        if not self._started or now - self._certs_refreshed < CERT_REFRESH_INTERVAL:
            return None
        self._certs_refreshed = now
        core = self._wxpay._core
        previous = list(core._certificates)
        try:
            await core._update_certificates()
        except Exception as exc:  # noqa: BLE001 - network or a bad answer: keep what we had
            log.warning("WeChat Pay platform certificates not refreshed: %s", exc)
        if not core._certificates:
            core._certificates.extend(previous)
        return self._platform_keys()

    async def parse_notification(self, headers: Mapping[str, str], body: bytes | str, now: datetime,
                                 window: int = signing.NOTIFICATION_WINDOW) -> Notification:
        """Verify (signature with the platform certificate named by Wechatpay-Serial, timestamp within
        ``window`` s of ``now``) and decrypt a notification. Raises BadSignature, StaleNotification or
        BadNotification; replays (same ``id``) are the caller's to refuse."""
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
        serial = {k.lower(): v for k, v in headers.items()}.get("wechatpay-serial", "")
        keys = self._platform_keys()
        if serial and (serial.upper().lstrip("0") or "0") not in keys:
            keys = await self._refresh_certificates() or keys
        signing.verify_wechatpay(headers, text, keys, now=now, window=window)
        try:
            data = json.loads(text)
            resource = data["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise BadNotification(f"unsupported algorithm {resource.get('algorithm')!r}")
            plain = signing.aes_gcm_decrypt(self._apiv3_key, resource["nonce"],
                                            resource.get("associated_data", ""), resource["ciphertext"])
            decrypted = json.loads(plain)
            return Notification(id=str(data["id"]), event_type=str(data["event_type"]),
                                resource_type=str(data.get("resource_type", "")),
                                summary=str(data.get("summary", "")), create_time=str(data.get("create_time", "")),
                                resource=decrypted)
        except BadNotification:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadNotification(f"not a WeChat Pay notification: {type(exc).__name__}") from None

    # --- bill ------------------------------------------------------------------------------------

    async def trade_bill(self, bill_date: date) -> list[dict[str, Any]]:
        """The day's trade bill rows (Beijing date), parsed (see csms/wechat/bill.py); [] when WeChat
        has no bill for that day (NO_STATEMENT_EXIST). The file's SHA1 is checked against hash_value."""
        try:
            info = await self._json(f"/v3/bill/tradebill?bill_date={bill_date.isoformat()}&bill_type=ALL&tar_type=GZIP")
        except WechatPayError as exc:
            if exc.code == "NO_STATEMENT_EXIST":
                return []
            raise
        url = str(info.get("download_url") or "")
        if not url.startswith(self.pay_base + "/"):
            raise WechatPayUnavailable(0, "BAD_ANSWER", f"unexpected download_url {url!r}")
        _, raw = await self._request(url[len(self.pay_base):], skip_verify=True)   # the file is not signed
        raw = raw.encode() if isinstance(raw, str) else raw
        try:
            plain = decompress_bill(raw)
            text = plain.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            raise BillHashMismatch(f"the bill file does not decode: {exc}") from None
        sha1 = str(info.get("hash_type", "SHA1")).upper() == "SHA1"
        if sha1 and sha1_hex(plain) != str(info.get("hash_value", "")).lower():
            raise BillHashMismatch("the bill's SHA1 is not the announced hash_value")
        bill = await asyncio.to_thread(parse_trade_bill, text)
        return bill.rows
