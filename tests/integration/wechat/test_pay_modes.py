"""WeChat Pay as merchants get it today, against the emulator over real sockets: the WeChat Pay
public key (微信支付公钥) instead of, or next to, the platform certificate, and the service-provider
(服务商) mode with a sub-merchant. Certificate mode is what test_pay.py covers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from csms.wechat import BadSignature, WechatPayError, signing
from csms.wechat.bill import BEIJING
from csms.wechat.emulator import EmulatorConfig, WechatEmulator
from tests.integration.wechat.conftest import APPID, pay_client

SUB_MCHID = "1600000001"
SP_APPID = "wx5a5a5a5a5a5a5a5a"


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=30)


def now() -> datetime:
    return datetime.now(UTC)


async def started(keys_dir, **config) -> WechatEmulator:
    em = WechatEmulator(EmulatorConfig(data_dir=keys_dir, appid=APPID, retry_delays=(0.05,), refund_delay=0.05,
                                       **config))
    await em.start()
    return em


@pytest.fixture
async def emulator_with(keys_dir):
    emulators: list[WechatEmulator] = []

    async def make(**config) -> WechatEmulator:
        emulators.append(await started(keys_dir, **config))
        return emulators[-1]

    try:
        yield make
    finally:
        for em in emulators:
            await em.stop()


@pytest.fixture
async def client_for():
    clients = []

    async def make(emulator, receiver, keys: str = "certificate", **overrides):
        """A client checking signatures with the certificate, the public key or both."""
        k = emulator.keys
        mode = {"platform_cert_dir": str(k.platform_cert_dir) if keys != "public_key" else ""}
        if keys != "certificate":
            mode.update(public_key_pem=k.public_key_pem, public_key_id=k.public_key_id)
        client = pay_client(emulator, receiver, **mode, **overrides)
        await client.start()
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


async def answer_serial(emulator, client_serial: str | None = None) -> str:
    """The Wechatpay-Serial of an answer to a correctly signed query, sent with or without a
    Wechatpay-Serial request header."""
    keys = emulator.keys
    path = f"/v3/pay/transactions/out-trade-no/NONE?mchid={keys.mchid}"
    auth = signing.authorization(keys.mchid, keys.merchant_serial, signing.load_private_key(keys.merchant_key_pem),
                                 "GET", path)
    headers = {"Authorization": auth, **({"Wechatpay-Serial": client_serial} if client_serial else {})}
    async with aiohttp.ClientSession() as http, http.get(emulator.url + path, headers=headers) as resp:
        assert resp.status == 404
        return resp.headers["Wechatpay-Serial"]


async def paid(emulator, pay, receiver, out_trade_no: str, fen: int = 500):
    prepay_id = await pay.jsapi_prepay(out_trade_no, fen, "Charging", emulator.openid("alice"), soon())
    result = emulator.pay(prepay_id)
    await emulator.wait_delivered(result["notification_id"])
    _, headers, body = receiver.received[-1]
    return prepay_id, headers, body


# --- the WeChat Pay public key -----------------------------------------------------------------------

async def test_public_key_mode_signs_answers_and_notifications_with_the_public_key(emulator_with, client_for,
                                                                                  receiver):
    emulator = await emulator_with(pay_keys="public_key")
    key_id = emulator.keys.public_key_id
    assert key_id.startswith("PUB_KEY_ID_01")
    pay = await client_for(emulator, receiver, keys="public_key")
    assert not pay.uses_certificates
    _, headers, body = await paid(emulator, pay, receiver, "ORD-PUBKEY-01", 700)
    assert headers["Wechatpay-Serial"] == key_id
    note = await pay.parse_notification(headers, body, now())
    assert note.event_type == "TRANSACTION.SUCCESS" and note.resource["amount"]["total"] == 700
    assert (await pay.query("ORD-PUBKEY-01"))["trade_state"] == "SUCCESS"        # answers verified
    assert await answer_serial(emulator) == key_id

    forged = signing.signed_headers(rsa.generate_private_key(public_exponent=65537, key_size=2048), key_id,
                                    body.decode())
    with pytest.raises(BadSignature):
        await pay.parse_notification(forged, body, now())
    emulator.fail_next("/v3/certificates", status=500)
    with pytest.raises(BadSignature):          # a key id we do not have: no certificate download tried
        await pay.parse_notification({**headers, "Wechatpay-Serial": "PUB_KEY_ID_0100000000000000"}, body, now())
    with pytest.raises(BadSignature):
        await pay.parse_notification({**headers, "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A72"}, body, now())
    assert emulator.state.faults["/v3/certificates"], "a public-key client asked for certificates"


async def test_a_certificate_client_cannot_work_with_a_public_key_merchant(emulator_with, client_for, receiver,
                                                                          tmp_path):
    emulator = await emulator_with(pay_keys="public_key")
    empty = pay_client(emulator, receiver, platform_cert_dir=str(tmp_path / "none"))
    with pytest.raises(WechatPayError) as exc:     # nothing to load, nothing at /v3/certificates
        await empty.start()
    assert exc.value.code == "NO_PLATFORM_CERTIFICATE"
    stale = await client_for(emulator, receiver, keys="certificate")       # an old certificate on disk
    with pytest.raises(BadSignature):
        await stale.jsapi_prepay("ORD-PUBKEY-02", 100, "Charging", emulator.openid("alice"), soon())


async def test_while_migrating_each_answer_and_notification_is_verified_by_the_serial_it_carries(
        emulator_with, client_for, receiver):
    emulator = await emulator_with(pay_keys="both", public_key_share=1.0)
    keys = emulator.keys
    pay = await client_for(emulator, receiver, keys="both")
    assert pay.uses_certificates and len(pay._platform_keys()) == 2
    # answers follow the request's Wechatpay-Serial (the package sends the public key id)
    assert await answer_serial(emulator, keys.public_key_id) == keys.public_key_id
    assert await answer_serial(emulator) == keys.platform_serial
    _, by_public_key, body1 = await paid(emulator, pay, receiver, "ORD-MIGRATE-1")
    async with aiohttp.ClientSession() as http, \
            http.post(f"{emulator.url}/emulator/public-key-share", json={"share": 0}) as resp:
        assert resp.status == 204
    _, by_certificate, body2 = await paid(emulator, pay, receiver, "ORD-MIGRATE-2")
    assert by_public_key["Wechatpay-Serial"] == keys.public_key_id
    assert by_certificate["Wechatpay-Serial"] == keys.platform_serial
    for headers, body in ((by_public_key, body1), (by_certificate, body2)):
        assert (await pay.parse_notification(headers, body, now())).resource["trade_state"] == "SUCCESS"
    assert [n["signed_with"] for n in await control(emulator, "notifications")] == ["public_key", "certificate"]

    # a client with the certificate alone refuses what the public key signed: configure both meanwhile
    certificate_only = await client_for(emulator, receiver, keys="certificate")
    assert (await certificate_only.query("ORD-MIGRATE-1"))["trade_state"] == "SUCCESS"
    await certificate_only.parse_notification(by_certificate, body2, now())
    with pytest.raises(BadSignature):
        await certificate_only.parse_notification(by_public_key, body1, now())


async def control(emulator, what: str):
    async with aiohttp.ClientSession() as http, http.get(f"{emulator.url}/emulator/{what}") as resp:
        return await resp.json()


# --- service provider (服务商) -------------------------------------------------------------------------

async def test_service_provider_orders_for_its_sub_merchant_on_the_partner_paths(emulator_with, client_for,
                                                                                receiver):
    emulator = await emulator_with(sub_mchid=SUB_MCHID, sp_appid=SP_APPID)
    pay = await client_for(emulator, receiver, sub_mchid=SUB_MCHID, sp_appid=SP_APPID)
    openid = emulator.openid("alice")
    prepay_id = await pay.jsapi_prepay("ORD-SP-0001", 1200, "Charging", openid, soon(), attach="order=7")
    request = emulator.state.transactions["ORD-SP-0001"].request
    assert (request["sp_appid"], request["sp_mchid"], request["sub_mchid"], request["sub_appid"]) == \
        (SP_APPID, emulator.keys.mchid, SUB_MCHID, APPID)
    assert request["payer"] == {"sub_openid": openid} and "appid" not in request and "mchid" not in request
    params = pay.pay_params(prepay_id)         # the mini-program pays: its own AppID, the provider's key
    assert params["appId"] == APPID
    assert signing.rsa_verify(signing.load_certificate(emulator.keys.merchant_cert_pem).public_key(),
                              f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n",
                              params["paySign"])

    emulator.pay(prepay_id)
    [(_, headers, body)] = await receiver.wait(1)
    note = await pay.parse_notification(headers, body, now())
    r = note.resource
    assert (r["sp_mchid"], r["sub_mchid"], r["sp_appid"], r["sub_appid"]) == (emulator.keys.mchid, SUB_MCHID,
                                                                              SP_APPID, APPID)
    assert r["payer"] == {"sub_openid": openid} and r["trade_state"] == "SUCCESS" and "mchid" not in r
    order = await pay.query("ORD-SP-0001")
    assert order["trade_state"] == "SUCCESS" and order["sub_mchid"] == SUB_MCHID
    assert order["transaction_id"] == r["transaction_id"]

    answer = await pay.refund("RF-SP-0001", "ORD-SP-0001", 200, 1200, reason="unused")
    assert answer["status"] == "PROCESSING" and emulator.state.refunds["RF-SP-0001"].request["sub_mchid"] == SUB_MCHID
    _, headers, body = (await receiver.wait(2))[1]
    refunded = await pay.parse_notification(headers, body, now())
    assert refunded.event_type == "REFUND.SUCCESS"
    assert (refunded.resource["sp_mchid"], refunded.resource["sub_mchid"]) == (emulator.keys.mchid, SUB_MCHID)
    assert (await pay.query_refund("RF-SP-0001"))["status"] == "SUCCESS"

    rows = await pay.trade_bill(datetime.now(BEIJING).date())
    assert {(row["trade_state"], row["sub_mchid"], row["mchid"], row["appid"]) for row in rows} == \
        {("SUCCESS", SUB_MCHID, emulator.keys.mchid, SP_APPID), ("REFUND", SUB_MCHID, emulator.keys.mchid, SP_APPID)}

    await pay.jsapi_prepay("ORD-SP-0002", 100, "Charging", openid, soon())
    await pay.close_order("ORD-SP-0002")
    assert (await pay.query("ORD-SP-0002"))["trade_state"] == "CLOSED"


async def test_the_service_providers_own_mini_program_pays_with_sp_openid(emulator_with, client_for, receiver):
    emulator = await emulator_with(sub_mchid=SUB_MCHID)             # sp_appid = the mini-program
    pay = await client_for(emulator, receiver, keys="public_key", sub_mchid=SUB_MCHID)
    prepay_id = await pay.jsapi_prepay("ORD-SP-OWN-1", 300, "Charging", emulator.openid("bob"), soon())
    request = emulator.state.transactions["ORD-SP-OWN-1"].request
    assert request["sp_appid"] == APPID and "sub_appid" not in request
    assert request["payer"] == {"sp_openid": emulator.openid("bob")}
    emulator.pay(prepay_id)
    [(_, headers, body)] = await receiver.wait(1)
    assert json.loads(body)["event_type"] == "TRANSACTION.SUCCESS"
    assert (await pay.parse_notification(headers, body, now())).resource["payer"] == {"sp_openid": emulator.openid("bob")}


async def test_partner_and_direct_apis_do_not_mix_and_sub_merchants_must_be_bound(emulator_with, client_for,
                                                                                 receiver):
    provider = await emulator_with(sub_mchid=SUB_MCHID, sp_appid=SP_APPID)
    direct = await client_for(provider, receiver)
    with pytest.raises(WechatPayError) as no_auth:
        await direct.jsapi_prepay("ORD-MIX-0001", 100, "Charging", provider.openid("alice"), soon())
    assert (no_auth.value.status, no_auth.value.code) == (403, "NO_AUTH")
    stranger = await client_for(provider, receiver, sub_mchid="1600009999", sp_appid=SP_APPID)
    with pytest.raises(WechatPayError) as unbound:
        await stranger.jsapi_prepay("ORD-MIX-0002", 100, "Charging", provider.openid("alice"), soon())
    assert (unbound.value.status, unbound.value.code) == (400, "INVALID_REQUEST")

    merchant = await emulator_with()
    partner = await client_for(merchant, receiver, sub_mchid=SUB_MCHID)
    with pytest.raises(WechatPayError) as not_provider:
        await partner.jsapi_prepay("ORD-MIX-0003", 100, "Charging", merchant.openid("alice"), soon())
    assert (not_provider.value.status, not_provider.value.code) == (403, "NO_AUTH")
