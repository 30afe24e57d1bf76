"""The emulator's key material, generated once into a directory and reused afterwards.

Layout of ``<dir>``::

    emulator.json            appid-independent identity: mchid, secret, apiv3_key, serials, the public key
                             id, the message push Token and EncodingAESKey
    merchant_key.pem         merchant API private key (what settings.wechat.mch_private_key points at)
    merchant_cert.pem        merchant API certificate (its serial = mch_serial_no)
    platform_key.pem         WeChat Pay platform private key (the emulator signs answers with it)
    platform_certs/<SERIAL>.pem   the platform certificate (what settings.wechat.platform_cert_dir holds)
    pub_key.pem              the WeChat Pay public key (what settings.wechat.pay_public_key points at);
                             its id PUB_KEY_ID_... is in emulator.json
    pub_key_private.pem      its private half (the emulator signs with it in public-key mode)

Sync file I/O and RSA generation: call :func:`ensure_keys` from a thread (WechatEmulator.start does)."""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from csms.wechat.push import new_aes_key
from csms.wechat.signing import load_certificate, serial_hex

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class EmulatorKeys:
    dir: Path
    mchid: str
    secret: str
    apiv3_key: str
    merchant_key_path: Path
    merchant_key_pem: str
    merchant_cert_pem: str
    merchant_serial: str
    platform_key_pem: str
    platform_cert_pem: str
    platform_serial: str
    platform_cert_dir: Path
    public_key_id: str
    public_key_path: Path
    public_key_pem: str
    public_key_private_pem: str
    push_token: str                 # message push (消息推送): the Token and EncodingAESKey of the console
    push_aes_key: str


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _certificate(key: rsa.RSAPrivateKey, common_name: str, org_unit: str) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com (emulated)"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, org_unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=5 * 365))
            .sign(key, hashes.SHA256()))


def _write(path: Path, text: str, private: bool = False) -> None:
    path.write_text(text)
    if private:
        os.chmod(path, 0o600)


def ensure_keys(directory: Path, mchid: str | None = None, secret: str | None = None) -> EmulatorKeys:
    """Load the key material from ``directory``, generating whatever is missing or expired.
    ``mchid`` / ``secret`` given here (from settings) win over the generated ones."""
    directory.mkdir(parents=True, exist_ok=True)
    meta_path = directory / "emulator.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    meta.setdefault("mchid", "19" + "".join(secrets.choice(string.digits) for _ in range(8)))
    meta.setdefault("secret", secrets.token_hex(16))
    meta.setdefault("apiv3_key", "".join(secrets.choice(_ALNUM) for _ in range(32)))
    meta.setdefault("push_token", "".join(secrets.choice(_ALNUM) for _ in range(32)))
    meta.setdefault("push_aes_key", new_aes_key())

    merchant_key_path, merchant_cert_path = directory / "merchant_key.pem", directory / "merchant_cert.pem"
    platform_key_path, cert_dir = directory / "platform_key.pem", directory / "platform_certs"
    cert_dir.mkdir(exist_ok=True)

    def fresh(cert_path: Path) -> bool:
        if not cert_path.is_file():
            return False
        cert = load_certificate(cert_path.read_bytes())
        return cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1)

    if not (merchant_key_path.is_file() and fresh(merchant_cert_path)):
        key = _new_key()
        _write(merchant_key_path, _pem(key), private=True)
        _write(merchant_cert_path, _certificate(key, meta["mchid"], "Merchant API").public_bytes(
            serialization.Encoding.PEM).decode())
    platform_cert_path = cert_dir / f"{meta.get('platform_serial', 'none')}.pem"
    if not (platform_key_path.is_file() and fresh(platform_cert_path)):
        for old in cert_dir.glob("*.pem"):
            old.unlink()
        key = _new_key()
        cert = _certificate(key, "Tenpay.com Root CA", "Tenpay.com CA Center")
        _write(platform_key_path, _pem(key), private=True)
        meta["platform_serial"] = serial_hex(cert)
        platform_cert_path = cert_dir / f"{meta['platform_serial']}.pem"
        _write(platform_cert_path, cert.public_bytes(serialization.Encoding.PEM).decode())

    public_key_path, public_private_path = directory / "pub_key.pem", directory / "pub_key_private.pem"
    if not (public_key_path.is_file() and public_private_path.is_file() and meta.get("public_key_id")):
        key = _new_key()
        _write(public_private_path, _pem(key), private=True)
        _write(public_key_path, key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
        # WeChat's ids read PUB_KEY_ID_01 + merchant number + date + a sequence
        meta["public_key_id"] = (f"PUB_KEY_ID_01{meta['mchid']}{datetime.now(UTC):%Y%m%d}"
                                 + "".join(secrets.choice(string.digits) for _ in range(14)))

    merchant_cert_pem = merchant_cert_path.read_text()
    meta["merchant_serial"] = serial_hex(load_certificate(merchant_cert_pem))
    _write(meta_path, json.dumps(meta, indent=2), private=True)
    merchant_key_pem = merchant_key_path.read_text()
    platform_key_pem = platform_key_path.read_text()
    return EmulatorKeys(
        dir=directory, mchid=mchid or meta["mchid"], secret=secret or meta["secret"], apiv3_key=meta["apiv3_key"],
        merchant_key_path=merchant_key_path, merchant_key_pem=merchant_key_pem, merchant_cert_pem=merchant_cert_pem,
        merchant_serial=meta["merchant_serial"], platform_key_pem=platform_key_pem,
        platform_cert_pem=platform_cert_path.read_text(), platform_serial=meta["platform_serial"],
        platform_cert_dir=cert_dir, public_key_id=meta["public_key_id"], public_key_path=public_key_path,
        public_key_pem=public_key_path.read_text(), public_key_private_pem=public_private_path.read_text(),
        push_token=meta["push_token"], push_aes_key=meta["push_aes_key"],
    )
