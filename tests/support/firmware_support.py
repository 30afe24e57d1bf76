"""Test builders for firmware transfers: a manufacturer root, a firmware signing certificate it issues,
an image file and its signature (what an operator hands a CSMS for a secure firmware update)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _certificate(subject: str, key, issuer: str, issuer_key, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@dataclass
class Signer:
    """A manufacturer root (``root_pem``) and the firmware signing certificate it issued (``signing_pem``)."""
    root_pem: str
    signing_pem: str
    key: object

    def sign(self, image: bytes) -> str:
        """Base64 of the image's signature (ECDSA or RSA PKCS#1 v1.5, SHA-256)."""
        if isinstance(self.key, rsa.RSAPrivateKey):
            raw = self.key.sign(image, padding.PKCS1v15(), hashes.SHA256())
        else:
            raw = self.key.sign(image, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(raw).decode()


def a_signer(kind: str = "ec", maker: str = "Maker Root") -> Signer:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(maker, root_key, maker, root_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" \
        else ec.generate_private_key(ec.SECP256R1())
    signing = _certificate("Firmware Signing", key, maker, root_key, ca=False)
    return Signer(_pem(root), _pem(signing), key)


def an_image(directory: Path, name: str = "sim-3.1.bin", size: int = 4096) -> tuple[str, bytes, str]:
    """Write a firmware image; (its file:// location, its bytes, its MD5)."""
    data = bytes((i * 7) % 256 for i in range(size))
    path = directory / name
    path.write_bytes(data)
    return path.as_uri(), data, hashlib.md5(data).hexdigest()
