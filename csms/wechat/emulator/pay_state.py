"""WeChat Pay's side of the emulator: JSAPI orders, payment by the (emulated) payer, closing,
refunds, the notifications they cause, platform certificates and the trade bill. A mixin of
:class:`csms.wechat.emulator.state.EmulatorState`, whose ``__init__`` holds the data."""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from csms.wechat import signing
from csms.wechat.bill import BEIJING, COLUMNS, SUMMARY_COLUMNS, fen_to_yuan
from csms.wechat.emulator.records import (
    _OUT_NO,
    _OUT_REFUND_NO,
    FEE_RATE,
    Notification,
    PayError,
    Refund,
    Transaction,
    _digits,
    china,
)


def _required(body: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key not in body or body[key] in (None, ""):
            raise PayError(400, "PARAM_ERROR", f"输入源“/body/{key}”映射到字段“{key}”必填性规则校验失败，此字段为必填项")


class PayState:
    # --- WeChat Pay: orders ----------------------------------------------------------------------

    def _merchant_kind(self, partner: bool) -> None:
        """A direct merchant has no partner APIs and a service provider no direct ones."""
        if partner != self.partner:
            raise PayError(403, "NO_AUTH", "商户号无此接口权限（直连商户与服务商接口不能混用）")

    def prepay(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v3/pay/transactions/jsapi (a direct merchant)."""
        self._merchant_kind(partner=False)
        _required(body, ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount", "payer"))
        if body["mchid"] != self.mchid:
            raise PayError(400, "MCH_NOT_EXISTS", "商户号不存在")
        if body["appid"] != self.appid:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        openid = body["payer"].get("openid") if isinstance(body["payer"], dict) else None
        if not openid:
            raise PayError(400, "PARAM_ERROR", "payer.openid 必填")
        return self._place(body, appid=body["appid"], openid=openid)

    def _place(self, body: dict[str, Any], *, appid: str, openid: str, payer_key: str = "openid",
               sub_mchid: str | None = None, sub_appid: str | None = None) -> dict[str, Any]:
        """The checks every JSAPI order gets, then the order (or the same prepay_id for a repeat)."""
        out_trade_no = body["out_trade_no"]
        if not isinstance(out_trade_no, str) or not _OUT_NO.match(out_trade_no):
            raise PayError(400, "PARAM_ERROR", "out_trade_no 格式错误（6-32 位数字、大小写字母、_-|*）")
        description = body["description"]
        if not isinstance(description, str) or len(description) > 127:
            raise PayError(400, "PARAM_ERROR", "description 长度超过 127")
        amount = body["amount"]
        total = amount.get("total") if isinstance(amount, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise PayError(400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
        if amount.get("currency", "CNY") != "CNY":
            raise PayError(400, "PARAM_ERROR", "currency 仅支持 CNY")
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
            out_trade_no=out_trade_no, prepay_id=prepay_id, appid=appid, mchid=self.mchid,
            description=description, total=total, openid=openid, notify_url=notify_url,
            attach=body.get("attach"), time_expire=time_expire, created_at=now, request=dict(body),
            sub_mchid=sub_mchid, sub_appid=sub_appid, payer_key=payer_key)
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
        self._merchant_kind(partner=False)
        if not mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 必填")
        if mchid != self.mchid:
            raise PayError(400, "MCH_NOT_EXISTS", "商户号不存在")
        return self._transaction(out_trade_no).as_wechat()

    def close(self, out_trade_no: str, body: dict[str, Any]) -> None:
        self._merchant_kind(partner=False)
        if body.get("mchid") != self.mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 必填或不正确")
        self._close(self._transaction(out_trade_no))

    def _close(self, tx: Transaction) -> None:
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
        if self.partner and not body.get("sub_mchid"):
            raise PayError(400, "PARAM_ERROR", "服务商退款 sub_mchid 必填")
        tx = self.transactions.get(out_trade_no)
        if tx is None or tx.sub_mchid != (body.get("sub_mchid") if self.partner else None):
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

    def query_refund(self, out_refund_no: str, sub_mchid: str | None = None) -> dict[str, Any]:
        if self.partner and not sub_mchid:
            raise PayError(400, "PARAM_ERROR", "服务商查询退款 sub_mchid 必填")
        refund = self.refunds.get(out_refund_no)
        if refund is None or (self.partner and self.transactions[refund.out_trade_no].sub_mchid != sub_mchid):
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
        owner = {"sp_mchid": self.mchid, "sub_mchid": tx.sub_mchid} if tx.sub_mchid else {"mchid": self.mchid}
        resource = {
            **owner, "out_trade_no": refund.out_trade_no, "transaction_id": refund.transaction_id,
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
                            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), create_time=now,
                            signed_with=self.signer.for_notification())
        self.notifications[note_id] = note
        return note

    def certificates(self) -> dict[str, Any]:
        """/v3/certificates: the platform certificate, encrypted with the APIv3 key. A merchant on the
        public key alone has none (WeChat's exact answer there is not documented; this one is ours)."""
        if not self.signer.has_certificate:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "商户使用微信支付公钥验签，无可用的平台证书")
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

    def trade_bill(self, bill_date: str | None, bill_type: str, tar_type: str | None,
                   sub_mchid: str | None = None) -> tuple[str, str, bytes]:
        """-> (download token, SHA1 of the plain file, the file as served). Any date up to today is
        available at once (WeChat makes a day's bill the next morning). A service provider gets every
        sub-merchant's trades, or one's with ``sub_mchid``."""
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
        text = self._bill_text(day, bill_type, sub_mchid if self.partner else None)
        if text is None:
            raise PayError(400, "NO_STATEMENT_EXIST", "当日无交易，账单不存在")
        plain = text.encode("utf-8")
        served = gzip.compress(plain) if tar_type == "GZIP" else plain
        token = secrets.token_urlsafe(24)
        self.bill_files[token] = served
        return token, hashlib.sha1(plain).hexdigest(), served

    def _bill_text(self, day: date, bill_type: str, sub_mchid: str | None) -> str | None:
        def on_day(moment: datetime | None) -> bool:
            return moment is not None and moment.astimezone(BEIJING).date() == day

        def mine(tx: Transaction) -> bool:
            return sub_mchid is None or tx.sub_mchid == sub_mchid

        def fee(fen: int) -> str:
            value = (Decimal(fen) / 100 * FEE_RATE).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
            return f"{value:.5f}"

        rows: list[tuple[datetime, list[str]]] = []
        sums = {"settle": 0, "refund": 0, "fee": Decimal(0), "total": 0, "apply": 0}
        if bill_type in ("ALL", "SUCCESS"):
            for tx in self.transactions.values():
                if not on_day(tx.success_time) or not mine(tx):
                    continue
                rows.append((tx.success_time, [
                    tx.success_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), tx.appid, tx.mchid,
                    tx.sub_mchid or "0", "",
                    tx.transaction_id or "", tx.out_trade_no, tx.openid, "JSAPI", "SUCCESS", "OTHERS", "CNY",
                    fen_to_yuan(tx.total), "0.00", "0", "0", "0.00", "0.00", "", "", tx.description, tx.attach or "",
                    fee(tx.total), "0.60%", fen_to_yuan(tx.total), "0.00", ""]))
                sums["settle"] += tx.total
                sums["total"] += tx.total
                sums["fee"] += Decimal(fee(tx.total))
        if bill_type in ("ALL", "REFUND"):
            for rf in self.refunds.values():
                tx = self.transactions[rf.out_trade_no]
                if rf.status != "SUCCESS" or not on_day(rf.success_time) or not mine(tx):
                    continue
                rows.append((rf.success_time, [
                    rf.success_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), tx.appid, tx.mchid,
                    tx.sub_mchid or "0", "",
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
