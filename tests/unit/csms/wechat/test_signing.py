"""WeChat Pay v3 signature rules and AES-256-GCM, as pure functions."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from csms.wechat import BadNotification, BadSignature, StaleNotification, signing

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TS = str(int(NOW.timestamp()))


def test_authorization_signs_the_five_line_message(rsa_key):
    header = signing.authorization("1900000109", "5157F09EFDC096DE15EBE81A47057A72", rsa_key, "POST",
                                   "/v3/pay/transactions/jsapi", '{"a":1}', timestamp=TS, nonce="NONCE1")
    fields = signing.parse_authorization(header)
    assert fields["mchid"] == "1900000109" and fields["nonce_str"] == "NONCE1" and fields["timestamp"] == TS
    message = f'POST\n/v3/pay/transactions/jsapi\n{TS}\nNONCE1\n{{"a":1}}\n'.encode()
    rsa_key.public_key().verify(base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    assert signing.parse_authorization("Bearer x") is None
    assert signing.parse_authorization('WECHATPAY2-SHA256-RSA2048 mchid="1"') is None


def test_verify_wechatpay_headers(rsa_key):
    keys = {"ABC123": rsa_key.public_key()}
    headers = signing.signed_headers(rsa_key, "ABC123", "body", timestamp=TS, nonce="N")
    signing.verify_wechatpay(headers, "body", keys, now=NOW)
    signing.verify_wechatpay({k.lower(): v for k, v in headers.items()}, "body", keys, now=NOW)  # any case
    with pytest.raises(BadSignature):
        signing.verify_wechatpay(headers, "body!", keys, now=NOW)
    with pytest.raises(BadSignature):
        signing.verify_wechatpay({**headers, "Wechatpay-Serial": "FFFF"}, "body", keys, now=NOW)
    with pytest.raises(StaleNotification):
        signing.verify_wechatpay(headers, "body", keys, now=datetime.fromtimestamp(int(TS) + 301, UTC))
    signing.verify_wechatpay(headers, "body", keys, now=datetime.fromtimestamp(int(TS) + 300, UTC))


def test_aes_gcm_round_trip_and_tamper(rsa_key):
    key = "0123456789abcdef0123456789abcdef"
    ct = signing.aes_gcm_encrypt(key, "abcdefghijkl", "transaction", b'{"x":1}')
    assert signing.aes_gcm_decrypt(key, "abcdefghijkl", "transaction", ct) == b'{"x":1}'
    with pytest.raises(BadNotification):
        signing.aes_gcm_decrypt(key, "abcdefghijkl", "refund", ct)              # other associated data
    with pytest.raises(BadNotification):
        signing.aes_gcm_decrypt("f" * 32, "abcdefghijkl", "transaction", ct)    # other key
    with pytest.raises(BadNotification):
        signing.aes_gcm_decrypt(key, "abcdefghijkl", "transaction", "not base64!")


def test_pay_sign_is_over_appid_timestamp_nonce_package(rsa_key):
    sig = signing.pay_sign(rsa_key, "wxAPP", "1700000000", "NONCE", "prepay_id=wx1")
    assert signing.rsa_verify(rsa_key.public_key(), "wxAPP\n1700000000\nNONCE\nprepay_id=wx1\n", sig)
    assert not signing.rsa_verify(rsa_key.public_key(), "wxAPP\n1700000000\nNONCE\nprepay_id=wx2\n", sig)
