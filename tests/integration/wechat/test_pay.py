"""The real WechatPayClient (wechatpayv3's async client underneath) against the emulator, and the
emulator's notifications arriving at a real merchant endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from csms.wechat import (
    BadSignature,
    BillHashMismatch,
    StaleNotification,
    WechatPayError,
    WechatPayUnavailable,
    signing,
)
from csms.wechat.bill import BEIJING
from tests.integration.wechat.conftest import APPID, pay_client


def soon(minutes: int = 30) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def now() -> datetime:
    return datetime.now(UTC)


async def paid_order(emulator, pay, receiver, out_trade_no: str, fen: int, user: str = "alice"):
    prepay_id = await pay.jsapi_prepay(out_trade_no, fen, "Charging", emulator.openid(user), soon())
    result = emulator.pay(prepay_id)
    await emulator.wait_delivered(result["notification_id"])
    return prepay_id, result


async def test_prepay_and_pay_params_signed_as_wechat_requires(emulator, pay):
    prepay_id = await pay.jsapi_prepay("ORD202401010001", 1234, "Charging at A", emulator.openid("alice"), soon(),
                                       attach="order=1")
    assert prepay_id.startswith("wx")
    params = pay.pay_params(prepay_id)
    assert params["package"] == f"prepay_id={prepay_id}" and params["signType"] == "RSA"
    assert params["appId"] == APPID and len(params["nonceStr"]) == 32
    merchant_key = signing.load_certificate(emulator.keys.merchant_cert_pem).public_key()
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert signing.rsa_verify(merchant_key, message, params["paySign"])
    order = await pay.query("ORD202401010001")
    assert order["trade_state"] == "NOTPAY" and order["amount"]["total"] == 1234 and order["attach"] == "order=1"


async def test_repeat_prepay_same_params_same_id_different_params_refused(emulator, pay):
    expire = soon()
    first = await pay.jsapi_prepay("ORD-DUP-0001", 500, "Charging", emulator.openid("alice"), expire)
    assert await pay.jsapi_prepay("ORD-DUP-0001", 500, "Charging", emulator.openid("alice"), expire) == first
    with pytest.raises(WechatPayError) as exc:
        await pay.jsapi_prepay("ORD-DUP-0001", 600, "Charging", emulator.openid("alice"), expire)
    assert (exc.value.status, exc.value.code) == (400, "INVALID_REQUEST")


async def test_bad_parameters_and_unknown_order(pay):
    with pytest.raises(WechatPayError) as bad:
        await pay.jsapi_prepay("x", 100, "Charging", "openid", soon())
    assert (bad.value.status, bad.value.code) == (400, "PARAM_ERROR")
    with pytest.raises(WechatPayError) as missing:
        await pay.query("NO-SUCH-ORDER")
    assert (missing.value.status, missing.value.code) == (404, "ORDER_NOT_EXIST")
    with pytest.raises(ValueError):
        await pay.jsapi_prepay("ORD-NAIVE-01", 100, "Charging", "openid", datetime.now())


async def test_paid_notification_arrives_verifies_and_decrypts(emulator, pay, receiver):
    _, result = await paid_order(emulator, pay, receiver, "ORD-PAY-0001", 2500)
    [(path, headers, body)] = receiver.received
    assert path == "/notify"
    note = await pay.parse_notification(headers, body, now())
    assert note.id == result["notification_id"] and note.event_type == "TRANSACTION.SUCCESS"
    assert note.resource["out_trade_no"] == "ORD-PAY-0001" and note.resource["trade_state"] == "SUCCESS"
    assert note.resource["amount"]["payer_total"] == 2500
    assert note.resource["transaction_id"] == result["transaction_id"]
    order = await pay.query("ORD-PAY-0001")
    assert order["trade_state"] == "SUCCESS" and order["transaction_id"] == result["transaction_id"]
    with pytest.raises(WechatPayError) as again:
        await pay.jsapi_prepay("ORD-PAY-0001", 2500, "Charging", emulator.openid("alice"), soon())
    assert again.value.code == "ORDERPAID"


async def test_tampered_stale_and_foreign_notifications_are_refused(emulator, pay, receiver):
    await paid_order(emulator, pay, receiver, "ORD-PAY-0002", 100)
    _, headers, body = receiver.received[0]
    tampered = body.replace(b'"summary":"', b'"summary":"X')
    with pytest.raises(BadSignature):
        await pay.parse_notification(headers, tampered, now())
    with pytest.raises(StaleNotification):
        await pay.parse_notification(headers, body, now() + timedelta(seconds=301))
    with pytest.raises(StaleNotification):
        await pay.parse_notification(headers, body, now() - timedelta(seconds=301))
    await pay.parse_notification(headers, body, now() + timedelta(seconds=299))
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = signing.signed_headers(forged_key, emulator.keys.platform_serial, body.decode())
    with pytest.raises(BadSignature):
        await pay.parse_notification(forged, body, now())
    with pytest.raises(BadSignature):
        await pay.parse_notification({k: v for k, v in headers.items() if k != "Wechatpay-Signature"}, body, now())
    with pytest.raises(BadSignature):                     # unknown serial: certificates fetched again, in vain
        await pay.parse_notification({**headers, "Wechatpay-Serial": "DEADBEEF"}, body, now())
    assert (await pay.parse_notification(headers, body, now())).event_type == "TRANSACTION.SUCCESS"


async def test_notification_retried_until_acknowledged_and_redelivered_with_the_same_id(emulator, pay, receiver):
    receiver.statuses = [500, 503]
    prepay_id = await pay.jsapi_prepay("ORD-RETRY-01", 100, "Charging", emulator.openid("alice"), soon())
    note_id = emulator.pay(prepay_id)["notification_id"]
    note = await emulator.wait_delivered(note_id)
    assert [a.get("status") for a in note.attempts] == [500, 503, 204]
    ids = [(await pay.parse_notification(h, b, now())).id for _, h, b in receiver.received]
    assert ids == [note_id] * 3
    async with aiohttp.ClientSession() as http, \
            http.post(f"{emulator.url}/emulator/notifications/{note_id}/redeliver") as resp:
        assert resp.status == 202
    await receiver.wait(4)
    assert (await pay.parse_notification(receiver.received[3][1], receiver.received[3][2], now())).id == note_id


async def test_request_signed_with_a_wrong_key_is_refused_401(emulator, receiver):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    client = pay_client(emulator, receiver, private_key_pem=pem)
    await client.start()
    try:
        with pytest.raises(WechatPayError) as exc:
            await client.jsapi_prepay("ORD-BADKEY-1", 100, "Charging", emulator.openid("alice"), soon())
        assert (exc.value.status, exc.value.code) == (401, "SIGN_ERROR")
    finally:
        await client.close()
    async with aiohttp.ClientSession() as http, \
            http.get(f"{emulator.url}/v3/pay/transactions/out-trade-no/X?mchid=1") as resp:   # no Authorization
        assert resp.status == 401 and (await resp.json())["code"] == "SIGN_ERROR"
        assert resp.headers["Wechatpay-Serial"] == emulator.keys.platform_serial


async def test_answers_not_signed_by_the_platform_certificate_are_refused(emulator, receiver, tmp_path):
    """A certificate with the platform's serial but another key (a man in the middle): every answer
    fails verification, so response verification is on."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "impostor")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(int(emulator.keys.platform_serial, 16))
            .not_valid_before(now() - timedelta(days=1)).not_valid_after(now() + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    (tmp_path / f"{emulator.keys.platform_serial}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    client = pay_client(emulator, receiver, platform_cert_dir=str(tmp_path))
    await client.start()
    try:
        with pytest.raises(BadSignature):
            await client.jsapi_prepay("ORD-MITM-001", 100, "Charging", emulator.openid("alice"), soon())
    finally:
        await client.close()


async def test_client_without_certificates_downloads_them_from_v3_certificates(emulator, receiver, tmp_path):
    client = pay_client(emulator, receiver, platform_cert_dir=str(tmp_path / "certs"))
    await client.start()
    try:
        await client.jsapi_prepay("ORD-CERTS-01", 100, "Charging", emulator.openid("alice"), soon())
        assert (tmp_path / "certs" / f"{emulator.keys.platform_serial}.pem").is_file()
    finally:
        await client.close()


async def test_close_unpaid_order_but_not_a_paid_one(emulator, pay, receiver):
    await pay.jsapi_prepay("ORD-CLOSE-01", 100, "Charging", emulator.openid("alice"), soon())
    await pay.close_order("ORD-CLOSE-01")
    assert (await pay.query("ORD-CLOSE-01"))["trade_state"] == "CLOSED"
    await paid_order(emulator, pay, receiver, "ORD-CLOSE-02", 100)
    with pytest.raises(WechatPayError) as exc:
        await pay.close_order("ORD-CLOSE-02")
    assert exc.value.code == "ORDERPAID"


async def test_payer_cancel_fail_and_expiry(emulator, pay):
    prepay_id = await pay.jsapi_prepay("ORD-CANCEL-1", 100, "Charging", emulator.openid("alice"), soon())
    assert emulator.pay(prepay_id, "CANCEL")["trade_state"] == "NOTPAY"
    assert emulator.pay(prepay_id, "FAIL")["trade_state"] == "PAYERROR"
    assert (await pay.query("ORD-CANCEL-1"))["trade_state"] == "PAYERROR"
    late = await pay.jsapi_prepay("ORD-LATE-001", 100, "Charging", emulator.openid("alice"), soon(-1))
    with pytest.raises(ValueError):
        emulator.pay(late)
    assert (await pay.query("ORD-LATE-001"))["trade_state"] == "CLOSED"
    assert not emulator.notifications


async def test_refund_completes_with_a_signed_refund_notification(emulator, pay, receiver):
    await paid_order(emulator, pay, receiver, "ORD-REFUND-1", 1000)
    answer = await pay.refund("RF-0001", "ORD-REFUND-1", 300, 1000, reason="unused funds")
    assert answer["status"] == "PROCESSING" and answer["amount"]["refund"] == 300
    assert (await pay.refund("RF-0001", "ORD-REFUND-1", 300, 1000, reason="unused funds"))["refund_id"] \
        == answer["refund_id"]
    await receiver.wait(2)
    path, headers, body = receiver.received[1]
    assert path == "/refund-notify"
    note = await pay.parse_notification(headers, body, now())
    assert note.event_type == "REFUND.SUCCESS"
    assert note.resource["out_refund_no"] == "RF-0001" and note.resource["refund_status"] == "SUCCESS"
    assert note.resource["amount"]["refund"] == 300
    assert (await pay.query_refund("RF-0001"))["status"] == "SUCCESS"
    assert (await pay.query("ORD-REFUND-1"))["trade_state"] == "REFUND"
    with pytest.raises(WechatPayError) as over:
        await pay.refund("RF-0002", "ORD-REFUND-1", 701, 1000)
    assert (over.value.status, over.value.code) == (403, "NOT_ENOUGH")
    with pytest.raises(WechatPayError) as gone:
        await pay.query_refund("RF-NONE")
    assert gone.value.status == 404


async def test_trade_bill_lists_the_days_payments_and_refunds(emulator, pay, receiver):
    await paid_order(emulator, pay, receiver, "ORD-BILL-001", 1234, user="alice")
    await paid_order(emulator, pay, receiver, "ORD-BILL-002", 5000, user="bob")
    await pay.refund("RF-BILL-1", "ORD-BILL-002", 1000, 5000)
    await receiver.wait(3)
    rows = await pay.trade_bill(datetime.now(BEIJING).date())
    payments = {r["out_trade_no"]: r for r in rows if r["trade_state"] == "SUCCESS"}
    refunds = [r for r in rows if r["trade_state"] == "REFUND"]
    assert {k: v["total_fen"] for k, v in payments.items()} == {"ORD-BILL-001": 1234, "ORD-BILL-002": 5000}
    assert payments["ORD-BILL-001"]["openid"] == emulator.openid("alice")
    assert payments["ORD-BILL-001"]["transaction_id"] == (await pay.query("ORD-BILL-001"))["transaction_id"]
    assert [(r["out_refund_no"], r["refund_fen"]) for r in refunds] == [("RF-BILL-1", 1000)]
    assert all(r["trade_time"].tzinfo is not None for r in rows)
    assert await pay.trade_bill(datetime.now(BEIJING).date() - timedelta(days=3)) == []


async def test_gateway_errors_are_unavailable(emulator, pay):
    emulator.fail_next("/v3/pay/transactions/jsapi", status=500, code="SYSTEM_ERROR", message="busy")
    with pytest.raises(WechatPayUnavailable) as exc:
        await pay.jsapi_prepay("ORD-BUSY-001", 100, "Charging", emulator.openid("alice"), soon())
    assert exc.value.code == "SYSTEM_ERROR"
    await pay.jsapi_prepay("ORD-BUSY-001", 100, "Charging", emulator.openid("alice"), soon())


async def test_pay_through_the_control_api(emulator, pay, receiver):
    prepay_id = await pay.jsapi_prepay("ORD-HTTP-001", 100, "Charging", emulator.openid("alice"), soon())
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.url}/emulator/pay/{prepay_id}", json={"result": "SUCCESS"}) as resp:
            assert resp.status == 200 and (await resp.json())["trade_state"] == "SUCCESS"
        async with http.post(f"{emulator.url}/emulator/pay/{prepay_id}", json={"result": "SUCCESS"}) as resp:
            assert resp.status == 409
        async with http.post(f"{emulator.url}/emulator/pay/nope", json={}) as resp:
            assert resp.status == 404
    await receiver.wait(1)
    async with aiohttp.ClientSession() as http, http.get(f"{emulator.url}/emulator/notifications") as resp:
        [listed] = await resp.json()
    assert listed["delivered"] is True and json.loads(receiver.received[0][2])["id"] == listed["id"]


async def test_a_bill_whose_sha1_differs_from_hash_value_is_refused(emulator, pay, receiver, monkeypatch):
    await paid_order(emulator, pay, receiver, "ORD-HASH-001", 100)
    real = emulator.state.trade_bill

    def wrong_hash(*args):
        token, _, served = real(*args)
        return token, "0" * 40, served

    monkeypatch.setattr(emulator.state, "trade_bill", wrong_hash)
    with pytest.raises(BillHashMismatch):
        await pay.trade_bill(datetime.now(BEIJING).date())
