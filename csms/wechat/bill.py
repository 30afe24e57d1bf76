"""WeChat Pay trade bill (交易账单, bill_type ALL): the text behind /v3/bill/tradebill's download_url.

The file is a header line, one line per trade or refund with every field prefixed by a backquote,
then a summary header (总交易单数,...) and its values. Times are Beijing time; amounts are yuan with two
decimals (the fee with five). :func:`parse_trade_bill` gives English keys, amounts as integer fen and
times as aware UTC datetimes."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

# (column title in the file, our key, kind): kind "fen" = yuan -> integer fen, "time", or "str"
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("交易时间", "trade_time", "time"),
    ("公众账号ID", "appid", "str"),
    ("商户号", "mchid", "str"),
    ("特约商户号", "sub_mchid", "str"),
    ("设备号", "device_info", "str"),
    ("微信订单号", "transaction_id", "str"),
    ("商户订单号", "out_trade_no", "str"),
    ("用户标识", "openid", "str"),
    ("交易类型", "trade_type", "str"),
    ("交易状态", "trade_state", "str"),
    ("付款银行", "bank_type", "str"),
    ("货币种类", "currency", "str"),
    ("应结订单金额", "settlement_total_fen", "fen"),
    ("代金券金额", "coupon_fen", "fen"),
    ("微信退款单号", "refund_id", "str"),
    ("商户退款单号", "out_refund_no", "str"),
    ("退款金额", "refund_fen", "fen"),
    ("充值券退款金额", "coupon_refund_fen", "fen"),
    ("退款类型", "refund_type", "str"),
    ("退款状态", "refund_status", "str"),
    ("商品名称", "description", "str"),
    ("商户数据包", "attach", "str"),
    ("手续费", "fee_fen", "fen"),
    ("费率", "fee_rate", "str"),
    ("订单金额", "total_fen", "fen"),
    ("申请退款金额", "apply_refund_fen", "fen"),
    ("费率备注", "fee_rate_note", "str"),
)
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("总交易单数", "count", "int"),
    ("应结订单总金额", "settlement_total_fen", "fen"),
    ("退款总金额", "refund_fen", "fen"),
    ("充值券退款总金额", "coupon_refund_fen", "fen"),
    ("手续费总金额", "fee_fen", "fen"),
    ("订单总金额", "total_fen", "fen"),
    ("申请退款总金额", "apply_refund_fen", "fen"),
)
_ZERO_MEANS_NONE = {"sub_mchid", "refund_id", "out_refund_no"}   # WeChat writes `0 for "none" there
_KEYS = {title: (key, kind) for title, key, kind in COLUMNS + SUMMARY_COLUMNS}


class BillFormatError(ValueError):
    """The text is not a WeChat Pay trade bill."""


@dataclass(frozen=True)
class TradeBill:
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


def yuan_to_fen(text: str) -> int:
    """``"12.34"`` -> 1234; the fee's five decimals are rounded half up to the fen."""
    try:
        return int((Decimal(text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise BillFormatError(f"not an amount: {text!r}") from None


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def bill_time(text: str) -> datetime:
    """``"2024-01-02 10:00:00"`` (Beijing) -> aware UTC."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(UTC)
    except ValueError:
        raise BillFormatError(f"not a bill time: {text!r}") from None


def _fields(line: str) -> list[str]:
    """Split a data line: every field starts with a backquote (so commas inside text survive)."""
    line = line.rstrip("\r")
    if not line.startswith("`"):
        return [part.strip() for part in line.split(",")]
    return line[1:].split(",`")


def _convert(title: str, value: str) -> tuple[str, Any]:
    key, kind = _KEYS.get(title, (title, "str"))
    value = value.strip()
    if kind == "fen":
        return key, yuan_to_fen(value) if value else 0
    if kind == "int":
        return key, int(value) if value else 0
    if kind == "time":
        return key, bill_time(value)
    if key in _ZERO_MEANS_NONE and value == "0":
        return key, ""
    return key, value


def parse_trade_bill(text: str) -> TradeBill:
    """Parse the bill's text (see the module docstring)."""
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if not lines:
        return TradeBill(rows=[])
    header = _fields(lines[0])
    if not header or header[0] != COLUMNS[0][0]:
        raise BillFormatError("the first line is not the trade bill header")
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    i = 1
    while i < len(lines):
        values = _fields(lines[i])
        if values and values[0] == SUMMARY_COLUMNS[0][0]:
            if i + 1 < len(lines):
                summary = dict(_convert(t, v) for t, v in zip(values, _fields(lines[i + 1])))
            break
        if len(values) != len(header):
            raise BillFormatError(f"line {i + 1}: {len(values)} fields, the header has {len(header)}")
        rows.append(dict(_convert(t, v) for t, v in zip(header, values)))
        i += 1
    return TradeBill(rows=rows, summary=summary)


def decompress_bill(data: bytes) -> bytes:
    """The bill file's original bytes (it comes GZIP-compressed when asked with tar_type=GZIP);
    hash_value is the SHA1 of these."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
