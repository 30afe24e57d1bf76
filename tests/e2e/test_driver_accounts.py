"""Driver accounts over real sockets against the WeChat emulator: login, refresh rotation and reuse,
logout, phone binding (encrypted at rest), WeChat refusals, the login rate limit, wallet top-ups with
their ledger, and the scoping of everything to its owner."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from tests.support.driver import Driver


async def test_login_creates_one_user_per_openid_and_returns_tokens_and_a_sign_key(csms):
    alice = Driver(csms, "alice")
    first = await alice.login(nickname="Alice")
    assert first["token_type"] == "Bearer" and len(first["sign_key"]) == 64
    assert first["user"]["nickname"] == "Alice" and first["user"]["balance_fen"] == 0
    again = await alice.login()
    assert again["user"]["id"] == first["user"]["id"]
    other = await Driver(csms, "bob").login()
    assert other["user"]["id"] != first["user"]["id"]
    status, me = await alice.get("/api/v1/driver/me")
    assert status == 200 and me["id"] == first["user"]["id"] and me["phone_bound"] is False


async def test_a_used_or_unknown_code_is_refused_with_wechats_errcode(csms):
    emulator = csms.container.wechat.emulator
    code = emulator.login_code("carol")
    status, ok = await csms.post("/api/v1/driver/auth/wx-login", {"code": code}, token=None)
    assert status == 200, ok
    status, used = await csms.post("/api/v1/driver/auth/wx-login", {"code": code}, token=None)
    assert status == 401 and used["error"]["code"] == "wechat_login_failed" and used["error"]["errcode"] == 40163
    status, bad = await csms.post("/api/v1/driver/auth/wx-login", {"code": "no-such-code"}, token=None)
    assert status == 401 and bad["error"]["errcode"] == 40029
    status, empty = await csms.post("/api/v1/driver/auth/wx-login", {}, token=None)
    assert status == 400 and empty["error"]["code"] == "validation_error"


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_login(csms):
    alice = Driver(csms, "alice")
    tokens = await alice.login()
    status, second = await csms.post("/api/v1/driver/auth/refresh", {"refresh_token": tokens["refresh_token"]},
                                     token=None)
    assert status == 200 and second["refresh_token"] != tokens["refresh_token"]
    status, reused = await csms.post("/api/v1/driver/auth/refresh", {"refresh_token": tokens["refresh_token"]},
                                     token=None)
    assert (status, reused["error"]["code"]) == (401, "invalid_refresh_token")
    # the reuse revoked the whole chain, the newest token included
    status, _ = await csms.post("/api/v1/driver/auth/refresh", {"refresh_token": second["refresh_token"]}, token=None)
    assert status == 401


async def test_logout_revokes_the_refresh_token(csms):
    alice = Driver(csms, "alice")
    tokens = await alice.login()
    status, _ = await alice.post("/api/v1/driver/auth/logout", {"refresh_token": tokens["refresh_token"]})
    assert status == 204
    status, _ = await csms.post("/api/v1/driver/auth/refresh", {"refresh_token": tokens["refresh_token"]}, token=None)
    assert status == 401


async def test_phone_binding_shows_a_mask_and_stores_only_ciphertext(csms):
    alice = Driver(csms, "alice")
    await alice.login()
    code = csms.container.wechat.emulator.phone_code("13800138000")
    status, me = await alice.post("/api/v1/driver/me/phone", {"code": code})
    assert status == 200, me
    assert me["phone"] == "138****8000" and me["phone_bound"] is True
    async with csms.container.engine.connect() as conn:
        row = (await conn.execute(text("SELECT phone_enc, phone_hash FROM users WHERE id = :i"),
                                  {"i": alice.id})).one()
    assert "13800138000" not in row.phone_enc and "13800138000" not in row.phone_hash
    user = await csms.container.repos.users.get(alice.id)
    assert csms.container.accounts.driver_auth.phone_of(user) == "13800138000"


async def test_tokens_of_one_kind_do_not_open_the_other_kinds_endpoints(csms):
    alice = Driver(csms, "alice")
    await alice.login()
    status, body = await csms.get("/api/v1/admin/stations", token=alice.tokens["access_token"])
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await csms.get("/api/v1/driver/me")          # the admin's token
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_logins_over_the_rate_limit_get_429_with_retry_after(csms_with):
    csms = await csms_with(**{"driver.login_rate": "3/60"})
    emulator = csms.container.wechat.emulator
    statuses = []
    for i in range(4):
        async with csms.http.post(csms.api_url + "/api/v1/driver/auth/wx-login",
                                  json={"code": emulator.login_code(f"user{i}")}) as resp:
            statuses.append(resp.status)
            retry_after = resp.headers.get("Retry-After")
    assert statuses == [200, 200, 200, 429]
    assert retry_after is not None and int(retry_after) >= 1


async def test_a_top_up_credits_the_wallet_once_and_the_ledger_sums_to_the_balance(csms):
    emulator = csms.container.wechat.emulator
    alice = Driver(csms, "alice")
    await alice.login()
    status, unsigned = await alice.post("/api/v1/driver/wallet/topups", {"amount_fen": 5000})
    assert (status, unsigned["error"]["code"]) == (401, "signature_required")
    for amount in (5000, 1234):
        status, payment = await alice.post("/api/v1/driver/wallet/topups", {"amount_fen": amount}, signed=True)
        assert status == 201 and payment["state"] == "pending", payment
        emulator.pay(payment["pay_params"]["package"].split("=", 1)[1], "SUCCESS")

        async def paid(pid=payment["id"]):
            _, p = await alice.get(f"/api/v1/driver/payments/{pid}")
            return p["state"] == "paid"
        for _ in range(200):
            if await paid():
                break
            await asyncio.sleep(0.05)
        # asking WeChat again (the mini-program does after requestPayment) changes nothing
        status, synced = await alice.post(f"/api/v1/driver/payments/{payment['id']}/sync")
        assert (status, synced["state"]) == (200, "paid")
    status, wallet = await alice.get("/api/v1/driver/wallet")
    assert wallet == {"balance_fen": 6234}
    status, ledger = await alice.get("/api/v1/driver/wallet/ledger")
    assert [e["amount_fen"] for e in ledger] == [1234, 5000]
    assert sum(e["amount_fen"] for e in ledger) == ledger[0]["balance_after_fen"] == 6234
    assert await csms.container.repos.wallet.total(alice.id) == 6234


async def test_a_cancelled_payment_is_closed_and_credits_nothing(csms):
    alice = Driver(csms, "alice")
    await alice.login()
    _, payment = await alice.post("/api/v1/driver/wallet/topups", {"amount_fen": 800}, signed=True)
    status, closed = await alice.post(f"/api/v1/driver/payments/{payment['id']}/cancel", signed=True)
    assert (status, closed["state"], closed["pay_params"]) == (200, "closed", None)
    status, wallet = await alice.get("/api/v1/driver/wallet")
    assert wallet["balance_fen"] == 0


async def test_a_driver_cannot_see_or_touch_another_drivers_payments_and_orders(csms):
    alice, bob = Driver(csms, "alice"), Driver(csms, "bob")
    await alice.login()
    await bob.login()
    _, payment = await alice.post("/api/v1/driver/wallet/topups", {"amount_fen": 800}, signed=True)
    for method, path, signed in (("GET", f"/api/v1/driver/payments/{payment['id']}", False),
                                 ("POST", f"/api/v1/driver/payments/{payment['id']}/sync", False),
                                 ("POST", f"/api/v1/driver/payments/{payment['id']}/cancel", True)):
        status, body = await bob.request(method, path, {} if method == "POST" else None, signed=signed)
        assert (status, body["error"]["code"]) == (404, "not_found"), (path, body)
    status, mine = await bob.get("/api/v1/driver/wallet/ledger")
    assert (status, mine) == (200, [])
    status, orders = await bob.get("/api/v1/driver/orders")
    assert (status, orders) == (200, [])
    _, still = await alice.get(f"/api/v1/driver/payments/{payment['id']}")
    assert still["state"] == "pending"


async def test_payment_notifications_with_a_bad_signature_are_refused(csms):
    status, body = await csms.post("/api/v1/pay/wechat/notify", {"id": "x", "resource": {}}, token=None,
                                   headers={"Wechatpay-Serial": "1", "Wechatpay-Signature": "AAAA",
                                            "Wechatpay-Timestamp": "1", "Wechatpay-Nonce": "n"})
    assert status in (400, 401) and body["code"] == "FAIL"


async def test_the_public_config_names_the_emulator_in_emulator_mode(csms):
    status, config = await csms.get("/api/v1/driver/config", token=None)
    assert status == 200
    assert config["wechat_emulator_url"] == csms.container.wechat.emulator.url
    assert config["min_wallet_fen"] == csms.container.settings.driver.min_wallet_fen
    # the emulator answers its controls at that URL: a phone's wx.login for a named user
    async with csms.http.post(config["wechat_emulator_url"] + "/emulator/login-code", json={"user": "zed"}) as resp:
        issued = await resp.json()
    status, tokens = await csms.post("/api/v1/driver/auth/wx-login", {"code": issued["code"]}, token=None)
    assert status == 200 and tokens["user"]["id"] > 0


async def test_behind_a_trusted_proxy_the_login_limit_counts_the_forwarded_client(csms_with):
    csms = await csms_with(**{"driver.login_rate": "2/60", "api.trusted_proxies": "127.0.0.1"})
    emulator = csms.container.wechat.emulator

    async def login(client_ip: str, n: int) -> int:
        async with csms.http.post(csms.api_url + "/api/v1/driver/auth/wx-login",
                                  json={"code": emulator.login_code(f"u{client_ip}-{n}")},
                                  headers={"X-Forwarded-For": f"203.0.113.9, {client_ip}"}) as resp:
            return resp.status
    assert [await login("198.51.100.1", n) for n in range(3)] == [200, 200, 429]
    assert await login("198.51.100.2", 0) == 200            # another client behind the same proxy


async def test_an_untrusted_peer_cannot_pick_its_address_with_a_header(csms_with):
    csms = await csms_with(**{"driver.login_rate": "2/60"})
    emulator = csms.container.wechat.emulator
    statuses = []
    for n in range(3):
        async with csms.http.post(csms.api_url + "/api/v1/driver/auth/wx-login",
                                  json={"code": emulator.login_code(f"x{n}")},
                                  headers={"X-Forwarded-For": f"198.51.100.{n}"}) as resp:
            statuses.append(resp.status)
    assert statuses == [200, 200, 429]
