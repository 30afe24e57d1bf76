"""WeChat Pay v3 client (JSAPI / mini-program payments, refunds, notifications, trade bill).

Requests go through the ``wechatpayv3`` package's async client (httpx): it signs every request with
the merchant key and verifies the signature of every 2xx answer with the key the answer's
Wechatpay-Serial names: a platform certificate (loaded from ``platform_cert_dir``, downloaded from
/v3/certificates when that holds none) or the WeChat Pay public key (``public_key_pem`` with its id
``PUB_KEY_ID_...``; the package then sends that id as Wechatpay-Serial, and WeChat signs its answers
with the public key). Both may be configured while WeChat moves a merchant from certificates to the
public key. The package hard-codes its gateway, so the constructor sets ``_core._gate_way`` to
``pay_base``; we also read ``_core._certificates`` for notifications and call
``_core._init_certificates()`` when both modes are configured (the package loads certificates only
without a public key). Notifications are verified here (signature *and* timestamp window), not by
the package, which does not check the timestamp.

Service-provider (服务商) mode, chosen by ``sub_mchid``: the merchant (``mchid``, whose API key signs)
is the service provider (``sp_mchid``) and the orders are its sub-merchant's, on WeChat's partner
paths (/v3/pay/partner/transactions/...; refunds, refund queries and the bill take ``sub_mchid``)."""

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


@dataclass(frozen=True)
class PayConfig:
    """One merchant's WeChat Pay credentials. Signatures of WeChat Pay are checked with the platform
    certificates in ``platform_cert_dir``, with the WeChat Pay public key (``public_key_pem`` +
    ``public_key_id``), or with either (by the serial each answer carries); at least one is needed."""
    appid: str                       # the mini-program: wx.requestPayment's appId
    mchid: str                       # the merchant whose API key signs; in service-provider mode the sp_mchid
    serial_no: str                   # that merchant API certificate's serial
    private_key_pem: str
    apiv3_key: str
    pay_base: str
    platform_cert_dir: str = ""
    public_key_pem: str = ""
    public_key_id: str = ""          # PUB_KEY_ID_...
    sub_mchid: str = ""              # set: service-provider mode, the sub-merchant the orders are for
    sp_appid: str = ""               # service-provider mode: the service provider's AppID ("" = appid)
    notify_url: str = ""
    refund_notify_url: str = ""
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if bool(self.public_key_pem) != bool(self.public_key_id):
            raise ValueError("the WeChat Pay public key needs both public_key_pem and public_key_id")
        if self.public_key_id and not signing.is_public_key_id(self.public_key_id):
            raise ValueError(f"a WeChat Pay public key id starts with {signing.PUBLIC_KEY_ID_PREFIX}")
        if not (self.platform_cert_dir or self.public_key_pem):
            raise ValueError("WeChat Pay needs platform_cert_dir or the public key to check its signatures")


