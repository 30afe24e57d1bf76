"""The process's own secrets: configured, or generated once into the data directory (development).
Read at start-up by the composition root; a bad value stops start-up with one line naming the key."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from csms.services.pii import KEY_BYTES
from csms.settings import Settings, SettingsError


def _create_once(path: Path, content: str) -> str:
    """Write ``content`` to ``path`` (0600) unless another process made it first; what is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(content + "\n")
    return content


def jwt_secret(settings: Settings) -> str:
    """``api.jwt_secret``, or one generated once into DATA_DIR/jwt_secret (development)."""
    if settings.api.jwt_secret:
        return settings.api.jwt_secret
    return _create_once(Path(settings.data_dir) / "jwt_secret", secrets.token_urlsafe(48))


def webhook_secret(settings: Settings) -> str:
    """``notify.webhook_secret`` (signs alarm webhooks), or one generated once into DATA_DIR/webhook_secret."""
    if settings.notify.webhook_secret:
        return settings.notify.webhook_secret
    return _create_once(Path(settings.data_dir) / "webhook_secret", secrets.token_urlsafe(32))


def load_pii_key(settings: Settings) -> bytes:
    """``driver.pii_key`` (base64 of 32 bytes), or one generated once into DATA_DIR/pii_key (0600)."""
    configured = settings.driver.pii_key
    if configured:
        try:
            key = base64.b64decode(configured.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError("setting driver.pii_key: not valid base64 (expected base64 of 32 bytes)") from None
        if len(key) != KEY_BYTES:
            raise SettingsError(f"setting driver.pii_key: expected base64 of {KEY_BYTES} bytes, got {len(key)} bytes")
        return key
    path = Path(settings.data_dir) / "pii_key"
    stored = _create_once(path, base64.b64encode(os.urandom(KEY_BYTES)).decode())
    try:
        key = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SettingsError(f"setting driver.pii_key: {path} does not hold base64 of {KEY_BYTES} bytes")
    return key


def station_password_pepper(settings: Settings) -> bytes:
    """``ocpp.station_password_pepper`` (base64 of 32 bytes), or one generated once into
    DATA_DIR/station_password_pepper (0600). Several nodes must share it (configure it)."""
    return _key_setting(settings.ocpp.station_password_pepper, "ocpp.station_password_pepper",
                        Path(settings.data_dir) / "station_password_pepper", 32, exact=False)


def _key_setting(configured: str, name: str, path: Path, size: int, exact: bool = True) -> bytes:
    """A binary key: the setting (base64), or one generated once into ``path``."""
    source = f"setting {name}"
    if not configured:
        configured, source = _create_once(path, base64.b64encode(os.urandom(size)).decode()), str(path)
    try:
        key = base64.b64decode(configured.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != size if exact else len(key) < size:
        raise SettingsError(f"{source}: expected base64 of {'' if exact else 'at least '}{size} bytes, "
                            f"got {len(key)} bytes")
    return key
