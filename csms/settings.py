"""One typed settings object.

Precedence, highest first: command-line flag > environment variable > ``--config FILE`` (TOML)
> ``config/default.toml``. Every value is cast to its declared type; a bad or missing value raises
:class:`SettingsError` whose message is one line naming the key and where the value came from.

Environment variables are ``CSMS_<SECTION>_<KEY>`` (``CSMS_OCPP_PORT``), except the few the
contract names differently (``CSMS_JWT_SECRET``, ``CSMS_ADMIN_USERNAME``, ``CSMS_ADMIN_PASSWORD``).
Flags are ``--<section>-<key>`` with dashes (``--ocpp-port 9001``); booleans are switches
(``--ocpp-auto-register`` / ``--no-ocpp-auto-register``).

Every field carries its help text (``setting(default, "help")``): ``csms serve --help`` prints it and
``config/default.toml`` is generated from it (``python -m csms.settings_doc``), so the three agree.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from csms import paths
from csms.settings_cluster import AmqpSettings, ClusterSettings
from csms.settings_operations import AlarmSettings, NotifySettings, SmsSettings
from csms.settings_values import (_LEVELS, SettingsError, _cast, _read_toml, parse_levels,  # noqa: F401
                                  parse_networks, parse_rate, setting)

ROOT = paths.CHECKOUT
DEFAULT_CONFIG = paths.DEFAULT_CONFIG


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting(doc="SQLAlchemy URL: sqlite+aiosqlite:///PATH (a relative PATH lies in the data directory; "
                           "a leading var/ is the data directory itself) or mysql+aiomysql://USER:PASSWORD@HOST/DB",
                       example="sqlite+aiosqlite:///var/csms.db")
    pool_size: int = setting(10, "connections kept open (MariaDB; SQLite always uses one)")
    echo: bool = setting(False, "log every SQL statement (debugging only)")


@dataclass(frozen=True)
class RedisSettings:
    url: str = setting("", "redis://HOST:6379/0 for the shared cache, nonces, rate limits and bus; "
                           "empty: in-process (one node)")


@dataclass(frozen=True)
class OcppSettings:
    host: str = setting("0.0.0.0", "address the OCPP WebSocket listener binds")
    port: int = setting(9000, "ws:// port for charge points (0 = any free port)")
    tls_port: int = setting(9443, "wss:// port, opened when ocpp.tls_cert is set (security profiles 2 and 3)")
    tls_cert: str = setting("", "server certificate chain (PEM file) for wss://")
    tls_key: str = setting("", "private key (PEM file) of ocpp.tls_cert")
    tls_client_ca: str = setting("", "CA bundle (PEM) that client certificates must chain to (profile 3), "
                                     "beside the CA that signs charge point CSRs")
    tls_client_crl: str = setting("", "PEM file of certificate revocation lists (profile 3): a revoked client "
                                      "certificate fails the TLS handshake; it must hold a current CRL of every CA "
                                      "that signs client certificates, the CSMS's own included, or their "
                                      "certificates fail too")
    tls_cert_rsa: str = setting("", "a second server certificate (PEM file), RSA >= 2048 bits, served beside an "
                                    "ECDSA ocpp.tls_cert: the TLS_RSA_* suites OCPP requires")
    tls_key_rsa: str = setting("", "private key (PEM file) of ocpp.tls_cert_rsa")
    auto_register: bool = setting(False, "accept charge points that are not registered (they are created on connect)")
    heartbeat_interval: int = setting(300, "seconds, sent in BootNotification.conf when Accepted")
    boot_retry_interval: int = setting(30, "seconds, sent in BootNotification.conf when Pending or Rejected")
    heartbeat_grace: float = setting(2.5, "a charge point is offline after interval x grace without any frame")
    call_timeout: float = setting(30.0, "seconds to wait for a charge point's answer to a CALL")
    max_frame_bytes: int = setting(65536, "larger frames get a CALLERROR; 4x this closes the socket (1009)")
    connect_rate: str = setting("60/60", "connection attempts per charge point id: COUNT/SECONDS; beyond, the "
                                         "upgrade is answered 429 with Retry-After (failed passwords count too)")
    connect_rate_address: str = setting("", "connection attempts per client address: COUNT/SECONDS; empty: no "
                                            "limit (many charge points behind one NAT share an address)")
    message_rate: str = setting("1000/10", "frames one connection may send: COUNT/SECONDS; a charge point sending "
                                          "faster is read no faster (its frames wait in its own socket), others "
                                          "are unaffected")
    ping_interval: float = setting(60.0, "seconds between WebSocket pings (0 disables)")
    message_log_retention_days: int = setting(30, "days the OCPP message log keeps frames")
    message_log: str = setting("all", "frames the OCPP message log stores: all, off, or sample:N (one call and its "
                                      "answer in N, plus every CALLERROR); the console's live tail sees all")
    station_password_pepper: str = setting("", "base64 of >= 32 bytes keying the hashes of charge point passwords "
                                                "(HMAC-SHA256); empty: generated once into "
                                                "DATA_DIR/station_password_pepper; several nodes must share it",
                                           secret=True)
    flush_interval: float = setting(0.2, "seconds between batched writes (meter values, message log, presence)")
    tolerant_models: str = setting("", "tolerant mode for these vendors: Vendor or Vendor/Model, comma-separated")
    ocsp_timeout: float = setting(5.0, "seconds an OCSP responder has to answer (contract certificates, "
                                       "GetCertificateStatus)")
    ocsp_cache_seconds: float = setting(300.0, "seconds a contract certificate's OCSP status is reused")
    ocsp_unreachable: str = setting("reject", "Authorize when the OCSP responder cannot answer: reject "
                                              "(CertChainError) or accept (the id token decides)")
    contract_pool_url: str = setting("", "ISO 15118 contract-certificate pool for Get15118EVCertificate "
                                         "(POST {url}/v1/ev-certificates); empty: answered Failed")
    contract_pool_timeout: float = setting(10.0, "seconds the contract-certificate pool has to answer")


@dataclass(frozen=True)
class ApiSettings:
    host: str = setting("0.0.0.0", "address the REST API, console and push listener binds")
    port: int = setting(8080, "REST API port (0 = any free port)")
    jwt_secret: str = setting("", "JWT signing key; empty: generated once into DATA_DIR/jwt_secret",
                              env="CSMS_JWT_SECRET", secret=True)
    jwt_ttl: int = setting(3600, "operator access token lifetime, seconds")
    login_rate: str = setting("30/60", "operator logins per client address and per user name: COUNT/SECONDS "
                                       "(beyond: 429 with Retry-After)")
    admin_username: str = setting("", "create this admin on start if no admin exists", env="CSMS_ADMIN_USERNAME")
    admin_password: str = setting("", "password of api.admin_username", env="CSMS_ADMIN_PASSWORD", secret=True)
    public_url: str = setting("", "the API's public base URL (logs, upload links); empty: derived from host/port")
    trusted_proxies: str = setting("", "reverse proxies (IPs / CIDRs, comma-separated) whose X-Forwarded-For "
                                       "is believed")
    console_dir: str = setting("", "built operator console served at /console/; empty: console/dist in a checkout, "
                                   "the copy inside the installed package otherwise")
    tencent_map_key: str = setting("", "Tencent Map JavaScript API (GL) key for the console's map view, public "
                                       "(GET /api/v1/console/config); empty: the offline map drawn from coordinates")
    metrics_port: int = setting(0, "serve /metrics on this separate port instead of the API port (0: on the "
                                   "API port)")
    metrics_host: str = setting("127.0.0.1", "address the separate metrics listener binds: a private one")
    metrics_token: str = setting("", "bearer token /metrics requires; empty: no token (keep /metrics private "
                                     "another way: metrics_port or the proxy)", secret=True)


@dataclass(frozen=True)
class LogSettings:
    level: str = setting("INFO", "root log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
    json: bool = setting(False, "one JSON object per line (for ELK / Loki); off: readable text for a terminal")
    access: bool = setting(True, "log every API request (logger csms.access)")
    levels: str = setting("websockets=WARNING,apscheduler=WARNING,alembic=WARNING",
                          "level per logger, comma-separated LOGGER=LEVEL (e.g. csms.ocpp=DEBUG)")


@dataclass(frozen=True)
class DataSettings:
    dir: str = setting("", "data directory (generated keys, CA, uploads, SQLite); empty: ./var in a source "
                           "checkout, /var/lib/csms when installed", aliases=("CSMS_VAR_DIR",))


@dataclass(frozen=True)
class CaSettings:
    cert: str = setting("", "PEM certificate of the CA that signs charge point CSRs; empty (with ca.key): "
                            "generated into DATA_DIR/ca/")
    key: str = setting("", "PEM private key (file) of ca.cert")


@dataclass(frozen=True)
class WechatSettings:
    """WeChat mini-program login / subscribe messages and WeChat Pay v3 (docs/wechat.md).
    ``mode = "emulator"`` points every call at the local emulator (csms/wechat/emulator/), which
    ``csms serve``/``csms demo`` start in-process; ``mode = "live"`` requires every credential and a
    non-local gateway, and never falls back to the emulator."""
    mode: str = setting("emulator", "emulator: every WeChat call goes to the local emulator; live: the real WeChat")
    appid: str = setting("wx0000000000000000", "mini-program AppID")
    secret: str = setting("", "mini-program AppSecret", secret=True)
    api_base: str = setting("https://api.weixin.qq.com", "code2session, access token, phone number, subscribe")
    mch_id: str = setting("", "WeChat Pay merchant id (mchid); in service-provider mode the provider's")
    mch_serial_no: str = setting("", "serial number of the merchant API certificate")
    mch_private_key: str = setting("", "merchant API private key (PEM file)")
    apiv3_key: str = setting("", "32-byte APIv3 key (decrypts notifications)", secret=True)
    pay_base: str = setting("https://api.mch.weixin.qq.com", "WeChat Pay v3 gateway")
    platform_cert_dir: str = setting("", "directory of WeChat Pay platform certificates (PEM files); the "
                                         "certificate mode of checking WeChat Pay's signatures")
    pay_public_key: str = setting("", "WeChat Pay public key (微信支付公钥, pub_key.pem) file: the public-key "
                                      "mode of checking WeChat Pay's signatures (both modes may be set)")
    pay_public_key_id: str = setting("", "the public key's id (PUB_KEY_ID_...), as WeChat Pay's Wechatpay-Serial "
                                         "header names it")
    sub_mchid: str = setting("", "service-provider (服务商) mode: the sub-merchant number; empty: a direct merchant")
    sp_appid: str = setting("", "service-provider mode: the service provider's AppID")
    reconcile_at: str = setting("10:00", "daily reconciliation with WeChat Pay's trade bill, HH:MM Beijing time "
                                         "(the bill of the day before is ready from 10:00)")
    notify_url: str = setting("", "public https URL of /api/v1/pay/wechat/notify")
    refund_notify_url: str = setting("", "public https URL of /api/v1/pay/wechat/refund-notify")
    push_token: str = setting("", "message push (消息推送) Token: content-check verdicts arrive at "
                                  "/api/v1/wechat/push (required in live mode)", secret=True)
    push_aes_key: str = setting("", "message push EncodingAESKey (43 characters); empty: plain mode (明文)",
                                secret=True)
    bill_template_id: str = setting("", "subscribe message template: the bill of a session")
    complete_template_id: str = setting("", "subscribe message template: charging complete")
    alarm_template_id: str = setting("", "subscribe message template of alarms to operators who bound their WeChat "
                                         "(fields character_string1, thing2, phrase3, time4, thing5); empty: no "
                                         "WeChat alarm channel")
    review_template_id: str = setting("", "subscribe message template: the outcome of an abnormal order's review")
    feedback_template_id: str = setting("", "subscribe message template: an operator answered the driver's feedback")
    emulator_port: int = setting(9100, "emulator mode: the local WeChat emulator listens on 127.0.0.1 here "
                                       "(0 = any free port)")
    emulator_url: str = setting("", "emulator mode: URL of a WeChat emulator running as its own process "
                                    "(`csms wechat-emulator --port N`, e.g. http://127.0.0.1:9100), whose keys "
                                    "it generated into DATA_DIR/wechat-emulator (the same data directory); "
                                    "empty: the emulator runs inside this process")
    emulator_pay_keys: str = setting("certificate", "emulator mode: how the emulator signs as WeChat Pay: "
                                                    "certificate | public_key | both")
    http_timeout: float = setting(10.0, "seconds before a call to WeChat gives up")


@dataclass(frozen=True)
class DriverSettings:
    """Driver services: scan-to-charge, funds, reservations, request signatures, rate limits."""
    qr_base_url: str = setting("https://csms.example.com/qr",
                               "QR content: {qr_base_url}/{charge_point_id}/{connector_id}")
    start_timeout: float = setting(120.0, "seconds from an accepted remote start to the transaction starting")
    min_wallet_fen: int = setting(500, "a wallet session needs this balance (fen) to start")
    min_prepay_fen: int = setting(100, "smallest prepayment, fen")
    max_prepay_fen: int = setting(100000, "largest prepayment, fen")
    funds_margin_fen: int = setting(50, "stop the session when funds left fall below this (fen)")
    refresh_ttl: int = setting(30 * 24 * 3600, "driver refresh token lifetime, seconds (30 days)")
    access_ttl: int = setting(2 * 3600, "driver access token lifetime, seconds")
    signature_window: int = setting(300, "signed requests: allowed clock skew, seconds")
    login_rate: str = setting("10/60", "logins per client address: COUNT/SECONDS")
    start_rate: str = setting("5/60", "session starts per driver: COUNT/SECONDS")
    reservation_hold_minutes: int = setting(15, "how long a driver's reservation holds a connector")
    reservation_fee_fen: int = setting(0, "fee of a reservation, fen")
    pii_key: str = setting("", "base64 of 32 bytes encrypting personal data at rest; empty: generated once "
                               "into DATA_DIR/pii_key", secret=True)
    pay_query_after: int = setting(60, "query WeChat Pay for a payment still unconfirmed after this many seconds")
    operator_signatures: str = setting("optional", "optional | required: operator remote control must be signed")


@dataclass(frozen=True)
class AnomalySettings:
    """Abnormal orders: the checks at settlement and by the sweep (docs/contract.md "Abnormal orders")."""
    sweep_interval: int = setting(600, "seconds between sweeps of open and recently changed orders")
    sweep_lookback_hours: int = setting(48, "the first sweep after a start checks orders changed this far back")
    zero_energy_minutes: int = setting(30, "a session this long that delivered no energy is flagged")
    power_tolerance: float = setting(0.10, "energy beyond the connector's max power x time by more than this "
                                           "share is flagged")
    stuck_hours: int = setting(24, "a session still open this long is flagged (never stopped) and made abnormal")
    paid_start_minutes: int = setting(10, "a confirmed prepayment without a started session this long is flagged")


@dataclass(frozen=True)
class StatsSettings:
    """Daily statistics roll-ups per station and charge point (docs/contract.md "Statistics")."""
    timezone: str = setting("Asia/Shanghai", "the day of network-wide figures (drivers) and of charge points "
                                             "without a station; a station's own figures use its time zone")
    interval: int = setting(900, "seconds between roll-ups of today and yesterday (0: off)")


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    redis: RedisSettings
    ocpp: OcppSettings
    api: ApiSettings
    log: LogSettings
    wechat: WechatSettings = WechatSettings()
    driver: DriverSettings = DriverSettings()
    data: DataSettings = DataSettings()
    ca: CaSettings = CaSettings()
    alarms: AlarmSettings = AlarmSettings()
    notify: NotifySettings = NotifySettings()
    sms: SmsSettings = SmsSettings()
    anomalies: AnomalySettings = AnomalySettings()
    stats: StatsSettings = StatsSettings()
    cluster: ClusterSettings = ClusterSettings()
    amqp: AmqpSettings = AmqpSettings()

    @property
    def data_dir(self) -> Path:
        """Where the CSMS keeps what it generates (keys, CA, uploads, SQLite by default)."""
        return Path(self.data.dir) if self.data.dir else paths.default_data_dir()

    @property
    def var_dir(self) -> Path:
        """The former name of :attr:`data_dir`, kept so code written against it still runs."""
        return self.data_dir

    @property
    def console_dir(self) -> Path:
        return Path(self.api.console_dir) if self.api.console_dir else paths.default_console_dir()

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
    "data": DataSettings,
    "ca": CaSettings,
    "alarms": AlarmSettings,
    "notify": NotifySettings,
    "sms": SmsSettings,
    "anomalies": AnomalySettings,
    "stats": StatsSettings,
    "cluster": ClusterSettings,
    "amqp": AmqpSettings,
}


def env_name(section: str, f: dataclasses.Field) -> str:
    return f.metadata.get("env") or f"CSMS_{section.upper()}_{f.name.upper()}"


def flag_name(section: str, f: dataclasses.Field) -> str:
    return f"--{section}-{f.name}".replace("_", "-")


def iter_fields():
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            yield section, f


def secret_values(s: Settings) -> list[str]:
    """The configured values of the fields marked secret (for the log redactor)."""
    return [v for section, f in iter_fields() if f.metadata.get("secret")
            for v in [getattr(getattr(s, section), f.name)] if isinstance(v, str) and len(v) >= 4]


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
            for var in (*reversed(f.metadata.get("aliases", ())), name):   # the current name wins
                if var in env:
                    value, source = env[var], f"environment {var}"
            if key in flags:
                value, source = flags[key], f"flag {flag_name(section, f)}"
            if value is dataclasses.MISSING:
                raise SettingsError(f"setting {key}: missing (set {name} or {flag_name(section, f)})")
            values[f.name] = _cast(value, f.type, key, source)
        sections[section] = cls(**values)
    settings = Settings(**sections)
    from csms.settings_checks import validate      # the rules between settings (imports these types)
    validate(settings)
    return settings
