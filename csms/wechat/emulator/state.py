"""What WeChat's servers remember, emulated in memory: users and codes, access tokens, subscribe
quotas and sent messages, orders, refunds and notifications. No I/O here: the aiohttp app
(app.py) and the notifier (notifier.py) drive it. Errors are raised as WeChat would answer them:
:class:`MiniError` (errcode/errmsg, HTTP 200) and :class:`PayError` (HTTP status, code, message)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from csms.wechat import signing
from csms.wechat.bill import BEIJING, COLUMNS, SUMMARY_COLUMNS, fen_to_yuan
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.keys import EmulatorKeys

FEE_RATE = Decimal("0.006")           # 0.6 %, the usual mini-program rate
_OUT_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
_OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")


class MiniError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errcode, errmsg)
        self.errcode, self.errmsg = errcode, errmsg


class PayError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, code, message)
        self.status, self.code, self.message = status, code, message


def china(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


@dataclass
class Code:
    value: str
    expires: datetime
    used: bool = False


@dataclass
class Transaction:
    out_trade_no: str
    prepay_id: str
    appid: str
    mchid: str
    description: str
    total: int
    openid: str
    notify_url: str
    attach: str | None
    time_expire: datetime | None
    created_at: datetime
    request: dict[str, Any]                     # what was asked, to tell a repeat from a conflict
    trade_state: str = "NOTPAY"
    trade_state_desc: str = "订单未支付"
    transaction_id: str | None = None
    success_time: datetime | None = None
    refunded: int = 0                           # fen refunded or being refunded

    def as_wechat(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": self.out_trade_no,
            "trade_type": "JSAPI", "trade_state": self.trade_state, "trade_state_desc": self.trade_state_desc,
            "payer": {"openid": self.openid},
            "amount": {"total": self.total, "currency": "CNY", "payer_currency": "CNY"},
        }
        if self.attach is not None:
            out["attach"] = self.attach
        if self.transaction_id:
            out.update(transaction_id=self.transaction_id, bank_type="OTHERS", success_time=china(self.success_time))
            out["amount"]["payer_total"] = self.total
        return out


@dataclass
class Refund:
    refund_id: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    refund: int
    total: int
    reason: str | None
    notify_url: str | None
    created_at: datetime
    request: dict[str, Any]
    status: str = "PROCESSING"
    success_time: datetime | None = None

    def as_wechat(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "refund_id": self.refund_id, "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id, "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
            "create_time": china(self.created_at), "status": self.status, "funds_account": "AVAILABLE",
            "amount": {"total": self.total, "refund": self.refund, "payer_total": self.total,
                       "payer_refund": self.refund, "settlement_total": self.total,
                       "settlement_refund": self.refund, "discount_refund": 0, "currency": "CNY",
                       "refund_fee": 0},
            "promotion_detail": [],
        }
        if self.success_time:
            out["success_time"] = china(self.success_time)
        return out


@dataclass
class Notification:
    id: str
    url: str
    event_type: str
    summary: str
    resource: dict[str, Any]                    # plaintext, for tests and the control API
    body: str                                   # what is POSTed (resource encrypted)
    create_time: datetime
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "event_type": self.event_type, "summary": self.summary,
                "resource": self.resource, "create_time": china(self.create_time),
                "attempts": self.attempts, "delivered": self.delivered}


class EmulatorState:
    def __init__(self, config: EmulatorConfig, keys: EmulatorKeys,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.config = config
        self.keys = keys
        self.appid = config.appid
        self.secret = keys.secret
        self.mchid = keys.mchid
        self.clock = clock
        self.merchant_public_key = signing.load_certificate(keys.merchant_cert_pem).public_key()
        self.platform_key = signing.load_private_key(keys.platform_key_pem, check=False)  # generated by us
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

    # --- WeChat Pay: orders ----------------------------------------------------------------------

    def prepay(self, body: dict[str, Any]) -> dict[str, Any]:
        for key in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount", "payer"):
            if key not in body or body[key] in (None, ""):
                raise PayError(400, "PARAM_ERROR", f"输入源“/body/{key}”映射到字段“{key}”必填性规则校验失败，此字段为必填项")
        if body["mchid"] != self.mchid:
            raise PayError(400, "MCH_NOT_EXISTS", "商户号不存在")
        if body["appid"] != self.appid:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        out_trade_no = body["out_trade_no"]
        if not isinstance(out_trade_no, str) or not _OUT_NO.match(out_trade_no):
            raise PayError(400, "PARAM_ERROR", "out_trade_no 格式错误（6-32 位数字、大小写字母、_-|*）")
        description = body["description"]
        if not isinstance(description, str) or len(description) > 127:
            raise PayError(400, "PARAM_ERROR", "description 长度超过 127")
        amount, payer = body["amount"], body["payer"]
        total = amount.get("total") if isinstance(amount, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise PayError(400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
        if amount.get("currency", "CNY") != "CNY":
            raise PayError(400, "PARAM_ERROR", "currency 仅支持 CNY")
        openid = payer.get("openid") if isinstance(payer, dict) else None
        if not openid:
            raise PayError(400, "PARAM_ERROR", "payer.openid 必填")
        notify_url = body["notify_url"]
        if not isinstance(notify_url, str) or not notify_url.startswith(("https://", "http://")):
            raise PayError(400, "PARAM_ERROR", "notify_url 格式错误")
        time_expire = None
        if body.get("time_expire"):
            try:
                time_expire = datetime.fromisoformat(body["time_expire"])
            except (TypeError, ValueError):
                raise PayError(400, "PARAM_ERROR", "time_expire 格式错误（yyyy-MM-DDTHH:mm:ss+TIMEZONE）") from None
            if time_expire.tzinfo is None:
                raise PayError(400, "PARAM_ERROR", "time_expire 必须带时区")
        existing = self.transactions.get(out_trade_no)
        if existing is not None:
            if existing.trade_state in ("SUCCESS", "REFUND"):
                raise PayError(403, "ORDERPAID", "该订单已支付")
            if existing.trade_state == "CLOSED":
                raise PayError(400, "ORDER_CLOSED", "订单已关闭")
            if existing.request != body:
                raise PayError(400, "INVALID_REQUEST", "201 商户订单号重复")
            return {"prepay_id": existing.prepay_id}
        now = self.clock()
        prepay_id = "wx" + now.astimezone(BEIJING).strftime("%d%H%M%S") + secrets.token_hex(13)
        self.transactions[out_trade_no] = Transaction(
            out_trade_no=out_trade_no, prepay_id=prepay_id, appid=body["appid"], mchid=body["mchid"],
            description=description, total=total, openid=openid, notify_url=notify_url,
            attach=body.get("attach"), time_expire=time_expire, created_at=now, request=dict(body))
        self.by_prepay[prepay_id] = out_trade_no
        return {"prepay_id": prepay_id}

    def _transaction(self, out_trade_no: str) -> Transaction:
        tx = self.transactions.get(out_trade_no)
        if tx is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        if tx.trade_state in ("NOTPAY", "USERPAYING") and tx.time_expire and tx.time_expire < self.clock():
            tx.trade_state, tx.trade_state_desc = "CLOSED", "订单已关闭"     # paying time is over
        return tx

    def query(self, out_trade_no: str, mchid: str | None) -> dict[str, Any]:
        if not mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 必填")
        if mchid != self.mchid:
            raise PayError(400, "MCH_NOT_EXISTS", "商户号不存在")
        return self._transaction(out_trade_no).as_wechat()

    def close(self, out_trade_no: str, body: dict[str, Any]) -> None:
        if body.get("mchid") != self.mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 必填或不正确")
        tx = self._transaction(out_trade_no)
        if tx.trade_state in ("SUCCESS", "REFUND"):
            raise PayError(400, "ORDERPAID", "订单已支付，不能关闭")
        tx.trade_state, tx.trade_state_desc = "CLOSED", "订单已关闭"

    def pay(self, prepay_id: str, result: str) -> tuple[Transaction, Notification | None]:
        """The payer acts on ``wx.requestPayment``: SUCCESS pays (and makes the notification), CANCEL
        leaves the order unpaid, FAIL -> PAYERROR, PAYING -> USERPAYING."""
        out_trade_no = self.by_prepay.get(prepay_id)
        if out_trade_no is None:
            raise KeyError(prepay_id)
        tx = self._transaction(out_trade_no)
        if tx.trade_state not in ("NOTPAY", "USERPAYING", "PAYERROR"):
            raise ValueError(f"order {out_trade_no} is {tx.trade_state}")
        if result == "CANCEL":
            return tx, None
        if result == "FAIL":
            tx.trade_state, tx.trade_state_desc = "PAYERROR", "支付失败，请重新下单支付"
            return tx, None
        if result == "PAYING":
            tx.trade_state, tx.trade_state_desc = "USERPAYING", "用户支付中（输入密码中）"
            return tx, None
        if result != "SUCCESS":
            raise ValueError(f"result must be SUCCESS, CANCEL, FAIL or PAYING, not {result!r}")
        now = self.clock()
        tx.trade_state, tx.trade_state_desc = "SUCCESS", "支付成功"
        tx.transaction_id = "42000" + now.astimezone(BEIJING).strftime("%Y%m%d") + _digits(15)
        tx.success_time = now
        resource = tx.as_wechat()
        note = self._notification(tx.notify_url, "TRANSACTION.SUCCESS", "支付成功", "transaction", resource)
        return tx, note

    # --- WeChat Pay: refunds ---------------------------------------------------------------------

    def refund(self, body: dict[str, Any]) -> dict[str, Any]:
        out_refund_no = body.get("out_refund_no")
        if not isinstance(out_refund_no, str) or not _OUT_REFUND_NO.match(out_refund_no):
            raise PayError(400, "PARAM_ERROR", "out_refund_no 必填（1-64 位）")
        amount = body.get("amount")
        if not isinstance(amount, dict):
            raise PayError(400, "PARAM_ERROR", "amount 必填")
        refund_fen, total_fen = amount.get("refund"), amount.get("total")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (refund_fen, total_fen)):
            raise PayError(400, "PARAM_ERROR", "amount.refund 与 amount.total 必须为正整数（分）")
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if existing.request != body:
                raise PayError(400, "INVALID_REQUEST", "退款单号重复，且参数与原请求不一致")
            return existing.as_wechat()
        out_trade_no = body.get("out_trade_no")
        if body.get("transaction_id") and not out_trade_no:
            out_trade_no = next((t.out_trade_no for t in self.transactions.values()
                                 if t.transaction_id == body["transaction_id"]), None)
        if not out_trade_no:
            raise PayError(400, "PARAM_ERROR", "out_trade_no 或 transaction_id 必填其一")
        tx = self.transactions.get(out_trade_no)
        if tx is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if tx.trade_state not in ("SUCCESS", "REFUND"):
            raise PayError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total_fen != tx.total:
            raise PayError(400, "PARAM_ERROR", "订单金额 amount.total 与原订单不一致")
        if refund_fen > tx.total - tx.refunded:
            raise PayError(403, "NOT_ENOUGH", "申请退款金额超过订单可退金额")
        tx.refunded += refund_fen
        refund = Refund(
            refund_id="50" + _digits(27), out_refund_no=out_refund_no, out_trade_no=out_trade_no,
            transaction_id=tx.transaction_id or "", refund=refund_fen, total=total_fen,
            reason=body.get("reason"), notify_url=body.get("notify_url"), created_at=self.clock(),
            request=dict(body))
        self.refunds[out_refund_no] = refund
        return refund.as_wechat()

    def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return refund.as_wechat()

    def complete_refund(self, out_refund_no: str, status: str = "SUCCESS") -> tuple[Refund, Notification | None]:
        """The refund ends (SUCCESS, ABNORMAL or CLOSED); the notification goes to its notify_url."""
        refund = self.refunds[out_refund_no]
        if status not in ("SUCCESS", "ABNORMAL", "CLOSED"):
            raise ValueError(f"status must be SUCCESS, ABNORMAL or CLOSED, not {status!r}")
        if refund.status != "PROCESSING":
            return refund, None
        tx = self.transactions[refund.out_trade_no]
        refund.status = status
        if status == "SUCCESS":
            refund.success_time = self.clock()
            tx.trade_state, tx.trade_state_desc = "REFUND", "转入退款"
        elif status == "CLOSED":
            tx.refunded -= refund.refund
        if not refund.notify_url:
            return refund, None
        resource = {
            "mchid": self.mchid, "out_trade_no": refund.out_trade_no, "transaction_id": refund.transaction_id,
            "out_refund_no": refund.out_refund_no, "refund_id": refund.refund_id, "refund_status": status,
            "user_received_account": "支付用户零钱",
            "amount": {"total": refund.total, "refund": refund.refund, "payer_total": refund.total,
                       "payer_refund": refund.refund},
        }
        if refund.success_time:
            resource["success_time"] = china(refund.success_time)
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}[status]
        return refund, self._notification(refund.notify_url, f"REFUND.{status}", summary, "refund", resource)

    # --- notifications ---------------------------------------------------------------------------

    def _notification(self, url: str, event_type: str, summary: str, original_type: str,
                      resource: dict[str, Any]) -> Notification:
        now = self.clock()
        nonce = signing.nonce_str(12)
        plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
        note_id = f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-5{_digits(3)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
        body = {
            "id": note_id, "create_time": china(now), "resource_type": "encrypt-resource",
            "event_type": event_type, "summary": summary,
            "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": signing.aes_gcm_encrypt(self.keys.apiv3_key, nonce, original_type, plaintext),
                         "associated_data": original_type, "nonce": nonce},
        }
        note = Notification(id=note_id, url=url, event_type=event_type, summary=summary, resource=resource,
                            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), create_time=now)
        self.notifications[note_id] = note
        return note

    def certificates(self) -> dict[str, Any]:
        """/v3/certificates: the platform certificate, encrypted with the APIv3 key."""
        cert = signing.load_certificate(self.keys.platform_cert_pem)
        nonce = signing.nonce_str(12)
        return {"data": [{
            "serial_no": self.keys.platform_serial,
            "effective_time": china(cert.not_valid_before_utc), "expire_time": china(cert.not_valid_after_utc),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate",
                "ciphertext": signing.aes_gcm_encrypt(self.keys.apiv3_key, nonce, "certificate",
                                                      self.keys.platform_cert_pem.encode())},
        }]}

    # --- trade bill ------------------------------------------------------------------------------

    def trade_bill(self, bill_date: str | None, bill_type: str, tar_type: str | None) -> tuple[str, str, bytes]:
        """-> (download token, SHA1 of the plain file, the file as served). Any date up to today is
        available at once (WeChat makes a day's bill the next morning)."""
        try:
            day = date.fromisoformat(bill_date or "")
        except ValueError:
            raise PayError(400, "PARAM_ERROR", "bill_date 格式错误（yyyy-MM-DD）") from None
        if day > self.clock().astimezone(BEIJING).date():
            raise PayError(400, "INVALID_REQUEST", "账单日期不能晚于今天")
        if bill_type not in ("ALL", "SUCCESS", "REFUND"):
            raise PayError(400, "PARAM_ERROR", "bill_type 不正确")
        if tar_type not in (None, "", "GZIP"):
            raise PayError(400, "PARAM_ERROR", "tar_type 不正确")
        text = self._bill_text(day, bill_type)
        if text is None:
            raise PayError(400, "NO_STATEMENT_EXIST", "当日无交易，账单不存在")
        plain = text.encode("utf-8")
        served = gzip.compress(plain) if tar_type == "GZIP" else plain
        token = secrets.token_urlsafe(24)
        self.bill_files[token] = served
        return token, hashlib.sha1(plain).hexdigest(), served

    def _bill_text(self, day: date, bill_type: str) -> str | None:
        def on_day(moment: datetime | None) -> bool:
            return moment is not None and moment.astimezone(BEIJING).date() == day

        def fee(fen: int) -> str:
            value = (Decimal(fen) / 100 * FEE_RATE).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
            return f"{value:.5f}"

        rows: list[tuple[datetime, list[str]]] = []
        sums = {"settle": 0, "refund": 0, "fee": Decimal(0), "total": 0, "apply": 0}
        if bill_type in ("ALL", "SUCCESS"):
            for tx in self.transactions.values():
                if not on_day(tx.success_time):
                    continue
                rows.append((tx.success_time, [
                    tx.success_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), tx.appid, tx.mchid, "0", "",
                    tx.transaction_id or "", tx.out_trade_no, tx.openid, "JSAPI", "SUCCESS", "OTHERS", "CNY",
                    fen_to_yuan(tx.total), "0.00", "0", "0", "0.00", "0.00", "", "", tx.description, tx.attach or "",
                    fee(tx.total), "0.60%", fen_to_yuan(tx.total), "0.00", ""]))
                sums["settle"] += tx.total
                sums["total"] += tx.total
                sums["fee"] += Decimal(fee(tx.total))
        if bill_type in ("ALL", "REFUND"):
            for rf in self.refunds.values():
                if rf.status != "SUCCESS" or not on_day(rf.success_time):
                    continue
                tx = self.transactions[rf.out_trade_no]
                rows.append((rf.success_time, [
                    rf.success_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), tx.appid, tx.mchid, "0", "",
                    rf.transaction_id, rf.out_trade_no, tx.openid, "JSAPI", "REFUND", "OTHERS", "CNY",
                    "0.00", "0.00", rf.refund_id, rf.out_refund_no, fen_to_yuan(rf.refund), "0.00", "ORIGINAL",
                    "SUCCESS", tx.description, tx.attach or "", "-" + fee(rf.refund), "0.60%", "0.00",
                    fen_to_yuan(rf.refund), ""]))
                sums["refund"] += rf.refund
                sums["apply"] += rf.refund
                sums["fee"] -= Decimal(fee(rf.refund))
        if not rows:
            return None
        rows.sort(key=lambda r: r[0])
        lines = [",".join(title for title, _, _ in COLUMNS)]
        lines += ["`" + ",`".join(values) for _, values in rows]
        lines.append(",".join(title for title, _, _ in SUMMARY_COLUMNS))
        lines.append("`" + ",`".join([
            str(len(rows)), fen_to_yuan(sums["settle"]), fen_to_yuan(sums["refund"]), "0.00",
            f"{sums['fee']:.5f}", fen_to_yuan(sums["total"]), fen_to_yuan(sums["apply"])]))
        return "\r\n".join(lines) + "\r\n"
