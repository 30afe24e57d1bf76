"""One typed settings object.

Precedence, highest first: command-line flag > environment variable > ``--config FILE`` (TOML)
> ``config/default.toml``. Every value is cast to its declared type; a bad or missing value raises
:class:`SettingsError` whose message is one line naming the key and where the value came from.

Environment variables are ``CSMS_<SECTION>_<KEY>`` (``CSMS_OCPP_PORT``), except the few the
contract names differently (``CSMS_JWT_SECRET``, ``CSMS_ADMIN_USERNAME``, ``CSMS_ADMIN_PASSWORD``).
Flags are ``--<section>-<key>`` with dashes (``--ocpp-port 9001``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "default.toml"


class SettingsError(Exception):
    """A setting is missing or invalid; ``str()`` is a one-line message naming the key."""


def _env(name: str) -> dict[str, Any]:
    return {"env": name}


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    pool_size: int = 10
    echo: bool = False


@dataclass(frozen=True)
class RedisSettings:
    url: str = ""


@dataclass(frozen=True)
class OcppSettings:
    host: str = "0.0.0.0"
    port: int = 9000
    tls_port: int = 9443
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    tls_cert_rsa: str = ""          # a second server certificate, RSA, served beside an ECDSA tls_cert
    tls_key_rsa: str = ""
    auto_register: bool = False
    heartbeat_interval: int = 300
    boot_retry_interval: int = 30
    heartbeat_grace: float = 2.5
    call_timeout: float = 30.0
    max_frame_bytes: int = 65536
    ping_interval: float = 60.0
    message_log_retention_days: int = 30
    flush_interval: float = 0.2
    tolerant_models: str = ""
    ocsp_timeout: float = 5.0           # seconds for an OCSP responder to answer
    ocsp_cache_seconds: float = 300.0   # how long a contract certificate's OCSP status is reused
    ocsp_unreachable: str = "reject"    # reject | accept: Authorize when the OCSP responder cannot answer
    contract_pool_url: str = ""         # ISO 15118 contract-certificate pool (Get15118EVCertificate)
    contract_pool_timeout: float = 10.0


@dataclass(frozen=True)
class ApiSettings:
    host: str = "0.0.0.0"
    port: int = 8080
    jwt_secret: str = field(default="", metadata=_env("CSMS_JWT_SECRET"))
    jwt_ttl: int = 3600
    admin_username: str = field(default="", metadata=_env("CSMS_ADMIN_USERNAME"))
    admin_password: str = field(default="", metadata=_env("CSMS_ADMIN_PASSWORD"))
    public_url: str = ""
    trusted_proxies: str = ""       # comma-separated IPs / CIDRs whose X-Forwarded-For is believed


@dataclass(frozen=True)
class WechatSettings:
    """WeChat mini-program login / subscribe messages and WeChat Pay v3 (docs/wechat.md).
    ``mode = "emulator"`` points every call at the local emulator (csms/wechat/emulator/), which
    ``csms serve``/``csms demo`` start in-process; ``mode = "live"`` requires every credential and a
    non-local gateway, and never falls back to the emulator."""
    mode: str = "emulator"                       # emulator | live
    appid: str = "wx0000000000000000"
    secret: str = ""
    api_base: str = "https://api.weixin.qq.com"  # code2session, access token, phone number, subscribe
    mch_id: str = ""
    mch_serial_no: str = ""
    mch_private_key: str = ""                    # path to the merchant API private key (PEM)
    apiv3_key: str = ""                          # 32-byte APIv3 key (resource decryption)
    pay_base: str = "https://api.mch.weixin.qq.com"
    platform_cert_dir: str = ""                  # WeChat Pay platform certificates (PEM files)
    notify_url: str = ""                         # public https URL of /api/v1/pay/wechat/notify
    refund_notify_url: str = ""                  # public https URL of /api/v1/pay/wechat/refund-notify
    bill_template_id: str = ""                   # subscribe message template: the bill of a session
    complete_template_id: str = ""               # subscribe message template: charging complete
    emulator_port: int = 9100                    # emulator mode: where the in-process emulator listens (0 = any)
    http_timeout: float = 10.0


@dataclass(frozen=True)
class DriverSettings:
    """Driver services: scan-to-charge, funds, reservations, request signatures, rate limits."""
    qr_base_url: str = "https://csms.example.com/qr"   # QR content: {qr_base_url}/{charge_point_id}/{connector_id}
    start_timeout: float = 120.0                 # seconds from RemoteStart accepted to a transaction starting
    min_wallet_fen: int = 500                    # wallet sessions need at least this balance to start
    min_prepay_fen: int = 100
    max_prepay_fen: int = 100000
    funds_margin_fen: int = 50                   # stop when the funds left fall below this
    refresh_ttl: int = 30 * 24 * 3600            # driver refresh token lifetime, seconds
    access_ttl: int = 2 * 3600                   # driver access token lifetime, seconds
    signature_window: int = 300                  # seconds a signed request's timestamp may be off
    login_rate: str = "10/60"                    # requests / seconds per client address
    start_rate: str = "5/60"                     # session starts / seconds per driver
    reservation_hold_minutes: int = 15
    reservation_fee_fen: int = 0
    pii_key: str = ""                            # base64 32-byte key for PII at rest; empty: generated into var/
    pay_query_after: int = 60                    # seconds before an unconfirmed payment is queried actively
    operator_signatures: str = "optional"        # optional | required: signed operator remote control


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"
    json: bool = False


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    redis: RedisSettings
    ocpp: OcppSettings
    api: ApiSettings
    log: LogSettings
    wechat: WechatSettings = WechatSettings()
    driver: DriverSettings = DriverSettings()
    var_dir: Path = ROOT / "var"

    def replace(self, **sections: Any) -> "Settings":
        """A copy with some sections' fields replaced: ``s.replace(ocpp={"port": 0})``."""
        changes = {
            name: dataclasses.replace(getattr(self, name), **values) for name, values in sections.items()
        }
        return dataclasses.replace(self, **changes)


