"""Replays and tampering over real HTTP (issue 16 item 5): WeChat Pay notifications replayed and modified
(the emulator signs as WeChat Pay does), signed driver requests and signed operator commands replayed and
modified, expired and forged JWTs. Whatever is refused moves no money and starts nothing; what is
accepted twice is credited once. (A refresh token reused after its rotation revokes the login:
tests/e2e/test_driver_accounts.py; the emulator's redelivery with fresh headers: test_driver_money.py.)"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

from api.signing import signed_headers
from csms.wechat import signing as wechat_signing
from tests.e2e.test_driver_sessions import a_driver
from tests.support.driver import prepay_id

NOTIFY = "/api/v1/pay/wechat/notify"


async def _post(csms, path: str, body: bytes, headers: dict) -> tuple[int, dict | None]:
    async with csms.http.post(csms.api_url + path, data=body, headers={"Content-Type": "application/json",
                                                                         **headers}) as resp:
        raw = await resp.read()
        return resp.status, (json.loads(raw) if raw else None)


async def _a_paid_topup(csms, driver, fen: int):
    """A top-up WeChat Pay confirmed, its notification delivered once: (payment, notification)."""
    emulator = csms.container.wechat.emulator
    _, payment = await driver.post("/api/v1/driver/wallet/topups", {"amount_fen": fen}, signed=True)
    emulator.pay(prepay_id(payment["pay_params"]), "SUCCESS")
    note = next(n for n in emulator.notifications if n.event_type == "TRANSACTION.SUCCESS"
                and n.resource["out_trade_no"] == payment["out_trade_no"])
    await emulator.wait_delivered(note.id)
    return payment, note


def _wechat_headers(csms, note, body: str) -> dict:
    """Wechatpay-* headers as WeChat Pay itself would sign ``body`` (fresh timestamp and nonce)."""
    return csms.container.wechat.emulator.state.signer.headers(note.signed_with, body)


async def test_replayed_and_modified_payment_notifications_credit_once(csms):
    pat = await a_driver(csms, "pat")
    payment, note = await _a_paid_topup(csms, pat, 800)
    assert await pat.balance() == 800

    # the very bytes and headers WeChat sent, replayed at once and again: refused (nonce seen) or a no-op
    headers = _wechat_headers(csms, note, note.body)
    answers = await asyncio.gather(*(_post(csms, NOTIFY, note.body.encode(), headers) for _ in range(6)))
    assert {status for status, _ in answers} <= {204, 401}, answers
    # the same notification signed afresh (WeChat's redelivery): acknowledged, changes nothing
    assert (await _post(csms, NOTIFY, note.body.encode(), _wechat_headers(csms, note, note.body)))[0] == 204

    body = json.loads(note.body)
    cipher = body["resource"]["ciphertext"]
    flipped = cipher[:10] + ("A" if cipher[10] != "A" else "B") + cipher[11:]
    tampered = json.dumps({**body, "resource": {**body["resource"], "ciphertext": flipped}})
    # modified after signing: the signature no longer holds
    status, answer = await _post(csms, NOTIFY, tampered.encode(), _wechat_headers(csms, note, note.body))
    assert (status, answer["code"], answer["error"]["code"]) == (401, "FAIL", "bad_signature")
    # signed by someone else under WeChat's serial: refused
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = wechat_signing.signed_headers(key, headers["Wechatpay-Serial"], tampered)
    assert (await _post(csms, NOTIFY, tampered.encode(), forged))[0] == 401
    # signed by WeChat but the resource does not decrypt (not the APIv3 key's): not a notification
    status, answer = await _post(csms, NOTIFY, tampered.encode(), _wechat_headers(csms, note, tampered))
    assert (status, answer["error"]["code"]) == (400, "bad_notification")
    # a stale timestamp
    stale = {**_wechat_headers(csms, note, note.body)}
    stale["Wechatpay-Timestamp"] = str(int(time.time()) - 3600)
    assert (await _post(csms, NOTIFY, note.body.encode(), stale))[0] == 401

    assert await pat.balance() == 800
    page = await csms.container.repos.wallet.entries(pat.id, limit=100)
    assert [e.ref for e in page.items] == [f"pay:{payment['id']}"]


async def test_a_modified_or_replayed_signed_driver_request_is_refused_and_does_nothing(csms):
    sam = await a_driver(csms, "sam")
    path = "/api/v1/driver/wallet/topups"
    raw = orjson.dumps({"amount_fen": 500})
    headers = {"Authorization": f"Bearer {sam.tokens['access_token']}", "Content-Type": "application/json",
               **signed_headers(sam.tokens["sign_key"], "POST", path, raw, timestamp=int(time.time()),
                                nonce=secrets.token_hex(12))}
    # modified body, path or method under the original signature
    for method, where, body in (("POST", path, orjson.dumps({"amount_fen": 50000})),
                                ("POST", path + "?x=1", raw), ("PUT", path, raw)):
        status, answer = await sam.raw(method, where, body, headers)
        assert status in (401, 404, 405), (method, where, status, answer)
        if status == 401:
            assert answer["error"]["code"] == "bad_signature"
    # the request as signed: once, then a replay
    status, first = await sam.raw("POST", path, raw, headers)
    assert status == 201, first
    status, again = await sam.raw("POST", path, raw, headers)
    assert (status, again["error"]["code"]) == (409, "replayed_request")
    # an old signature (outside the window) with a fresh nonce
    old = {**headers, **signed_headers(sam.tokens["sign_key"], "POST", path, raw, timestamp=int(time.time()) - 3600,
                                       nonce=secrets.token_hex(12))}
    status, answer = await sam.raw("POST", path, raw, old)
    assert (status, answer["error"]["code"]) == (401, "signature_expired")
    # another driver's signing key under this driver's token
    kim = await a_driver(csms, "kim")
    theirs = {**headers, **signed_headers(kim.tokens["sign_key"], "POST", path, raw, timestamp=int(time.time()),
                                          nonce=secrets.token_hex(12))}
    assert (await sam.raw("POST", path, raw, theirs))[0] == 401
    status, page = await csms.get(f"/api/v1/admin/payments?user_id={sam.id}")
    assert status == 200 and len(page) == 1


async def test_a_modified_or_replayed_signed_operator_command_is_refused(csms_with):
    csms = await csms_with(**{"driver.operator_signatures": "required"})
    cp = await csms.a_charge_point()
    path = f"/api/v1/admin/charge-points/{cp['id']}/commands/reset"
    _, key = await csms.get("/api/v1/auth/sign-key")
    raw = orjson.dumps({"type": "Soft"})
    headers = {**csms.auth, "Content-Type": "application/json",
               **signed_headers(key["sign_key"], "POST", path, raw, timestamp=int(time.time()),
                                nonce=secrets.token_hex(12))}

    async def send(where, body, h):
        async with csms.http.post(csms.api_url + where, data=body, headers=h) as resp:
            return resp.status, await resp.json()
    status, answer = await send(path, orjson.dumps({"type": "Hard"}), headers)          # modified
    assert (status, answer["error"]["code"]) == (401, "bad_signature")
    other = f"/api/v1/admin/charge-points/{cp['id']}/commands/unlock"                   # another command
    assert (await send(other, raw, headers))[0] == 401
    status, answer = await send(path, raw, headers)
    assert (status, answer["error"]["code"]) == (409, "charge_point_offline")           # reached the command
    status, answer = await send(path, raw, headers)
    assert (status, answer["error"]["code"]) == (409, "replayed_request")


def _claims(csms) -> dict:
    return jwt.decode(csms.token, options={"verify_signature": False})


async def test_expired_forged_and_altered_tokens_are_401(csms):
    claims = _claims(csms)
    secret = "test-secret-" + "x" * 32
    cases = {
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 5}, secret, algorithm="HS256"),
        "another key": jwt.encode(claims, "not-the-secret-" + "y" * 32, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "not yet valid": jwt.encode({**claims, "nbf": int(time.time()) + 3600}, secret, algorithm="HS256"),
        "another issuer": jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256"),
    }
    head, payload, sig = csms.token.split(".")
    raised = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin", "sub": "999"}).encode()).decode().rstrip("=")
    cases["claims edited, signature kept"] = f"{head}.{raised}.{sig}"
    cases["signature stripped"] = f"{head}.{payload}."
    for name, token in cases.items():
        status, body = await csms.get("/api/v1/admin/stations", token=token)
        assert status == 401, (name, status, body)
        assert body["error"]["code"] in ("invalid_token", "token_expired", "unauthorized"), (name, body)
    # a driver's token is no staff token, and a staff token no driver's
    pat = await a_driver(csms, "pat2")
    assert (await csms.get("/api/v1/admin/stations", token=pat.tokens["access_token"]))[0] in (401, 403)
    assert (await csms.get("/api/v1/driver/wallet", token=csms.token))[0] in (401, 403)
