"""WeChat Pay's service-provider (服务商) APIs in the emulator: the service provider (sp_mchid, with its
API certificate) places, queries and closes JSAPI orders for its sub-merchant (sub_mchid). Refunds,
refund queries and the trade bill share their paths with direct merchants and take ``sub_mchid``
(pay_state.py). A mixin of :class:`csms.wechat.emulator.state.EmulatorState`."""

from __future__ import annotations

from typing import Any

from csms.wechat.emulator.pay_state import _required
from csms.wechat.emulator.records import PayError, Transaction


class PartnerPayState:
    def _sub_merchant(self, sp_mchid: Any, sub_mchid: Any) -> None:
        self._merchant_kind(partner=True)
        if sp_mchid != self.mchid:
            raise PayError(400, "MCH_NOT_EXISTS", "服务商商户号不存在")
        if sub_mchid != self.sub_mchid:
            raise PayError(400, "INVALID_REQUEST", "特约商户与服务商受理关系不存在")

    def partner_prepay(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v3/pay/partner/transactions/jsapi. The payer is ``sub_openid`` (with ``sub_appid``, the
        mini-program bound to the sub-merchant) or ``sp_openid`` (under ``sp_appid``)."""
        _required(body, ("sp_appid", "sp_mchid", "sub_mchid", "description", "out_trade_no", "notify_url",
                         "amount", "payer"))
        self._sub_merchant(body["sp_mchid"], body["sub_mchid"])
        if body["sp_appid"] != self.sp_appid:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "sp_appid和sp_mchid不匹配")
        sub_appid = body.get("sub_appid") or None
        if sub_appid is not None and (sub_appid != self.appid or self.sp_appid == self.appid):
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "sub_appid和sub_mchid不匹配")
        payer = body["payer"] if isinstance(body["payer"], dict) else {}
        sp_openid, sub_openid = payer.get("sp_openid"), payer.get("sub_openid")
        if bool(sp_openid) == bool(sub_openid):
            raise PayError(400, "PARAM_ERROR", "payer.sp_openid 与 payer.sub_openid 必填其一")
        if sub_openid and not sub_appid:
            raise PayError(400, "PARAM_ERROR", "传 sub_openid 时 sub_appid 必填")
        if sp_openid and self.sp_appid != self.appid:
            # an sp_openid is the payer's id under sp_appid: this mini-program's users have none
            raise PayError(400, "PARAM_ERROR", "sp_openid 与 sp_appid 不匹配")
        return self._place(body, appid=body["sp_appid"], openid=sub_openid or sp_openid,
                           payer_key="sub_openid" if sub_openid else "sp_openid",
                           sub_mchid=body["sub_mchid"], sub_appid=sub_appid)

    def _partner_transaction(self, out_trade_no: str, sp_mchid: Any, sub_mchid: Any) -> Transaction:
        if not sp_mchid or not sub_mchid:
            raise PayError(400, "PARAM_ERROR", "sp_mchid 与 sub_mchid 必填")
        self._sub_merchant(sp_mchid, sub_mchid)
        tx = self._transaction(out_trade_no)
        if tx.sub_mchid != sub_mchid:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        return tx

    def partner_query(self, out_trade_no: str, sp_mchid: str | None, sub_mchid: str | None) -> dict[str, Any]:
        """GET /v3/pay/partner/transactions/out-trade-no/{no}?sp_mchid=&sub_mchid="""
        return self._partner_transaction(out_trade_no, sp_mchid, sub_mchid).as_wechat()

    def partner_close(self, out_trade_no: str, body: dict[str, Any]) -> None:
        """POST /v3/pay/partner/transactions/out-trade-no/{no}/close {sp_mchid, sub_mchid}"""
        self._close(self._partner_transaction(out_trade_no, body.get("sp_mchid"), body.get("sub_mchid")))
