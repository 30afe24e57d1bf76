"""The V3 signature (ACS3-HMAC-SHA256) reproduces Aliyun's own documented example byte for byte, and
what one side signs the other verifies (the client and the emulator share csms.notify.aliyun_signing)."""

from __future__ import annotations

import dataclasses

from csms.notify import aliyun_signing as signing

# "V3版本请求体&签名机制" (help.aliyun.com/document_detail/2593177): RunInstances on ecs.cn-shanghai
DOC = {"method": "POST", "host": "ecs.cn-shanghai.aliyuncs.com", "action": "RunInstances", "version": "2014-05-26",
       "params": {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"},
       "body": b"", "access_key_id": "YourAccessKeyId", "access_key_secret": "YourAccessKeySecret",
       "date": "2023-10-26T10:22:32Z", "nonce": "3156853299f313e23d1673dc12e1703d"}


def test_the_documented_example():
    headers = signing.sign(**DOC)
    assert headers["x-acs-content-sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert headers["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        "x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0")
    names = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    request = signing.canonical_request("POST", "/", DOC["params"], headers, names, headers["x-acs-content-sha256"])
    assert signing.sha256_hex(request.encode()) == "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"


def test_percent_encoding_is_rfc_3986():
    assert signing.percent("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"
    assert signing.canonical_query({"b": "2", "a": "x y", "A": "1"}) == "A=1&a=x%20y&b=2"


def _received(headers: dict) -> tuple[signing.Authorization, dict]:
    lower = {k.lower(): v for k, v in headers.items()}
    return signing.parse_authorization(lower.pop("authorization")), lower


def test_what_is_signed_verifies_and_any_change_does_not():
    body = b"PhoneNumbers=13800138000"
    headers = signing.sign(**{**DOC, "body": body, "content_type": "application/x-www-form-urlencoded"})
    auth, received = _received(headers)
    assert "content-type" in auth.signed_headers
    assert signing.verify("YourAccessKeySecret", auth, "POST", DOC["params"], received, body) is None
    assert "signature" in signing.verify("another secret", auth, "POST", DOC["params"], received, body)
    assert signing.verify("YourAccessKeySecret", auth, "POST", {**DOC["params"], "RegionId": "cn-beijing"},
                          received, body) is not None
    assert "sha256" in signing.verify("YourAccessKeySecret", auth, "POST", DOC["params"], received, b"tampered").lower()
    assert signing.verify("YourAccessKeySecret", auth, "POST", DOC["params"],
                          {**received, "x-acs-extra": "unsigned"}, body) is not None     # every x-acs-* is signed
    assert signing.parse_authorization("acs YourAccessKeyId:abc") is None


def test_a_signature_with_non_ascii_characters_is_refused_not_an_exception():
    body = b"PhoneNumbers=13800138000"
    headers = signing.sign(**{**DOC, "body": body, "content_type": "application/x-www-form-urlencoded"})
    auth, received = _received(headers)
    forged = dataclasses.replace(auth, signature="\u00e6" + auth.signature[1:])
    assert "signature" in signing.verify("YourAccessKeySecret", forged, "POST", DOC["params"], received, body)