SECTIONS: dict[str, type] = {
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "ocpp": OcppSettings,
    "api": ApiSettings,
    "log": LogSettings,
    "wechat": WechatSettings,
    "driver": DriverSettings,
}


def env_name(section: str, f: dataclasses.Field) -> str:
    return f.metadata.get("env") or f"CSMS_{section.upper()}_{f.name.upper()}"


def flag_name(section: str, f: dataclasses.Field) -> str:
    return f"--{section}-{f.name}".replace("_", "-")


def iter_fields():
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            yield section, f


def _cast(value: Any, typ: Any, key: str, source: str) -> Any:
    typ = {"int": int, "float": float, "bool": bool, "str": str}.get(typ, typ) if isinstance(typ, str) else typ
    try:
        if typ is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if typ is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
        if typ is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if isinstance(value, (dict, list)):
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {key}: expected {typ.__name__}, got {value!r} (from {source})"
        ) from None


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"setting config: file not found: {path} ({what})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"setting config: {path} is not valid TOML: {exc}") from None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: str | os.PathLike | None = None,
    default_file: Path = DEFAULT_CONFIG,
) -> Settings:
    """Build :class:`Settings`. ``flags`` maps ``"section.key"`` to a value (None = not given)."""
    env = os.environ if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    layers: list[tuple[str, dict[str, Any]]] = [(str(default_file), _read_toml(default_file, "defaults"))]
    if config_file:
        layers.append((str(config_file), _read_toml(Path(config_file), "--config")))
    for source, data in layers:
        for section, values in data.items():
            if section not in SECTIONS:
                raise SettingsError(f"setting {section}: unknown section (in {source})")
            known = {f.name for f in dataclasses.fields(SECTIONS[section])}
            for key in values:
                if key not in known:
                    raise SettingsError(f"setting {section}.{key}: unknown key (in {source})")

    sections: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            value, source = dataclasses.MISSING, "default"
            if f.default is not dataclasses.MISSING:
                value = f.default
            for src, data in layers:
                if f.name in data.get(section, {}):
                    value, source = data[section][f.name], src
            name = env_name(section, f)
            if name in env:
                value, source = env[name], f"environment {name}"
            if key in flags:
                value, source = flags[key], f"flag {flag_name(section, f)}"
            if value is dataclasses.MISSING:
                raise SettingsError(f"setting {key}: missing (set {name} or {flag_name(section, f)})")
            values[f.name] = _cast(value, f.type, key, source)
        sections[section] = cls(**values)
    var_dir = Path(env.get("CSMS_VAR_DIR") or ROOT / "var")
    settings = Settings(var_dir=var_dir, **sections)
    validate(settings)
    return settings


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
                       ("api.jwt_ttl", s.api.jwt_ttl)):
        if value <= 0:
            fail(key, f"must be positive, got {value}")
    if s.ocpp.ocsp_unreachable not in ("reject", "accept"):
        fail("ocpp.ocsp_unreachable", f"expected reject or accept, got {s.ocpp.ocsp_unreachable!r}")
    if s.ocpp.contract_pool_url and not s.ocpp.contract_pool_url.startswith(("http://", "https://")):
        fail("ocpp.contract_pool_url", "must start with http:// or https://")
    for key, value in (("ocpp.ocsp_timeout", s.ocpp.ocsp_timeout),
                       ("ocpp.contract_pool_timeout", s.ocpp.contract_pool_timeout)):
        if value <= 0:
            fail(key, f"must be positive, got {value}")
    if s.ocpp.heartbeat_grace < 1:
        fail("ocpp.heartbeat_grace", f"must be >= 1, got {s.ocpp.heartbeat_grace}")
    if bool(s.api.admin_username) != bool(s.api.admin_password):
        fail("api.admin_password" if s.api.admin_username else "api.admin_username",
             "admin username and password go together")
    if s.log.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        fail("log.level", f"unknown level {s.log.level!r}")
    validate_wechat(s.wechat, fail)
    try:
        parse_networks(s.api.trusted_proxies)
    except ValueError as exc:
        fail("api.trusted_proxies", f"not an IP address or network: {exc}")
    if s.driver.operator_signatures not in ("optional", "required"):
        fail("driver.operator_signatures", f"expected optional or required, got {s.driver.operator_signatures!r}")
    for key, rate in (("driver.login_rate", s.driver.login_rate), ("driver.start_rate", s.driver.start_rate)):
        try:
            parse_rate(rate)
        except ValueError:
            fail(key, f"expected COUNT/SECONDS such as 10/60, got {rate!r}")


