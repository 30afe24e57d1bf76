"""Live WeChat Pay settings for each mode: platform certificates, the WeChat Pay public key (both
during WeChat's migration), and the service provider; the reconciliation time."""

from __future__ import annotations

import pytest

from csms.settings import load_settings
from csms.settings_checks import parse_clock_time
from tests.unit.csms.test_settings import _live, error_of


@pytest.fixture
def load(tmp_path):
    default = tmp_path / "default.toml"
    default.write_text('[database]\nurl = "sqlite+aiosqlite:///var/default.db"\n')
    return lambda env: load_settings(env=env, default_file=default)


def _public_key(tmp_path, **overrides) -> dict:
    pem = tmp_path / "pub_key.pem"
    pem.write_text("-----BEGIN PUBLIC KEY-----\n")
    return _live(tmp_path, **{"CSMS_WECHAT_PLATFORM_CERT_DIR": None, "CSMS_WECHAT_PAY_PUBLIC_KEY": str(pem),
                               "CSMS_WECHAT_PAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0119000000012025010100000000000001",
                               **overrides})


def test_public_key_mode_needs_no_certificate_directory(load, tmp_path):
    s = load(_public_key(tmp_path))
    assert s.wechat.platform_cert_dir == "" and s.wechat.pay_public_key_id.startswith("PUB_KEY_ID_")


def test_both_modes_may_be_configured_at_once(load, tmp_path):
    s = load(_public_key(tmp_path, CSMS_WECHAT_PLATFORM_CERT_DIR=str(tmp_path / "platform")))
    assert s.wechat.platform_cert_dir and s.wechat.pay_public_key


@pytest.mark.parametrize("missing,named", [
    ("CSMS_WECHAT_PAY_PUBLIC_KEY_ID", "setting wechat.pay_public_key_id: required with wechat.pay_public_key"),
    ("CSMS_WECHAT_PAY_PUBLIC_KEY", "setting wechat.pay_public_key: required with wechat.pay_public_key_id"),
])
def test_the_public_key_and_its_id_go_together(load, tmp_path, missing, named):
    assert error_of(lambda **kw: load(**kw), env=_public_key(tmp_path, **{missing: None})).startswith(named)


def test_live_mode_needs_certificates_or_the_public_key(load, tmp_path):
    message = error_of(lambda **kw: load(**kw), env=_live(tmp_path, CSMS_WECHAT_PLATFORM_CERT_DIR=None))
    assert message.startswith("setting wechat.platform_cert_dir: required when wechat.mode = live")
    assert "wechat.pay_public_key" in message


@pytest.mark.parametrize("overrides,named", [
    ({"CSMS_WECHAT_PAY_PUBLIC_KEY_ID": "0119000000012025"}, "wechat.pay_public_key_id: a WeChat Pay public key id"),
    ({"CSMS_WECHAT_PAY_PUBLIC_KEY": "/nowhere/pub_key.pem"}, "wechat.pay_public_key: file not found"),
])
def test_bad_public_key_settings_name_their_key(load, tmp_path, overrides, named):
    assert named in error_of(lambda **kw: load(**kw), env=_public_key(tmp_path, **overrides))


def test_service_provider_mode_needs_the_providers_appid(load, tmp_path):
    env = _live(tmp_path, CSMS_WECHAT_SUB_MCHID="1600000001")
    message = error_of(lambda **kw: load(**kw), env=env)
    assert message.startswith("setting wechat.sp_appid: required in service-provider mode")
    s = load({**env, "CSMS_WECHAT_SP_APPID": "wx5a5a5a5a5a5a5a5a"})
    assert (s.wechat.sub_mchid, s.wechat.sp_appid) == ("1600000001", "wx5a5a5a5a5a5a5a5a")
    assert "wechat.sub_mchid" in error_of(lambda **kw: load(**kw), env={**env, "CSMS_WECHAT_SUB_MCHID": "16-01"})
    assert "wechat.sub_mchid: required with wechat.sp_appid" in error_of(
        lambda **kw: load(**kw), env={"CSMS_WECHAT_SP_APPID": "wx5a5a5a5a5a5a5a5a"})


def test_reconciliation_time_and_emulator_signing_mode_are_checked(load, tmp_path):
    assert load({}).wechat.reconcile_at == "10:00" and parse_clock_time("9:05") == (9, 5)
    for bad in ("25:00", "10", "10:5", "ten"):
        assert "wechat.reconcile_at" in error_of(lambda **kw: load(**kw), env={"CSMS_WECHAT_RECONCILE_AT": bad})
    assert "wechat.emulator_pay_keys" in error_of(lambda **kw: load(**kw),
                                                 env={"CSMS_WECHAT_EMULATOR_PAY_KEYS": "rsa"})


def test_the_emulator_url_is_an_http_url(load):
    assert load({}).wechat.emulator_url == ""                         # default: the emulator in-process
    assert load({"CSMS_WECHAT_EMULATOR_URL": "http://127.0.0.1:9100"}).wechat.emulator_url == "http://127.0.0.1:9100"
    assert "wechat.emulator_url" in error_of(lambda **kw: load(**kw), env={"CSMS_WECHAT_EMULATOR_URL": "127.0.0.1:9100"})
