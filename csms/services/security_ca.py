"""The CSMS's certificate authority: signs charge point certificate requests (SignCertificate).

Key and certificate come from the settings ``ca.cert`` / ``ca.key`` (CSMS_CA_CERT / CSMS_CA_KEY, PEM
files) when both are set; otherwise they are generated on first use (EC P-256, 10 years) into
``<data_dir>/ca/``. Every crypto step runs
in the default executor, never on the event loop."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

CERT_DAYS = 365
CA_DAYS = 3650


class CsrRejected(Exception):
    """The certificate signing request is unreadable, badly signed, or not for this charge point."""


@dataclass(frozen=True)
class Issued:
    serial: str
    subject: str
    not_before: datetime
    not_after: datetime
    pem: str            # the leaf
    chain: str          # leaf + CA certificate


def check_csr(csr_pem: str, cp_id: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
    except ValueError as exc:
        raise CsrRejected(f"not a PEM certificate signing request: {exc}") from None
    if not csr.is_signature_valid:
        raise CsrRejected("the CSR signature does not verify")
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = names[0].value if names else None
    if cn != cp_id:
        raise CsrRejected(f"the CSR common name {cn!r} is not the charge point id {cp_id!r}")
    return csr


class CertificateAuthority:
    def __init__(self, directory: Path, cert_path: str | None = None, key_path: str | None = None):
        self.directory = Path(directory)
        self.cert_path = cert_path
        self.key_path = key_path
        self._cert: x509.Certificate | None = None
        self._key = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, data_dir: Path, cert_path: str = "", key_path: str = "") -> "CertificateAuthority":
        """The configured CA (``ca.cert``/``ca.key``), or the one generated into ``data_dir/ca``."""
        return cls(Path(data_dir) / "ca", cert_path or None, key_path or None)

    # -- loading -----------------------------------------------------------------------------------
    def _load_sync(self) -> None:
        if self.cert_path and self.key_path:
            cert_file, key_file = Path(self.cert_path), Path(self.key_path)
        else:
            cert_file, key_file = self.directory / "ca.pem", self.directory / "ca.key"
            if not (cert_file.is_file() and key_file.is_file()):
                self._generate_sync(cert_file, key_file)
        self._cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        self._key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)

    def _generate_sync(self, cert_file: Path, key_file: Path) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CSMS"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "CSMS Charge Point CA")])
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=CA_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                             crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        cert_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_file.chmod(0o600)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        log.info("generated the CSMS certificate authority in %s", cert_file.parent)

    async def _ready(self) -> None:
        if self._cert is not None:
            return
        async with self._lock:
            if self._cert is None:
                await asyncio.get_running_loop().run_in_executor(None, self._load_sync)

    async def certificate_pem(self) -> str:
        await self._ready()
        return self._cert.public_bytes(serialization.Encoding.PEM).decode()

    # -- signing -----------------------------------------------------------------------------------
    async def check(self, csr_pem: str, cp_id: str) -> None:
        """Raise CsrRejected unless the CSR is well-formed, self-consistent and names ``cp_id``."""
        await asyncio.get_running_loop().run_in_executor(None, check_csr, csr_pem, cp_id)

    async def sign(self, csr_pem: str, cp_id: str, days: int = CERT_DAYS) -> Issued:
        await self._ready()
        return await asyncio.get_running_loop().run_in_executor(None, self._sign_sync, csr_pem, cp_id, days)

    def _sign_sync(self, csr_pem: str, cp_id: str, days: int) -> Issued:
        csr = check_csr(csr_pem, cp_id)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        serial = int.from_bytes(secrets.token_bytes(16), "big") >> 1 or 1
        cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(self._cert.subject)
                .public_key(csr.public_key()).serial_number(serial)
                .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                      ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                               critical=False)
                .sign(self._key, hashes.SHA256()))
        leaf = cert.public_bytes(serialization.Encoding.PEM).decode()
        ca = self._cert.public_bytes(serialization.Encoding.PEM).decode()
        return Issued(format(serial, "x"), csr.subject.rfc4514_string()[:255], cert.not_valid_before_utc,
                      cert.not_valid_after_utc, leaf, leaf + ca)
