"""Operator remote control carries a request signature: checked whenever sent, required when
driver.operator_signatures = required; the operator's key comes from GET /api/v1/auth/sign-key."""

from __future__ import annotations

import secrets
import time

import orjson

from api.signing import signed_headers


async def _signed_post(csms, path: str, payload: dict, key: str, nonce: str | None = None):
    raw = orjson.dumps(payload)
    headers = {**csms.auth, "Content-Type": "application/json",
               **signed_headers(key, "POST", path, raw, timestamp=int(time.time()), nonce=nonce or secrets.token_hex(12))}
    async with csms.http.post(csms.api_url + path, data=raw, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_unsigned_remote_control_works_by_default_but_a_bad_signature_does_not(csms):
    cp = await csms.a_charge_point()
    path = f"/api/v1/admin/charge-points/{cp['id']}/calls/Reset"
    status, body = await csms.post(path, {"type": "Soft"})
    assert (status, body["error"]["code"]) == (409, "charge_point_offline")     # past the signature check
    status, body = await _signed_post(csms, path, {"type": "Soft"}, "0" * 64)
    assert (status, body["error"]["code"]) == (401, "bad_signature")


async def test_required_signatures_refuse_unsigned_and_replayed_operator_commands(csms_with):
    csms = await csms_with(**{"driver.operator_signatures": "required"})
    cp = await csms.a_charge_point()
    path = f"/api/v1/admin/charge-points/{cp['id']}/commands/reset"
    status, body = await csms.post(path, {"type": "Soft"})
    assert (status, body["error"]["code"]) == (401, "signature_required")
    status, key = await csms.get("/api/v1/auth/sign-key")
    assert status == 200 and len(key["sign_key"]) == 64
    nonce = secrets.token_hex(12)
    status, body = await _signed_post(csms, path, {"type": "Soft"}, key["sign_key"], nonce)
    assert (status, body["error"]["code"]) == (409, "charge_point_offline"), body   # signed: reaches the command
    status, body = await _signed_post(csms, path, {"type": "Soft"}, key["sign_key"], nonce)
    assert (status, body["error"]["code"]) == (409, "replayed_request")
    # reading is not remote control: no signature needed
    status, _ = await csms.get(f"/api/v1/admin/charge-points/{cp['id']}")
    assert status == 200