def parse_networks(text: str) -> tuple:
    """``"10.0.0.0/8, 127.0.0.1"`` -> ip_network objects."""
    import ipaddress
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def parse_rate(text: str) -> tuple[int, float]:
    """``"10/60"`` -> (10, 60.0): at most 10 in any 60 seconds."""
    count, _, seconds = text.partition("/")
    n, secs = int(count), float(seconds)
    if n <= 0 or secs <= 0:
        raise ValueError(text)
    return n, secs


_LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]", "::1")


def validate_wechat(w: WechatSettings, fail) -> None:
    """Live mode must be complete and must point at WeChat, never at a local emulator."""
    if w.mode not in ("emulator", "live"):
        fail("wechat.mode", f"expected emulator or live, got {w.mode!r}")
    if w.mode != "live":
        return
    for key in ("appid", "secret", "mch_id", "mch_serial_no", "mch_private_key", "apiv3_key", "platform_cert_dir",
                "notify_url", "refund_notify_url"):
        if not getattr(w, key):
            fail(f"wechat.{key}", "required when wechat.mode = live")
    if len(w.apiv3_key.encode()) != 32:
        fail("wechat.apiv3_key", "must be 32 bytes")
    for key in ("api_base", "pay_base", "notify_url", "refund_notify_url"):
        url = getattr(w, key)
        host = url.split("://", 1)[-1]
        if not url.startswith("https://") or host.startswith(_LOCAL_HOSTS):
            fail(f"wechat.{key}", f"live mode needs a public https URL, got {url!r}")
    if not Path(w.mch_private_key).is_file():
        fail("wechat.mch_private_key", f"file not found: {w.mch_private_key}")
    if not Path(w.platform_cert_dir).is_dir():
        fail("wechat.platform_cert_dir", f"directory not found: {w.platform_cert_dir}")
