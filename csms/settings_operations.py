"""Settings of the operations side: alarms (debounce and severity per kind, the periodic checks),
notifications (queues, retries, webhook secret, SMTP) and the SMS provider (Aliyun SMS or its local
emulator). Sections of csms.settings.Settings, declared here to keep that module small."""

from __future__ import annotations

from dataclasses import dataclass

from csms.alarm_kinds import KINDS, SEVERITIES
from csms.settings_values import parse_pairs, setting

_LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]", "::1")


def _defaults(index: int) -> str:
    return ",".join(f"{kind}={(int(v[index]) if index == 0 else v[index])}" for kind, v in KINDS.items())


@dataclass(frozen=True)
class AlarmSettings:
    debounce: str = setting(_defaults(0), "seconds a cause must last before it raises an alarm, per kind "
                                          "(KIND=SECONDS,...; a kind left out keeps its default; 0: at once). A "
                                          "fault that recovers or a charge point that reconnects sooner raises nothing")
    severity: str = setting(_defaults(1), "severity of each kind's alarms (KIND=SEVERITY,...; severities: "
                                          + ", ".join(SEVERITIES) + ")")
    check_interval: float = setting(5.0, "seconds between checks of the causes waiting out their debounce")
    sweep_interval: float = setting(60.0, "seconds between the periodic checks for offline charge points and stuck "
                                          "transactions")
    stuck_after_hours: float = setting(12.0, "a transaction open longer than this many hours raises "
                                             "stuck_transaction")


@dataclass(frozen=True)
class NotifySettings:
    queue_size: int = setting(1000, "alarm notifications waiting per channel type before new ones are dropped")
    workers: int = setting(2, "concurrent sends per channel type (a slow channel never holds up the others)")
    max_attempts: int = setting(4, "attempts per notification (the first and the retries)")
    retry_backoff: float = setting(2.0, "seconds before the first retry, doubled for each further one")
    timeout: float = setting(10.0, "seconds one attempt (SMS, WeChat, webhook, e-mail) may take")
    webhook_secret: str = setting("", "HMAC-SHA256 key that signs alarm webhooks (X-CSMS-Signature); empty: "
                                      "generated once into DATA_DIR/webhook_secret", secret=True)
    smtp_host: str = setting("", "SMTP server for alarm e-mail; empty: no e-mail channel")
    smtp_port: int = setting(587, "SMTP port (587 STARTTLS, 465 implicit TLS, 25 plain)")
    smtp_tls: str = setting("starttls", "starttls, tls (implicit) or none")
    smtp_username: str = setting("", "SMTP login; empty: no login")
    smtp_password: str = setting("", "password of notify.smtp_username", secret=True)
    smtp_from: str = setting("csms-alarms@localhost", "From address of alarm e-mail")


@dataclass(frozen=True)
class SmsSettings:
    """Aliyun SMS (dysmsapi SendSms, V3 signature). ``mode = "emulator"`` sends to the local emulator
    (csms/notify/emulator/), started in-process; ``live`` needs the AccessKey, sign name and template."""
    mode: str = setting("emulator", "emulator: SMS go to the local Aliyun SMS emulator; live: to Aliyun; off: "
                                    "no SMS channel")
    endpoint: str = setting("https://dysmsapi.aliyuncs.com", "Aliyun SMS endpoint (live mode)")
    access_key_id: str = setting("", "AccessKey ID of a RAM user allowed dysms:SendSms (live mode)")
    access_key_secret: str = setting("", "AccessKey secret of sms.access_key_id", secret=True)
    sign_name: str = setting("CSMS", "approved SMS signature (SignName)")
    template_code: str = setting("SMS_000000001", "approved template (TemplateCode) with the variables ${severity}, "
                                                  "${kind}, ${place}, ${event} and ${alarm}")
    emulator_port: int = setting(9200, "emulator mode: the local SMS emulator listens on 127.0.0.1 here "
                                       "(0 = any free port)")


def parse_debounce(text: str) -> dict[str, float]:
    values = {}
    for kind, seconds in parse_pairs(text).items():
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        values[kind] = float(seconds)
        if values[kind] < 0:
            raise ValueError(f"{kind}: negative")
    return values


def parse_severity(text: str) -> dict[str, str]:
    values = parse_pairs(text)
    for kind, severity in values.items():
        if kind not in KINDS or severity not in SEVERITIES:
            raise ValueError(f"{kind}={severity}")
    return values


def validate_operations(a: AlarmSettings, n: NotifySettings, sms: SmsSettings, fail) -> None:
    for key, parse, text in (("alarms.debounce", parse_debounce, a.debounce),
                             ("alarms.severity", parse_severity, a.severity)):
        try:
            parse(text)
        except ValueError as exc:
            fail(key, f"expected KIND=VALUE,... with kinds {', '.join(KINDS)}: {exc}")
    for key, value in (("alarms.check_interval", a.check_interval), ("alarms.sweep_interval", a.sweep_interval),
                       ("alarms.stuck_after_hours", a.stuck_after_hours), ("notify.queue_size", n.queue_size),
                       ("notify.workers", n.workers), ("notify.max_attempts", n.max_attempts),
                       ("notify.timeout", n.timeout)):
        if value <= 0:
            fail(key, f"must be positive, got {value}")
    if n.retry_backoff < 0:
        fail("notify.retry_backoff", f"must not be negative, got {n.retry_backoff}")
    if n.smtp_tls not in ("starttls", "tls", "none"):
        fail("notify.smtp_tls", f"expected starttls, tls or none, got {n.smtp_tls!r}")
    if sms.mode not in ("emulator", "live", "off"):
        fail("sms.mode", f"expected emulator, live or off, got {sms.mode!r}")
    if not 0 <= sms.emulator_port <= 65535:
        fail("sms.emulator_port", f"port {sms.emulator_port} out of range 0-65535")
    if sms.mode == "live":
        for key in ("access_key_id", "access_key_secret", "sign_name", "template_code"):
            if not getattr(sms, key):
                fail(f"sms.{key}", "required when sms.mode = live")
        host = sms.endpoint.split("://", 1)[-1]
        if not sms.endpoint.startswith("https://") or host.startswith(_LOCAL_HOSTS):
            fail("sms.endpoint", f"live mode needs a public https URL, got {sms.endpoint!r}")
