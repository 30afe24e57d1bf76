"""Trade bill parsing (the file behind /v3/bill/tradebill's download_url)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms.wechat.bill import BillFormatError, fen_to_yuan, parse_trade_bill, yuan_to_fen

HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
          "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
          "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
PAYMENT = (
    "`2024-05-01 10:00:00,`wx8888888888888888,`1900000109,`0,`,`4200000001202405011234567890,`ORD1,"
    "`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,"
    "`充电, A站,`order=1,`0.07404,`0.60%,`12.34,`0.00,`")
REFUND = (
    "`2024-05-01 11:30:00,`wx8888888888888888,`1900000109,`0,`,`4200000001202405011234567890,`ORD1,"
    "`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50000000382019052709732678859,"
    "`RF1,`2.00,`0.00,`ORIGINAL,`SUCCESS,`充电, A站,`order=1,`-0.01200,`0.60%,`0.00,`2.00,`")
BILL = "\r\n".join([
    HEADER, PAYMENT, REFUND,
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
    "`2,`12.34,`2.00,`0.00,`0.06204,`12.34,`2.00",
]) + "\r\n"


def test_rows_have_english_keys_fen_and_utc_times():
    bill = parse_trade_bill(BILL)
    pay, refund = bill.rows
    assert pay["trade_time"] == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert pay["out_trade_no"] == "ORD1" and pay["trade_state"] == "SUCCESS"
    assert pay["total_fen"] == pay["settlement_total_fen"] == 1234 and pay["fee_fen"] == 7
    assert pay["description"] == "充电, A站" and pay["refund_id"] == "" and pay["sub_mchid"] == ""
    assert refund["trade_state"] == "REFUND" and refund["refund_fen"] == 200 and refund["out_refund_no"] == "RF1"
    assert refund["fee_fen"] == -1
    assert bill.summary == {"count": 2, "settlement_total_fen": 1234, "refund_fen": 200, "coupon_refund_fen": 0,
                            "fee_fen": 6, "total_fen": 1234, "apply_refund_fen": 200}


def test_bad_files_are_refused_and_empty_is_empty():
    assert parse_trade_bill("").rows == []
    with pytest.raises(BillFormatError):
        parse_trade_bill("not,a,bill\r\n`1,`2,`3\r\n")
    with pytest.raises(BillFormatError):
        parse_trade_bill(HEADER + "\r\n`2024-05-01 10:00:00,`wx\r\n")


def test_amounts():
    assert yuan_to_fen("0.01") == 1 and yuan_to_fen("12.345") == 1235 and yuan_to_fen("-0.00600") == -1
    assert fen_to_yuan(1234) == "12.34" and fen_to_yuan(5) == "0.05" and fen_to_yuan(-200) == "-2.00"
    with pytest.raises(BillFormatError):
        yuan_to_fen("abc")
