"""Request signatures per docs/contract.md: the message, the four error codes, replay, and that a
forged request never burns a nonce."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from api.errors import ApiError
from api.signing import rate_limited, sign_key_for, signature, signed_headers, verify_request
from csms.services.nonces import InProcessNonceStore

SECRET = "test-secret-" + "x" * 32
NOW = 1_764_000_000
CLAIMS = {"sub": "7", "kind": "driver", "jti": "jti-abc"}
NONCE = "n0nce-0123456789_ab"
PATH = "/api/v1/driver/sessions?x=%E4%B8%AD&y=1"
BODY = b'{"charge_point_id":"CP-1","connector_id":1}'


def test_sign_key_is_hmac_of_the_jti():
    expected = hmac.new(SECRET.encode(), b"sign:jti-abc", hashlib.sha256).hexdigest()
    assert sign_key_for(SECRET, "jti-abc") == expected
    assert sign_key_for(SECRET, "jti-abd") != expected


def test_signature_is_over_the_contract_message():
    key = sign_key_for(SECRET, "jti-abc")
    message = "POST\n" + PATH + "\n" + str(NOW) + "\n" + NONCE + "\n" + hashlib.sha256(BODY).hexdigest()
    expected = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert signature(key, "post", PATH, NOW, NONCE, BODY) == expected
    assert expected == expected.lower()


def request(headers: dict, method: str = "POST", path: str = PATH):
    return make_mocked_request(method, path, headers=CIMultiDict(headers))


def signed(claims=CLAIMS, *, ts=NOW, nonce=NONCE, body=BODY, method="POST", path=PATH) -> dict:
    return signed_headers(sign_key_for(SECRET, claims["jti"]), method, path, body, timestamp=ts, nonce=nonce)


async def verify(headers: dict, *, body=BODY, claims=CLAIMS, nonces=None, required=True, now=NOW,
                 method="POST", path=PATH):
    nonces = nonces if nonces is not None else InProcessNonceStore()
    await verify_request(request(headers, method, path), body, claims, secret=SECRET, window=300,
                         nonces=nonces, now=now, required=required)


async def refused(headers: dict, **kw) -> ApiError:
    with pytest.raises(ApiError) as err:
        await verify(headers, **kw)
    return err.value


async def test_a_correct_signature_passes_once_then_is_a_replay():
    nonces = InProcessNonceStore()
    await verify(signed(), nonces=nonces)
    err = await refused(signed(), nonces=nonces)
    assert (err.status, err.code) == (409, "replayed_request")


async def test_the_same_nonce_from_another_caller_is_not_a_replay():
    nonces = InProcessNonceStore()
    other = {"sub": "8", "kind": "driver", "jti": "jti-other"}
    await verify(signed(), nonces=nonces)
    await verify(signed(other), claims=other, nonces=nonces)


async def test_missing_signature_when_required():
    err = await refused({})
    assert (err.status, err.code) == (401, "signature_required")
    headers = signed()
    del headers["X-Nonce"]
    err = await refused(headers)
    assert (err.status, err.code) == (401, "signature_required") and "X-Nonce" in err.message


async def test_unsigned_is_fine_when_optional_but_a_sent_signature_is_checked():
    await verify({}, required=False)
    headers = signed()
    headers["X-Signature"] = "0" * 64
    err = await refused(headers, required=False)
    assert (err.status, err.code) == (401, "bad_signature")


@pytest.mark.parametrize("offset,ok", [(300, True), (-300, True), (301, False), (-301, False)])
async def test_timestamp_window(offset, ok):
    headers = signed(ts=NOW + offset)
    if ok:
        await verify(headers)
    else:
        err = await refused(headers)
        assert (err.status, err.code) == (401, "signature_expired")


@pytest.mark.parametrize("change", [
    {"body": b'{"charge_point_id":"CP-2","connector_id":1}'},
    {"method": "PUT"},
    {"path": "/api/v1/driver/sessions?x=%E4%B8%AD&y=2"},
    {"claims": {"sub": "7", "kind": "driver", "jti": "another-token"}},
])
async def test_any_change_to_what_was_signed_is_a_bad_signature(change):
    err = await refused(signed(), **change)
    assert (err.status, err.code) == (401, "bad_signature")


@pytest.mark.parametrize("headers", [
    {"X-Timestamp": "12.5"},
    {"X-Nonce": "short"},
    {"X-Nonce": "has space in it 0123456"},
    {"X-Signature": "zz" * 32},
    {"X-Signature": "ab" * 10},
])
async def test_malformed_headers_are_a_bad_signature(headers):
    err = await refused({**signed(), **headers})
    assert (err.status, err.code) == (401, "bad_signature")


async def test_upper_case_hex_is_accepted():
    headers = signed()
    headers["X-Signature"] = headers["X-Signature"].upper()
    await verify(headers)


async def test_a_token_without_jti_cannot_sign():
    no_jti = {"sub": "7", "kind": "driver"}
    headers = signed({**no_jti, "jti": ""})
    err = await refused(headers, claims=no_jti)
    assert (err.status, err.code) == (401, "bad_signature")


async def test_a_forged_request_does_not_burn_the_nonce():
    nonces = InProcessNonceStore()
    forged = {**signed(), "X-Signature": "1" * 64}
    assert (await refused(forged, nonces=nonces)).code == "bad_signature"
    assert (await refused(signed(ts=NOW - 1000), nonces=nonces)).code == "signature_expired"
    await verify(signed(), nonces=nonces)                  # the real request with that nonce still goes through


def test_rate_limited_carries_retry_after():
    err = rate_limited(12.01)
    assert (err.status, err.code) == (429, "rate_limited")
    assert err.headers == {"Retry-After": "13"} and err.extra == {"retry_after": 13}
    assert rate_limited(0.001).headers["Retry-After"] == "1"
