"""Start-up problems as one line that names what to fix.

``preflight(settings)`` checks what can be checked before anything starts (the data directory is
writable, certificates and keys load, the WeChat merchant key parses); ``explain(exc, settings)``
turns what fails later (a port in use, a database that cannot be reached) into the same kind of
line. Anything else is a bug and keeps its traceback."""

from __future__ import annotations

import errno
import os
import re
import ssl
from pathlib import Path

from csms.settings import Settings, SettingsError, env_name, flag_name, iter_fields

_FIELDS = {f"{section}.{f.name}": (section, f) for section, f in iter_fields()}


class OperatorError(Exception):
    """Something the operator fixes (a backup target, a missing tool); ``str()`` is one line."""


def where(key: str) -> str:
    """How an operator sets ``key``: ``CSMS_OCPP_PORT / --ocpp-port``."""
    section, f = _FIELDS[key]
    return f"{env_name(section, f)} / {flag_name(section, f)}"


def _fail(key: str, why: str) -> None:
    raise SettingsError(f"setting {key}: {why}; set {where(key)}")


def preflight(settings: Settings) -> None:
    """Raise :class:`SettingsError` (one line) for a problem visible before start."""
    _check_data_dir(settings.data_dir)
    o = settings.ocpp
    if o.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(o.tls_cert, o.tls_key)
        except (ssl.SSLError, OSError, ValueError) as exc:
            _fail("ocpp.tls_cert", f"cannot load the certificate {o.tls_cert} with the key {o.tls_key} "
                                   f"({_reason(exc)}): both must be PEM and belong together")
        if o.tls_client_ca:
            try:
                ctx.load_verify_locations(o.tls_client_ca)
            except (ssl.SSLError, OSError, ValueError) as exc:
                _fail("ocpp.tls_client_ca", f"cannot load the CA bundle {o.tls_client_ca} ({_reason(exc)})")
    if settings.ca.cert:
        _check_pem_certificate("ca.cert", settings.ca.cert)
        _check_pem_key("ca.key", settings.ca.key)
    if settings.wechat.mode == "live":
        _check_pem_key("wechat.mch_private_key", settings.wechat.mch_private_key)


def _check_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail("data.dir", f"cannot create the data directory {path} ({exc.strerror or exc})")
    if not os.access(path, os.W_OK | os.X_OK):
        _fail("data.dir", f"the data directory {path} is not writable by this user")


def _check_pem_certificate(key: str, path: str) -> None:
    from cryptography import x509
    try:
        x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        _fail(key, f"{path} is not a PEM certificate ({_reason(exc)})")


def _check_pem_key(key: str, path: str) -> None:
    from cryptography.hazmat.primitives import serialization
    try:
        serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        _fail(key, f"{path} is not an unencrypted PEM private key ({_reason(exc)})")


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


_BIND = re.compile(r"address \('?([^',]*)'?, (\d+)\)")


def explain(exc: BaseException, settings: Settings) -> str | None:
    """A one-line message for a known start-up failure, or None (a bug: keep the traceback)."""
    if isinstance(exc, (SettingsError, OperatorError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
        return _listen_failure(exc, settings)
    db = _database_failure(exc, settings)
    if db is not None:
        return db
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}: {exc.filename or _reason(exc)}"
    return None


def _listen_failure(exc: OSError, settings: Settings) -> str:
    match = _BIND.search(str(exc))
    port = int(match.group(2)) if match else None
    ports = {"ocpp.port": settings.ocpp.port, "ocpp.tls_port": settings.ocpp.tls_port,
             "api.port": settings.api.port, "api.metrics_port": settings.api.metrics_port,
             "wechat.emulator_port": settings.wechat.emulator_port, "sms.emulator_port": settings.sms.emulator_port}
    key = next((k for k, p in ports.items() if port and p == port), None)
    what = {errno.EADDRINUSE: "is in use", errno.EACCES: "needs privileges this user lacks",
            errno.EADDRNOTAVAIL: "is not an address of this machine"}[exc.errno]
    if key is None:
        return f"cannot listen ({exc.strerror}): {_reason(exc)}; change the port settings"
    host = match.group(1) if match else "?"
    return f"setting {key}: port {port} on {host or '*'} {what}; stop the other process or set {where(key)}"


def _database_failure(exc: BaseException, settings: Settings) -> str | None:
    from sqlalchemy.exc import DBAPIError, OperationalError
    if not isinstance(exc, (OperationalError, DBAPIError)) and not _is_connect_error(exc):
        return None
    orig = getattr(exc, "orig", None) or exc
    reason = _reason(orig.args[-1] if isinstance(getattr(orig, "args", None), tuple) and orig.args
                     and isinstance(orig.args[-1], str) else orig)
    return (f"setting database.url: cannot use the database {redact_url(settings.database.url)} ({reason}); "
            f"check that it runs and that {where('database.url')} is right")


def _is_connect_error(exc: BaseException) -> bool:
    name = type(exc).__module__
    return name.startswith(("pymysql", "aiomysql", "sqlite3"))


def redact_url(url: str) -> str:
    """``mysql+aiomysql://csms:secret@db/csms`` -> ``mysql+aiomysql://csms:***@db/csms``."""
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)
