"""build_wechat in each WeChat Pay mode: the emulator plays the one settings choose, and live
settings give the client exactly those credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms.settings import SettingsError
from csms.wechat.factory import build_wechat
from tests.support.server import make_settings

LIVE = {"wechat.mode": "live", "wechat.appid": "wx1111111111111111", "wechat.secret": "s" * 32,
        "wechat.mch_id": "1900000109", "wechat.mch_serial_no": "ABCDEF0123456789", "wechat.apiv3_key": "k" * 32,
        "wechat.notify_url": "https://csms.example.com/api/v1/pay/wechat/notify",
        "wechat.refund_notify_url": "https://csms.example.com/api/v1/pay/wechat/refund-notify",
        "wechat.push_token": "t" * 32, "api.public_url": "https://csms.example.com"}


async def test_emulator_mode_plays_the_public_key_and_the_service_provider_settings_choose(tmp_path):
    settings = make_settings(tmp_path, **{"wechat.emulator_pay_keys": "public_key", "wechat.sub_mchid": "1600000002",
                                          "wechat.sp_appid": "wx5a5a5a5a5a5a5a5a"})
    bundle = await build_wechat(settings, tmp_path / "var")
    try:
        em, pay = bundle.emulator, bundle.pay
        assert em.state.signer.mode == "public_key" and em.state.sub_mchid == "1600000002"
        assert pay.partner and not pay.uses_certificates and pay.config.public_key_id == em.keys.public_key_id
        pay.notify_url = "http://127.0.0.1:9/notify"
        await pay.jsapi_prepay("ORD-FACTORY-SP", 100, "Charging", em.openid("dora"),
                               datetime.now(UTC) + timedelta(minutes=5))
        order = await pay.query("ORD-FACTORY-SP")
        assert (order["sub_mchid"], order["sub_appid"], order["sp_appid"]) == \
            ("1600000002", settings.wechat.appid, "wx5a5a5a5a5a5a5a5a")
    finally:
        await bundle.close()


async def test_live_public_key_mode_starts_without_certificates_or_network(tmp_path, keys_dir):
    settings = make_settings(tmp_path, **LIVE, **{
        "wechat.mch_private_key": str(keys_dir / "merchant_key.pem"),
        "wechat.pay_public_key": str(keys_dir / "pub_key.pem"),
        "wechat.pay_public_key_id": "PUB_KEY_ID_0119000001092025010100000000000001",
        "wechat.sub_mchid": "1600000003", "wechat.sp_appid": "wx1111111111111111"})
    bundle = await build_wechat(settings, tmp_path / "var")
    try:
        pay = bundle.pay
        assert bundle.emulator is None and pay.partner and not pay.uses_certificates
        assert list(pay._platform_keys()) == ["PUB_KEY_ID_0119000001092025010100000000000001"]
        assert pay._wxpay._core._public_key_id == "PUB_KEY_ID_0119000001092025010100000000000001"
    finally:
        await bundle.close()


async def test_a_public_key_file_that_is_no_key_is_one_line_naming_the_setting(tmp_path, keys_dir):
    bad = tmp_path / "pub_key.pem"
    bad.write_text("not a key\n")
    settings = make_settings(tmp_path, **LIVE, **{
        "wechat.mch_private_key": str(keys_dir / "merchant_key.pem"), "wechat.pay_public_key": str(bad),
        "wechat.pay_public_key_id": "PUB_KEY_ID_0119000001092025010100000000000001"})
    with pytest.raises(SettingsError) as exc:
        await build_wechat(settings, tmp_path / "var")
    assert str(exc.value).startswith("setting wechat.pay_public_key: cannot load the key") and "\n" not in str(exc.value)


async def test_an_emulator_url_uses_the_emulator_running_elsewhere_and_its_keys(tmp_path):
    """wechat.emulator_url: no emulator is started here; the clients use the one at that URL, with
    the keys it generated into the shared data directory, and point its push URL at this API."""
    from csms.wechat.emulator import EmulatorConfig, WechatEmulator
    from csms.wechat.factory import EMULATOR_DIR
    elsewhere = WechatEmulator(EmulatorConfig(data_dir=tmp_path / "var" / EMULATOR_DIR))
    await elsewhere.start()
    settings = make_settings(tmp_path, **{"wechat.emulator_url": elsewhere.url})
    bundle = await build_wechat(settings, tmp_path / "var", api_url="http://127.0.0.1:9")
    try:
        assert bundle.emulator is None and bundle.pay.config.mchid == elsewhere.keys.mchid
        await bundle.pay.jsapi_prepay("ORD-FACTORY-URL", 100, "Charging", elsewhere.openid("eve"),
                                      datetime.now(UTC) + timedelta(minutes=5))
        assert (await bundle.pay.query("ORD-FACTORY-URL"))["trade_state"] == "NOTPAY"
        assert elsewhere.state.transactions["ORD-FACTORY-URL"].notify_url == "http://127.0.0.1:9/api/v1/pay/wechat/notify"
        assert elsewhere.state.push_url == "http://127.0.0.1:9/api/v1/wechat/push"
        code = elsewhere.login_code("eve")
        assert (await bundle.mini.code2session(code)).openid == elsewhere.openid("eve")
    finally:
        await bundle.close()
        await elsewhere.stop()
