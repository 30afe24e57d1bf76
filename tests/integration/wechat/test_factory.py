"""build_wechat: emulator mode starts the emulator and wires both clients to it; live mode never does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csms.wechat.emulator import EmulatorConfig
from csms.wechat.factory import EMULATOR_DIR, build_wechat
from tests.support.server import make_settings


async def test_emulator_mode_generates_keys_and_points_both_clients_at_the_emulator(tmp_path):
    settings = make_settings(tmp_path, **{"wechat.mode": "emulator", "wechat.appid": "wxdemo0000000001"})
    var_dir = tmp_path / "var"
    bundle = await build_wechat(settings, var_dir)
    try:
        em = bundle.emulator
        assert em is not None and bundle.mini.base_url == em.url == bundle.pay.pay_base
        assert (var_dir / EMULATOR_DIR / "merchant_key.pem").is_file()
        assert (var_dir / EMULATOR_DIR / "platform_certs" / f"{em.keys.platform_serial}.pem").is_file()
        session = await bundle.mini.code2session(em.login_code("dora"))
        assert session.openid == em.openid("dora")
        bundle.pay.notify_url = "http://127.0.0.1:9/api/v1/pay/wechat/notify"      # set later by the root
        prepay_id = await bundle.pay.jsapi_prepay("ORD-FACTORY-1", 100, "Charging", session.openid,
                                                  datetime.now(UTC) + timedelta(minutes=5))
        assert (await bundle.pay.query("ORD-FACTORY-1"))["trade_state"] == "NOTPAY"
        assert em.state.transactions["ORD-FACTORY-1"].prepay_id == prepay_id
    finally:
        await bundle.close()


async def test_emulator_mode_reuses_generated_keys_and_takes_an_emulator_config(tmp_path, keys_dir):
    settings = make_settings(tmp_path)
    bundle = await build_wechat(settings, tmp_path / "var",
                                emulator_config=EmulatorConfig(data_dir=keys_dir, retry_delays=(0.01,)))
    try:
        assert bundle.emulator.keys.dir == keys_dir
        assert bundle.emulator.config.retry_delays == (0.01,)
        assert bundle.emulator.config.appid == settings.wechat.appid
        assert not (tmp_path / "var" / EMULATOR_DIR).exists()
    finally:
        await bundle.close()


async def test_live_mode_never_creates_an_emulator(tmp_path, keys_dir):
    settings = make_settings(tmp_path, **{
        "wechat.mode": "live", "wechat.appid": "wx1111111111111111", "wechat.secret": "s" * 32,
        "wechat.mch_id": "1900000109", "wechat.mch_serial_no": "ABCDEF0123456789",
        "wechat.mch_private_key": str(keys_dir / "merchant_key.pem"), "wechat.apiv3_key": "k" * 32,
        "wechat.platform_cert_dir": str(keys_dir / "platform_certs"),
        "wechat.notify_url": "https://csms.example.com/api/v1/pay/wechat/notify",
        "wechat.refund_notify_url": "https://csms.example.com/api/v1/pay/wechat/refund-notify",
        "wechat.push_token": "t" * 32, "api.public_url": "https://csms.example.com",
    })
    var_dir = tmp_path / "var"
    bundle = await build_wechat(settings, var_dir)
    try:
        assert bundle.emulator is None
        assert bundle.mini.base_url == "https://api.weixin.qq.com"
        assert bundle.pay.pay_base == "https://api.mch.weixin.qq.com"
        assert bundle.pay._wxpay._core._gate_way == "https://api.mch.weixin.qq.com"
        assert bundle.pay.notify_url == "https://csms.example.com/api/v1/pay/wechat/notify"
        assert not (var_dir / EMULATOR_DIR).exists()
    finally:
        await bundle.close()
