"""A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1, client certificates."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "csms tests")])


def _write(path: Path, cert, key) -> tuple[Path, Path]:
    cert_path, key_path = path.with_suffix(".crt"), path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Pki:
    def __init__(self, directory: Path):
        self.dir = directory
        self.ca_key = _key()
        now = dt.datetime.now(dt.UTC)
        self.ca = (x509.CertificateBuilder().subject_name(_name("csms test CA")).issuer_name(_name("csms test CA"))
                   .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(self.ca_key, hashes.SHA256()))
        self.ca_path, _ = _write(directory / "ca", self.ca, self.ca_key)

    def issue(self, name: str, cn: str, server: bool = False, rsa_bits: int = 0,
              valid: tuple[dt.timedelta, dt.timedelta] | None = None, self_signed: bool = False) -> tuple[Path, Path]:
        """A leaf signed by the CA: EC P-256, or RSA of ``rsa_bits`` bits. ``valid``: (not before, not after)
        from now (default: 5 minutes ago to a day on); ``self_signed``: signed by its own key instead."""
        key = rsa.generate_private_key(65537, rsa_bits) if rsa_bits else _key()
        now = dt.datetime.now(dt.UTC)
        start, end = valid or (-dt.timedelta(minutes=5), dt.timedelta(days=1))
        builder = (x509.CertificateBuilder().subject_name(_name(cn))
                   .issuer_name(_name(cn) if self_signed else self.ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now + start).not_valid_after(now + end)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                         else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return _write(self.dir / name, builder.sign(key if self_signed else self.ca_key, hashes.SHA256()), key)

    def crl(self, name: str, revoked: list[Path]) -> Path:
        """A CRL of the CA revoking the certificates at ``revoked`` (PEM files), valid for a day."""
        now = dt.datetime.now(dt.UTC)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.ca.subject)
                   .last_update(now - dt.timedelta(minutes=5)).next_update(now + dt.timedelta(days=1)))
        for path in revoked:
            cert = x509.load_pem_x509_certificate(path.read_bytes())
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now).build())
        out = self.dir / f"{name}.crl.pem"
        out.write_bytes(builder.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        return out
