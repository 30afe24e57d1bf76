from __future__ import annotations

from pathlib import Path

import pytest

from csms.settings import DEFAULT_CONFIG, OcppSettings, SettingsError, load_settings
from csms.settings_values import parse_message_log


@pytest.fixture
def default_file(tmp_path) -> Path:
    path = tmp_path / "default.toml"
    path.write_text('[database]\nurl = "sqlite+aiosqlite:///var/default.db"\n\n[ocpp]\nport = 9000\n')
    return path


@pytest.fixture
def load(default_file, tmp_path):
    """load_settings with an isolated default file and environment; ``toml`` writes a --config file."""
    def _load(flags=None, env=None, toml: str | None = None, default=default_file):
        config_file = None
        if toml is not None:
            config_file = tmp_path / "site.toml"
            config_file.write_text(toml)
        return load_settings(flags=flags, env=env or {}, config_file=config_file, default_file=default)
    return _load


def error_of(load, **kw) -> str:
    with pytest.raises(SettingsError) as caught:
        load(**kw)
    message = str(caught.value)
    assert "\n" not in message, "settings errors are one line"
    return message


# -- precedence --------------------------------------------------------------------------------------
FILE = "[ocpp]\nport = 9100\n"
ENV = {"CSMS_OCPP_PORT": "9200"}
FLAG = {"ocpp.port": 9300}


def test_a_flag_beats_the_environment_the_file_and_the_default(load):
    assert load(flags=FLAG, env=ENV, toml=FILE).ocpp.port == 9300


def test_the_environment_beats_the_file_and_the_default(load):
    assert load(env=ENV, toml=FILE).ocpp.port == 9200


def test_the_config_file_beats_the_default(load):
    assert load(toml=FILE).ocpp.port == 9100


def test_the_default_file_applies_when_nothing_else_is_given(load):
    assert load().ocpp.port == 9000


def test_a_key_in_no_file_takes_the_declared_default(load):
    assert load().ocpp.heartbeat_interval == OcppSettings.__dataclass_fields__["heartbeat_interval"].default


def test_a_flag_given_as_none_is_not_given(load):
    assert load(flags={"ocpp.port": None}, env=ENV).ocpp.port == 9200


def test_contract_named_variables_are_read(load):
    s = load(env={"CSMS_JWT_SECRET": "s" * 40, "CSMS_ADMIN_USERNAME": "root", "CSMS_ADMIN_PASSWORD": "pw"})

    assert (s.api.jwt_secret, s.api.admin_username, s.api.admin_password) == ("s" * 40, "root", "pw")


def test_the_shipped_default_file_loads():
    settings = load_settings(env={})

    assert settings.database.url.startswith("sqlite+aiosqlite://")
    assert DEFAULT_CONFIG.is_file()


# -- casting -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [("1", True), ("true", True), ("YES", True), (" on ", True),
                                           ("0", False), ("false", False), ("No", False), ("off", False)])
def test_booleans_from_the_environment(load, text, expected):
    assert load(env={"CSMS_OCPP_AUTO_REGISTER": text}).ocpp.auto_register is expected


def test_numbers_from_the_environment_are_cast(load):
    s = load(env={"CSMS_OCPP_PORT": " 9001 ", "CSMS_OCPP_HEARTBEAT_GRACE": "3", "CSMS_OCPP_CALL_TIMEOUT": "7.5"})

    assert (s.ocpp.port, s.ocpp.heartbeat_grace, s.ocpp.call_timeout) == (9001, 3.0, 7.5)
    assert isinstance(s.ocpp.heartbeat_grace, float)


def test_toml_values_are_cast_to_the_declared_type(load):
    s = load(toml="[ocpp]\nheartbeat_grace = 2\nauto_register = true\n[log]\nlevel = \"DEBUG\"\n")

    assert (s.ocpp.heartbeat_grace, s.ocpp.auto_register, s.log.level) == (2.0, True, "DEBUG")
    assert isinstance(s.ocpp.heartbeat_grace, float)


def test_flags_are_cast_too(load):
    s = load(flags={"ocpp.port": "9444", "ocpp.auto_register": "yes"})

    assert (s.ocpp.port, s.ocpp.auto_register) == (9444, True)