class WechatPayClient:
    """Async WeChat Pay v3 client of one merchant. Call :meth:`start` before use and :meth:`close` after."""

    def __init__(self, config: PayConfig):
        self.config = config
        self.appid = config.appid
        self.mchid = config.mchid
        self.pay_base = config.pay_base.rstrip("/")
        self.notify_url = config.notify_url
        self.refund_notify_url = config.refund_notify_url
        self._apiv3_key = config.apiv3_key
        self._key = signing.load_private_key(config.private_key_pem)
        self._public_key = signing.load_public_key(config.public_key_pem) if config.public_key_pem else None
        self._wxpay = AsyncWeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG, mchid=config.mchid, private_key=config.private_key_pem,
            cert_serial_no=config.serial_no, appid=config.appid, apiv3_key=config.apiv3_key,
            cert_dir=config.platform_cert_dir or None, timeout=(config.timeout, config.timeout),
            public_key=config.public_key_pem or None, public_key_id=config.public_key_id or None,
            partner_mode=self.partner,
        )
        self._wxpay._core._gate_way = self.pay_base
        self._started = False
        self._certs_refreshed = -CERT_REFRESH_INTERVAL

    @property
    def partner(self) -> bool:
        return bool(self.config.sub_mchid)

    @property
    def uses_certificates(self) -> bool:
        return bool(self.config.platform_cert_dir)

    async def start(self) -> None:
        """Open the HTTP client and load the platform certificates when configured (raises if there is none)."""
        try:
            await self._wxpay.__aenter__()
            if self.uses_certificates and self._public_key is not None:
                await self._wxpay._core._init_certificates()       # the package skips them with a public key
        except httpx.HTTPError as exc:
            await self._wxpay.__aexit__(None, None, None)
            raise WechatPayUnavailable(0, "UNREACHABLE", f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - the package raises bare Exception when no certificate loads
            await self._wxpay.__aexit__(None, None, None)
            raise WechatPayError(0, "NO_PLATFORM_CERTIFICATE", str(exc)) from None
        self._started = True

    async def close(self) -> None:
        if self._started:
            self._started = False
            await self._wxpay.__aexit__(None, None, None)

    # --- plumbing --------------------------------------------------------------------------------

    async def _request(self, path: str, method: RequestType = RequestType.GET, data: dict | None = None,
                       skip_verify: bool = False) -> tuple[int, Any]:
        core = self._wxpay._core
        certificates = list(core._certificates)
        try:
            status, body = await core.request(path, method=method, data=data, skip_verify=skip_verify)
        except httpx.HTTPError as exc:
            raise WechatPayUnavailable(0, "UNREACHABLE", f"{type(exc).__name__}: {exc}") from None
        except ValueError:        # the package reads a serial that is no hex number (a public key id it lacks)
            raise BadSignature(f"{path}: the answer is signed with a key we do not have") from None
        except Exception as exc:
            if "verify the signature" in str(exc):
                raise BadSignature(f"{path}: the answer's Wechatpay-Signature does not verify") from None
            raise
        finally:
            # an answer with an unknown serial makes the package clear its certificates and download
            # them again; when that download brings none, keep the ones we had
            if certificates and not core._certificates:
                core._certificates.extend(certificates)
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
            **self._payer(openid), "description": description,
            "out_trade_no": out_trade_no, "time_expire": wechat_time(time_expire),
            "notify_url": self.notify_url, "amount": {"total": int(amount_fen), "currency": "CNY"},
        }
        if attach:
            body["attach"] = attach
        path = "/v3/pay/partner/transactions/jsapi" if self.partner else "/v3/pay/transactions/jsapi"
        data = await self._json(path, RequestType.POST, body)
        if not data.get("prepay_id"):
            raise WechatPayUnavailable(0, "BAD_ANSWER", "no prepay_id in the answer")
        return data["prepay_id"]

    def _payer(self, openid: str) -> dict[str, Any]:
        """Who pays, and for whom. Partner JSAPI: a mini-program bound to the sub-merchant is its
        ``sub_appid`` and the payer its ``sub_openid``; the service provider's own mini-program is the
        ``sp_appid`` and the payer its ``sp_openid``."""
        if not self.partner:
            return {"appid": self.appid, "mchid": self.mchid, "payer": {"openid": openid}}
        cfg = self.config
        sp_appid = cfg.sp_appid or self.appid
        who: dict[str, Any] = {"sp_appid": sp_appid, "sp_mchid": self.mchid, "sub_mchid": cfg.sub_mchid}
        if sp_appid == self.appid:
            return {**who, "payer": {"sp_openid": openid}}
        return {**who, "sub_appid": self.appid, "payer": {"sub_openid": openid}}

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
        no = quote(out_trade_no, safe='')
        if self.partner:
            query = f"sp_mchid={self.mchid}&sub_mchid={self.config.sub_mchid}"
            return await self._json(f"/v3/pay/partner/transactions/out-trade-no/{no}?{query}")
        return await self._json(f"/v3/pay/transactions/out-trade-no/{no}?mchid={self.mchid}")

    async def close_order(self, out_trade_no: str) -> None:
        """Close an unpaid order (WeChat answers 204)."""
        no = quote(out_trade_no, safe='')
        if self.partner:
            await self._request(f"/v3/pay/partner/transactions/out-trade-no/{no}/close", RequestType.POST,
                                {"sp_mchid": self.mchid, "sub_mchid": self.config.sub_mchid})
        else:
            await self._request(f"/v3/pay/transactions/out-trade-no/{no}/close", RequestType.POST,
                                {"mchid": self.mchid})

    # --- refunds ---------------------------------------------------------------------------------

    async def refund(self, out_refund_no: str, out_trade_no: str, refund_fen: int, total_fen: int,
                     reason: str | None = None, notify_url: str | None = None) -> dict[str, Any]:
        """Ask for a refund: ``{refund_id, status: PROCESSING|SUCCESS|ABNORMAL|CLOSED, amount, ...}``.
        The same ``out_refund_no`` again returns the same refund."""
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
            "amount": {"refund": int(refund_fen), "total": int(total_fen), "currency": "CNY"},
        }
        if self.partner:
            body["sub_mchid"] = self.config.sub_mchid
        if reason:
            body["reason"] = reason[:80]
        url = notify_url or self.refund_notify_url
        if url:
            body["notify_url"] = url
        return await self._json("/v3/refund/domestic/refunds", RequestType.POST, body)

    async def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        query = f"?sub_mchid={self.config.sub_mchid}" if self.partner else ""
        return await self._json(f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}{query}")

    # --- notifications ---------------------------------------------------------------------------

    def _platform_keys(self) -> dict[str, Any]:
        return signing.verification_keys(self._wxpay._core._certificates, self.config.public_key_id,
                                         self._public_key)

    async def _refresh_certificates(self) -> dict[str, Any] | None:
        """Download the platform certificates again (WeChat rotated them), at most once a minute so a
        forged serial cannot make us hammer WeChat; the old ones stay if the download brings none.
        Only in certificate mode: the public key does not rotate."""
        now = time.monotonic()
        if not self._started or not self.uses_certificates or now - self._certs_refreshed < CERT_REFRESH_INTERVAL:
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
        """Verify (signature with the platform certificate or the public key named by Wechatpay-Serial,
        timestamp within ``window`` s of ``now``) and decrypt a notification. Raises BadSignature, StaleNotification or
        BadNotification; replays (same ``id``) are the caller's to refuse."""
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
        serial = {k.lower(): v for k, v in headers.items()}.get("wechatpay-serial", "")
        keys = self._platform_keys()
        if serial and not signing.is_public_key_id(serial) and signing.key_name(serial) not in keys:
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
        has no bill for that day (NO_STATEMENT_EXIST). A service provider asks for its sub-merchant's. The file's SHA1 is checked against hash_value."""
        try:
            sub = f"&sub_mchid={self.config.sub_mchid}" if self.partner else ""
            info = await self._json(f"/v3/bill/tradebill?bill_date={bill_date.isoformat()}&bill_type=ALL"
                                    f"&tar_type=GZIP{sub}")
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
