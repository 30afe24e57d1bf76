"""What WeChat's servers remember, emulated in memory: users and codes, access tokens, subscribe
quotas and sent messages, orders, refunds and notifications. No I/O here: the aiohttp app
(app.py) and the notifier (notifier.py) drive it. Errors are raised as WeChat would answer them:
:class:`MiniError` (errcode/errmsg, HTTP 200) and :class:`PayError` (HTTP status, code, message)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from csms.wechat import signing
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.content import ContentSecurityState, MediaCheck
from csms.wechat.emulator.keys import EmulatorKeys
from csms.wechat.emulator.partner import PartnerPayState
from csms.wechat.emulator.pay_keys import PaySigner
from csms.wechat.emulator.pay_state import PayState
from csms.wechat.emulator.records import (  # noqa: F401  (re-exported: app, server, notifier import them here)
    FEE_RATE,
    Code,
    MiniError,
    Notification,
    PayError,
    Refund,
    Transaction,
    _digits,
    china,
)


class EmulatorState(PayState, PartnerPayState, ContentSecurityState):
    def __init__(self, config: EmulatorConfig, keys: EmulatorKeys,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.config = config
        self.keys = keys
        self.appid = config.appid
        self.secret = keys.secret
        self.mchid = keys.mchid
        self.clock = clock
        self.merchant_public_key = signing.load_certificate(keys.merchant_cert_pem).public_key()
        self.signer = PaySigner(keys, config.pay_keys, config.public_key_share)
        self.partner = config.sub_mchid is not None                 # a service provider (服务商)
        self.sub_mchid = config.sub_mchid
        self.sp_appid = config.sp_appid or config.appid
        self.login_codes: dict[str, tuple[Code, str]] = {}          # code -> (code, user)
        self.phone_codes: dict[str, tuple[Code, str, str]] = {}     # code -> (code, phone, country code)
        self.tokens: dict[str, datetime] = {}                       # access token -> expires
        self.stable_token: str | None = None
        self.quota: dict[tuple[str, str], int] = {}                 # (openid, template_id) -> messages allowed
        self.messages: list[dict[str, Any]] = []
        self.transactions: dict[str, Transaction] = {}              # out_trade_no ->
        self.by_prepay: dict[str, str] = {}                         # prepay_id -> out_trade_no
        self.refunds: dict[str, Refund] = {}                        # out_refund_no ->
        self.notifications: dict[str, Notification] = {}
        self.bill_files: dict[str, bytes] = {}                      # download token -> file
        self.faults: dict[str, list[dict[str, Any]]] = {}           # path -> errors to answer next
        self.last_visit: dict[str, datetime] = {}                   # openid -> last login (content checks)
        self.risky_texts: dict[str, tuple[str, int]] = {}           # keyword -> (suggest, label)
        self.risky_images: dict[str, tuple[str, int]] = {}          # SHA-256 of the bytes -> (suggest, label)
        self.media_checks: dict[str, MediaCheck] = {}                # trace_id ->
        self.push_url: str | None = None                            # the console's message push URL
        self.media_check_delay = config.media_check_delay           # None: verdicts only on complete_media_check
        self.answer_delay = 0.0                                     # seconds before every WeChat API answer

    # --- faults (test control) -------------------------------------------------------------------

    def fail_next(self, path: str, errcode: int | None = None, errmsg: str = "", *, status: int | None = None,
                  code: str = "", message: str = "", times: int = 1) -> None:
        """The next ``times`` calls to ``path`` fail: mini-program API with ``errcode``, Pay with
        ``status``/``code``/``message``."""
        fault = {"errcode": errcode, "errmsg": errmsg or "emulated error", "status": status,
                 "code": code or "SYSTEM_ERROR", "message": message or "emulated error"}
        self.faults.setdefault(path, []).extend([fault] * times)

    def take_fault(self, path: str) -> None:
        queue = self.faults.get(path)
        if not queue:
            return
        fault = queue.pop(0)
        if fault["errcode"] is not None:
            raise MiniError(fault["errcode"], fault["errmsg"])
        raise PayError(fault["status"] or 500, fault["code"], fault["message"])

    # --- users, codes, login ---------------------------------------------------------------------

    def openid_for(self, user: str) -> str:
        """A stable openid per (appid, user): "o" + 27 URL-safe characters, like WeChat's."""
        digest = hashlib.sha256(f"{self.appid}:{user}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    def issue_login_code(self, user: str) -> str:
        code = secrets.token_urlsafe(24)[:32]
        self.login_codes[code] = (Code(code, self.clock() + timedelta(seconds=self.config.code_ttl)), user)
        return code

    def _check_app(self, appid: str, secret: str) -> None:
        if appid != self.appid:
            raise MiniError(40013, f"invalid appid rid: {secrets.token_hex(4)}")
        if secret != self.secret:
            raise MiniError(40125, f"invalid appsecret rid: {secrets.token_hex(4)}")

    def code2session(self, appid: str, secret: str, js_code: str, grant_type: str) -> dict[str, Any]:
        self._check_app(appid, secret)
        if grant_type != "authorization_code":
            raise MiniError(40002, "invalid grant_type")
        entry = self.login_codes.get(js_code)
        if entry is None or entry[0].expires < self.clock():
            raise MiniError(40029, "invalid code")
        code, user = entry
        if code.used:
            raise MiniError(40163, "code been used")
        code.used = True
        self.last_visit[self.openid_for(user)] = self.clock()
        return {"openid": self.openid_for(user), "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}

    # --- access tokens ---------------------------------------------------------------------------

    def _new_token(self) -> str:
        token = "".join(secrets.choice(string.ascii_letters + string.digits + "_-") for _ in range(136))
        self.tokens[token] = self.clock() + timedelta(seconds=self.config.token_ttl)
        return token

    def token(self, appid: str, secret: str, grant_type: str, *, stable: bool,
              force_refresh: bool = False) -> dict[str, Any]:
        """/cgi-bin/token (a new token each call) or /cgi-bin/stable_token (the same one while valid)."""
        if grant_type != "client_credential":
            raise MiniError(40002, "invalid grant_type")
        self._check_app(appid, secret)
        now = self.clock()
        if stable and not force_refresh and self.stable_token and self.tokens.get(self.stable_token, now) > now:
            token = self.stable_token
        else:
            if stable and self.stable_token in self.tokens:      # the old one stays valid 5 more minutes
                self.tokens[self.stable_token] = min(self.tokens[self.stable_token], now + timedelta(minutes=5))
            token = self._new_token()
            if stable:
                self.stable_token = token
        return {"access_token": token, "expires_in": int((self.tokens[token] - now).total_seconds())}

    def check_token(self, token: str | None) -> None:
        if not token:
            raise MiniError(41001, "access_token missing")
        expires = self.tokens.get(token)
        if expires is None:
            raise MiniError(40001, "invalid credential, access_token is invalid or not latest")
        if expires <= self.clock():
            raise MiniError(42001, "access_token expired")

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (the next call with one gets 42001)."""
        now = self.clock()
        for token in self.tokens:
            self.tokens[token] = now

    # --- phone number ----------------------------------------------------------------------------

    def issue_phone_code(self, phone: str, country_code: str = "86") -> str:
        code = secrets.token_hex(32)
        self.phone_codes[code] = (Code(code, self.clock() + timedelta(seconds=self.config.code_ttl)),
                                  phone, country_code)
        return code

    def phone_number(self, code: str) -> dict[str, Any]:
        entry = self.phone_codes.get(code or "")
        if entry is None or entry[0].used or entry[0].expires < self.clock():
            raise MiniError(40029, "invalid code")
        entry[0].used = True
        _, phone, cc = entry
        return {"errcode": 0, "errmsg": "ok", "phone_info": {
            "phoneNumber": phone if cc == "86" else f"+{cc} {phone}", "purePhoneNumber": phone, "countryCode": cc,
            "watermark": {"timestamp": int(self.clock().timestamp()), "appid": self.appid}}}

    # --- subscribe messages ----------------------------------------------------------------------

    def accept_subscribe(self, openid: str, template_id: str, count: int = 1) -> int:
        """The user tapped "allow" ``count`` times for this template: that many messages may be sent."""
        key = (openid, template_id)
        self.quota[key] = self.quota.get(key, 0) + count
        return self.quota[key]

    def send_subscribe(self, body: dict[str, Any]) -> dict[str, Any]:
        touser, template_id = body.get("touser"), body.get("template_id")
        if not touser or not isinstance(touser, str):
            raise MiniError(40003, "invalid openid")
        if not template_id or not isinstance(template_id, str):
            raise MiniError(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            raise MiniError(47003, "argument invalid! data is empty")
        for key, item in data.items():
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                raise MiniError(47003, f"argument invalid! data.{key}.value invalid")
        state = body.get("miniprogram_state", "formal")
        if state not in ("developer", "trial", "formal"):
            raise MiniError(47003, "argument invalid! miniprogram_state invalid")
        left = self.quota.get((touser, template_id), 0)
        if left <= 0:
            raise MiniError(43101, "user refuse to accept the msg")
        self.quota[(touser, template_id)] = left - 1
        msgid = int(_digits(18))
        self.messages.append({
            "msgid": msgid, "touser": touser, "template_id": template_id, "page": body.get("page"),
            "data": {k: v["value"] for k, v in data.items()}, "miniprogram_state": state,
            "lang": body.get("lang", "zh_CN"), "sent_at": self.clock().isoformat(),
        })
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}