# -- errors name the key ---------------------------------------------------------------------------
@pytest.mark.parametrize("env,key,source", [
    ({"CSMS_OCPP_PORT": "ninety"}, "ocpp.port", "CSMS_OCPP_PORT"),
    ({"CSMS_OCPP_PORT": "90.5"}, "ocpp.port", "CSMS_OCPP_PORT"),
    ({"CSMS_OCPP_AUTO_REGISTER": "maybe"}, "ocpp.auto_register", "CSMS_OCPP_AUTO_REGISTER"),
    ({"CSMS_OCPP_HEARTBEAT_GRACE": "lots"}, "ocpp.heartbeat_grace", "CSMS_OCPP_HEARTBEAT_GRACE"),
])
def test_a_bad_value_in_the_environment_names_the_key_and_the_variable(load, env, key, source):
    message = error_of(load, env=env)

    assert key in message and source in message


def test_a_bad_flag_names_the_flag(load):
    message = error_of(load, flags={"api.port": "http"})

    assert "api.port" in message and "--api-port" in message


@pytest.mark.parametrize("toml,key", [("[ocpp]\nport = true\n", "ocpp.port"),
                                      ("[ocpp]\nport = \"nine\"\n", "ocpp.port"),
                                      ("[ocpp]\nauto_register = 3\n", "ocpp.auto_register")])
def test_a_bad_value_in_a_file_names_the_key_and_the_file(load, tmp_path, toml, key):
    message = error_of(load, toml=toml)

    assert key in message and "site.toml" in message


def test_an_unknown_key_in_a_file_is_refused(load):
    message = error_of(load, toml="[ocpp]\nprot = 9000\n")

    assert "ocpp.prot" in message and "unknown key" in message and "site.toml" in message


def test_an_unknown_section_in_a_file_is_refused(load):
    message = error_of(load, toml="[ocp]\nport = 9000\n")

    assert "ocp" in message and "unknown section" in message


def test_a_config_file_that_is_not_toml_is_refused(load):
    assert "not valid TOML" in error_of(load, toml="[ocpp\nport = 1\n")


def test_a_missing_config_file_is_refused(default_file, tmp_path):
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(env={}, config_file=tmp_path / "nowhere.toml", default_file=default_file)


@pytest.mark.parametrize("env,key", [({"CSMS_OCPP_PORT": "70000"}, "ocpp.port"),
                                     ({"CSMS_OCPP_TLS_PORT": "-1"}, "ocpp.tls_port"),
                                     ({"CSMS_API_PORT": "65536"}, "api.port")])
def test_a_port_out_of_range_is_refused(load, env, key):
    message = error_of(load, env=env)

    assert key in message and "out of range" in message


def test_a_port_at_the_edges_is_accepted(load):
    assert load(env={"CSMS_OCPP_PORT": "0", "CSMS_API_PORT": "65535"}).api.port == 65535


def test_a_tls_certificate_without_a_key_is_refused(load, tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")

    message = error_of(load, env={"CSMS_OCPP_TLS_CERT": str(cert)})

    assert "ocpp.tls_key" in message


def test_a_tls_key_without_a_certificate_is_refused(load, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")

    assert "ocpp.tls_cert" in error_of(load, env={"CSMS_OCPP_TLS_KEY": str(key)})


@pytest.mark.parametrize("url", ["postgresql+asyncpg://u@h/db", "sqlite:///plain-sync.db", "mysql://root@h/db"])
def test_an_unsupported_database_url_is_refused(load, url):
    message = error_of(load, env={"CSMS_DATABASE_URL": url})

    assert "database.url" in message and "unsupported" in message


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///x.db", "mysql+aiomysql://root@127.0.0.1/csms",
                                 "mariadb+aiomysql://root@127.0.0.1/csms"])
def test_the_supported_database_urls_are_accepted(load, url):
    assert load(env={"CSMS_DATABASE_URL": url}).database.url == url


def test_a_missing_required_value_names_its_variable(load, tmp_path):
    bare = tmp_path / "bare.toml"
    bare.write_text("[ocpp]\nport = 9000\n")

    message = error_of(load, default=bare)

    assert "database.url" in message and "CSMS_DATABASE_URL" in message


