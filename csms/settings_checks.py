"""The rules a set of settings must keep beyond each value's type: a usable database URL, live
WeChat's credentials for each of its modes, times of day. A broken one stops start-up with one line
naming the key (SettingsError)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from csms.settings_operations import validate_operations
from csms.settings_values import (_LEVELS, SettingsError, parse_levels, parse_message_log, parse_networks,
                                  parse_rate)

if TYPE_CHECKING:
    from csms.settings import Settings, WechatSettings

def validate(s: Settings) -> None:
    def fail(key: str, why: str) -> None:
        raise SettingsError(f"setting {key}: {why}")

    url = s.database.url
    if not url:
        fail("database.url", "missing (set CSMS_DATABASE_URL)")
    if not url.startswith(("sqlite+aiosqlite://", "mysql+aiomysql://", "mariadb+aiomysql://")):
        fail("database.url", f"unsupported URL {url.split('://')[0]!r}: use sqlite+aiosqlite:// or mysql+aiomysql://")
    if s.redis.url and not s.redis.url.startswith(("redis://", "rediss://", "unix://")):
        fail("redis.url", "must start with redis://, rediss:// or unix://")
    for key, port in (("ocpp.port", s.ocpp.port), ("ocpp.tls_port", s.ocpp.tls_port), ("api.port", s.api.port)):
        if not 0 <= port <= 65535:
            fail(key, f"port {port} out of range 0-65535")
    for cert, key in (("tls_cert", "tls_key"), ("tls_cert_rsa", "tls_key_rsa")):
        if bool(getattr(s.ocpp, cert)) != bool(getattr(s.ocpp, key)):
            fail(f"ocpp.{key}" if getattr(s.ocpp, cert) else f"ocpp.{cert}", "TLS needs both a certificate and a key")
    for key, path in (("ocpp.tls_cert", s.ocpp.tls_cert), ("ocpp.tls_key", s.ocpp.tls_key),
                      ("ocpp.tls_cert_rsa", s.ocpp.tls_cert_rsa), ("ocpp.tls_key_rsa", s.ocpp.tls_key_rsa),
                      ("ocpp.tls_client_ca", s.ocpp.tls_client_ca)):
        if path and not Path(path).is_file():
            fail(key, f"file not found: {path}")
    for key, value in (("ocpp.heartbeat_interval", s.ocpp.heartbeat_interval),
                       ("ocpp.boot_retry_interval", s.ocpp.boot_retry_interval),
                       ("ocpp.call_timeout", s.ocpp.call_timeout),
                       ("ocpp.max_frame_bytes", s.ocpp.max_frame_bytes),
                       ("ocpp.flush_interval", s.ocpp.flush_interval),
                       ("ocpp.ocsp_timeout", s.ocpp.ocsp_timeout),
                       ("ocpp.contract_pool_timeout", s.ocpp.contract_pool_timeout),
                       ("api.jwt_ttl", s.api.jwt_ttl)):
        if value <= 0:
            fail(key, f"must be positive, got {value}")
    try:
        parse_message_log(s.ocpp.message_log)
    except ValueError as exc:
        fail("ocpp.message_log", str(exc))
    if s.ocpp.ocsp_unreachable not in ("reject", "accept"):
        fail("ocpp.ocsp_unreachable", f"expected reject or accept, got {s.ocpp.ocsp_unreachable!r}")
    if s.ocpp.contract_pool_url and not s.ocpp.contract_pool_url.startswith(("http://", "https://")):
        fail("ocpp.contract_pool_url", "must start with http:// or https://")
    if s.ocpp.heartbeat_grace < 1:
        fail("ocpp.heartbeat_grace", f"must be >= 1, got {s.ocpp.heartbeat_grace}")
    if not 0 <= s.api.metrics_port <= 65535:
        fail("api.metrics_port", f"port {s.api.metrics_port} out of range 0-65535")
    if bool(s.ca.cert) != bool(s.ca.key):
        fail("ca.key" if s.ca.cert else "ca.cert", "the CA needs both a certificate and a key (or neither)")
    for key, path in (("ca.cert", s.ca.cert), ("ca.key", s.ca.key)):
        if path and not Path(path).is_file():
            fail(key, f"file not found: {path}")
    try:
        parse_levels(s.log.levels)
    except ValueError as exc:
        fail("log.levels", f"expected LOGGER=LEVEL,... with a known level, got {exc}")
    if bool(s.api.admin_username) != bool(s.api.admin_password):
        fail("api.admin_password" if s.api.admin_username else "api.admin_username",
             "admin username and password go together")
    if s.log.level.upper() not in _LEVELS:
        fail("log.level", f"unknown level {s.log.level!r}")
    validate_wechat(s.wechat, fail)
    validate_operations(s.alarms, s.notify, s.sms, fail)
    if s.wechat.mode == "live" and not s.api.public_url.startswith("https://"):
        fail("api.public_url", "required when wechat.mode = live: the public https origin of the API, from which "
             "WeChat fetches uploaded photos for their content check")
    try:
        parse_networks(s.api.trusted_proxies)
    except ValueError as exc:
        fail("api.trusted_proxies", f"not an IP address or network: {exc}")
    if s.driver.operator_signatures not in ("optional", "required"):
        fail("driver.operator_signatures", f"expected optional or required, got {s.driver.operator_signatures!r}")
    for key, rate in (("driver.login_rate", s.driver.login_rate), ("driver.start_rate", s.driver.start_rate),
                      ("api.login_rate", s.api.login_rate), ("ocpp.connect_rate", s.ocpp.connect_rate),
                      ("ocpp.message_rate", s.ocpp.message_rate),
                      *((("ocpp.connect_rate_address", s.ocpp.connect_rate_address),)
                        if s.ocpp.connect_rate_address else ())):
        try:
            parse_rate(rate)
        except ValueError:
            fail(key, f"expected COUNT/SECONDS such as 10/60, got {rate!r}")


_LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]", "::1")


def validate_wechat(w: WechatSettings, fail) -> None:
    """Live mode must be complete and must point at WeChat, never at a local emulator."""
    if w.mode not in ("emulator", "live"):
        fail("wechat.mode", f"expected emulator or live, got {w.mode!r}")
    if w.emulator_pay_keys not in ("certificate", "public_key", "both"):
        fail("wechat.emulator_pay_keys", f"expected certificate, public_key or both, got {w.emulator_pay_keys!r}")
    if w.emulator_url and not w.emulator_url.startswith(("http://", "https://")):
        fail("wechat.emulator_url", f"expected the emulator's http:// URL, got {w.emulator_url!r}")
    try:
        parse_clock_time(w.reconcile_at)
    except ValueError:
        fail("wechat.reconcile_at", f"expected HH:MM (Beijing time) such as 10:00, got {w.reconcile_at!r}")
    if w.sp_appid and not w.sub_mchid:
        fail("wechat.sub_mchid", "required with wechat.sp_appid (service-provider mode)")
    if w.sub_mchid and not w.sub_mchid.isdigit():
        fail("wechat.sub_mchid", f"a merchant number is digits, got {w.sub_mchid!r}")
    if w.mode != "live":
        return
    for key in ("appid", "secret", "mch_id", "mch_serial_no", "mch_private_key", "apiv3_key",
                "notify_url", "refund_notify_url", "push_token"):
        if not getattr(w, key):
            fail(f"wechat.{key}", "required when wechat.mode = live")
    if w.push_aes_key and not valid_aes_key(w.push_aes_key):
        fail("wechat.push_aes_key", "an EncodingAESKey is 43 characters of base64 (the console generates it)")
    validate_pay_keys(w, fail)
    if w.sub_mchid and not w.sp_appid:
        fail("wechat.sp_appid", "required in service-provider mode (wechat.sub_mchid set): the service provider's "
             "AppID, or wechat.appid when the mini-program is the service provider's own")
    if len(w.apiv3_key.encode()) != 32:
        fail("wechat.apiv3_key", "must be 32 bytes")
    for key in ("api_base", "pay_base", "notify_url", "refund_notify_url"):
        url = getattr(w, key)
        host = url.split("://", 1)[-1]
        if not url.startswith("https://") or host.startswith(_LOCAL_HOSTS):
            fail(f"wechat.{key}", f"live mode needs a public https URL, got {url!r}")
    if not Path(w.mch_private_key).is_file():
        fail("wechat.mch_private_key", f"file not found: {w.mch_private_key}")


def valid_aes_key(text: str) -> bool:
    """An EncodingAESKey: 43 base64 characters, 32 bytes."""
    import base64
    import binascii
    try:
        return len(text) == 43 and len(base64.b64decode(text + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def validate_pay_keys(w: WechatSettings, fail) -> None:
    """How WeChat Pay's signatures are checked: platform certificates, the WeChat Pay public key, or
    both (while WeChat moves the merchant to the public key)."""
    if w.pay_public_key and not w.pay_public_key_id:
        fail("wechat.pay_public_key_id", "required with wechat.pay_public_key (WeChat Pay public key mode)")
    if w.pay_public_key_id and not w.pay_public_key:
        fail("wechat.pay_public_key", "required with wechat.pay_public_key_id (WeChat Pay public key mode): "
             "the pub_key.pem file")
    if not (w.platform_cert_dir or w.pay_public_key):
        fail("wechat.platform_cert_dir", "required when wechat.mode = live, unless the WeChat Pay public key "
             "is set (wechat.pay_public_key + wechat.pay_public_key_id)")
    if w.pay_public_key_id and not w.pay_public_key_id.startswith("PUB_KEY_ID_"):
        fail("wechat.pay_public_key_id", f"a WeChat Pay public key id starts with PUB_KEY_ID_, got {w.pay_public_key_id!r}")
    if w.pay_public_key and not Path(w.pay_public_key).is_file():
        fail("wechat.pay_public_key", f"file not found: {w.pay_public_key}")
    if w.platform_cert_dir and not Path(w.platform_cert_dir).is_dir():
        fail("wechat.platform_cert_dir", f"directory not found: {w.platform_cert_dir}")


def parse_clock_time(text: str) -> tuple[int, int]:
    """``"10:00"`` -> (10, 0)."""
    hour, sep, minute = text.strip().partition(":")
    if not sep or not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ValueError(text)
    h, m = int(hour), int(minute)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(text)
    return h, m
