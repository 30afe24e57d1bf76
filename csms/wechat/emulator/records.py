"""The records of the WeChat emulator (orders, refunds, notifications, codes) and the errors it
answers with, as WeChat does: :class:`MiniError` (errcode/errmsg, HTTP 200) and :class:`PayError`
(HTTP status, code, message)."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.wechat.bill import BEIJING

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
    # service-provider orders: appid/mchid are then the service provider's (sp_appid, sp_mchid)
    sub_mchid: str | None = None
    sub_appid: str | None = None
    payer_key: str = "openid"                   # openid (direct), sp_openid or sub_openid (partner)

    def as_wechat(self) -> dict[str, Any]:
        if self.sub_mchid:
            owner = {"sp_appid": self.appid, "sp_mchid": self.mchid, "sub_mchid": self.sub_mchid}
            if self.sub_appid:
                owner["sub_appid"] = self.sub_appid
        else:
            owner = {"appid": self.appid, "mchid": self.mchid}
        out: dict[str, Any] = {
            **owner, "out_trade_no": self.out_trade_no,
            "trade_type": "JSAPI", "trade_state": self.trade_state, "trade_state_desc": self.trade_state_desc,
            "payer": {self.payer_key: self.openid},
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
    signed_with: str = "certificate"            # certificate | public_key (csms.wechat.emulator.pay_keys)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "event_type": self.event_type, "summary": self.summary,
                "resource": self.resource, "create_time": china(self.create_time), "signed_with": self.signed_with,
                "attempts": self.attempts, "delivered": self.delivered}