@pytest.mark.parametrize("env,key", [({"CSMS_OCPP_HEARTBEAT_INTERVAL": "0"}, "ocpp.heartbeat_interval"),
                                     ({"CSMS_OCPP_MESSAGE_LOG": "sometimes"}, "ocpp.message_log"),
                                     ({"CSMS_OCPP_HEARTBEAT_GRACE": "0.5"}, "ocpp.heartbeat_grace"),
                                     ({"CSMS_LOG_LEVEL": "LOUD"}, "log.level"),
                                     ({"CSMS_ADMIN_USERNAME": "root"}, "api.admin_password"),
                                     ({"CSMS_REDIS_URL": "http://cache"}, "redis.url")])
def test_other_invalid_values_name_their_key(load, env, key):
    assert key in error_of(load, env=env)


# -- WeChat live mode: complete, public, never the emulator -------------------------------------------
def _live(tmp_path, **overrides) -> dict:
    key = tmp_path / "apiclient_key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    certs = tmp_path / "platform"
    certs.mkdir(exist_ok=True)
    env = {"CSMS_WECHAT_MODE": "live", "CSMS_WECHAT_APPID": "wx1234567890abcdef", "CSMS_WECHAT_SECRET": "s" * 32,
           "CSMS_WECHAT_MCH_ID": "1900000001", "CSMS_WECHAT_MCH_SERIAL_NO": "ABC123",
           "CSMS_WECHAT_MCH_PRIVATE_KEY": str(key), "CSMS_WECHAT_APIV3_KEY": "k" * 32,
           "CSMS_WECHAT_PLATFORM_CERT_DIR": str(certs),
           "CSMS_WECHAT_NOTIFY_URL": "https://pay.example.com/api/v1/pay/wechat/notify",
           "CSMS_WECHAT_REFUND_NOTIFY_URL": "https://pay.example.com/api/v1/pay/wechat/refund-notify",
           "CSMS_WECHAT_PUSH_TOKEN": "t" * 32, "CSMS_API_PUBLIC_URL": "https://pay.example.com"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_a_complete_live_wechat_configuration_loads(load, tmp_path):
    s = load(env=_live(tmp_path))
    assert s.wechat.mode == "live" and s.wechat.pay_base == "https://api.mch.weixin.qq.com"


@pytest.mark.parametrize("key", ["CSMS_WECHAT_SECRET", "CSMS_WECHAT_APIV3_KEY", "CSMS_WECHAT_NOTIFY_URL",
                                 "CSMS_WECHAT_MCH_PRIVATE_KEY"])
def test_live_mode_needs_every_credential(load, tmp_path, key):
    message = error_of(load, env=_live(tmp_path, **{key: None}))
    assert key.removeprefix("CSMS_WECHAT_").lower() in message and "live" in message


@pytest.mark.parametrize("key,value", [("CSMS_WECHAT_PAY_BASE", "http://127.0.0.1:8099"),
                                       ("CSMS_WECHAT_API_BASE", "https://localhost:9999"),
                                       ("CSMS_WECHAT_NOTIFY_URL", "http://pay.example.com/notify")])
def test_live_mode_never_points_at_a_local_emulator_or_plain_http(load, tmp_path, key, value):
    message = error_of(load, env=_live(tmp_path, **{key: value}))
    assert "public https URL" in message


def test_unknown_wechat_mode_and_bad_rates_are_refused(load):
    assert "wechat.mode" in error_of(load, env={"CSMS_WECHAT_MODE": "sandbox"})
    assert "driver.login_rate" in error_of(load, env={"CSMS_DRIVER_LOGIN_RATE": "ten"})
    assert "driver.operator_signatures" in error_of(load, env={"CSMS_DRIVER_OPERATOR_SIGNATURES": "maybe"})


def test_trusted_proxies_are_networks(load):
    from csms.settings import parse_networks
    assert [str(n) for n in parse_networks("10.0.0.0/8, 127.0.0.1")] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert "api.trusted_proxies" in error_of(load, env={"CSMS_API_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"})


@pytest.mark.parametrize("mode,expected", [("all", 1), ("off", 0), ("sample:1", 1), ("Sample:20", 20)])
def test_modes_parse(mode, expected):
    assert parse_message_log(mode) == expected


@pytest.mark.parametrize("mode", ["", "some", "sample:", "sample:0", "sample:x"])
def test_a_bad_mode_is_refused(mode):
    with pytest.raises(ValueError):
        parse_message_log(mode)
