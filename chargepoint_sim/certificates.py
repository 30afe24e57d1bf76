"""Certificates of a simulated charge point, pure (no I/O): what InstallCertificate, DeleteCertificate,
GetInstalledCertificateIds, SignCertificate and CertificateSigned (1.6 security extension, 2.0.1 blocks
A and M) work on.

- ``hash_data``: the CertificateHashDataType of a certificate as both specifications define it:
  ``issuerNameHash`` = hash of the DER-encoded issuer name, ``issuerKeyHash`` = hash of the issuer's
  public key (the value of the subjectPublicKey BIT STRING, as OCSP CertID, RFC 6960), ``serialNumber``
  = the serial in hexadecimal without "0x" and without leading zeroes (lower case).
- ``CertificateStore``: installed certificates per type (the version's own type names); each entry is
  one certificate (a root) or a chain (leaf first: ChargingStationCertificate, V2GCertificateChain).
- ``new_key_and_csr``: an EC P-256 key and the PEM CSR a SignCertificate carries (CN = the charge
  point's identity, O = the organization / CPO name).
- ``check_chain``: why a CertificateSigned chain is refused (None if it is acceptable).
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HASHES = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384, "SHA512": hashlib.sha512}


class BadCertificate(ValueError):
    """Not a PEM X.509 certificate (chain)."""


def load_chain(pem: str) -> list[x509.Certificate]:
    """Every certificate of a PEM text, in order; BadCertificate if there is none or one is broken."""
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except (ValueError, TypeError) as exc:
        raise BadCertificate(str(exc) or "not a PEM certificate") from None
    if not certificates:
        raise BadCertificate("no certificate")
    return certificates


def to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _der_item(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the content, end of the content) of the DER item at ``at``."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(data[at:at + size], "big")
        at += size
    return tag, at, at + length


def public_key_bits(key) -> bytes:
    """The subjectPublicKey BIT STRING value (without its unused-bits octet) of a public key."""
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    _, start, _ = _der_item(spki, 0)                 # SubjectPublicKeyInfo SEQUENCE
    _, _, algorithm_end = _der_item(spki, start)     # AlgorithmIdentifier SEQUENCE
    tag, bits_start, bits_end = _der_item(spki, algorithm_end)
    if tag != 0x03:
        raise BadCertificate("subjectPublicKey is not a BIT STRING")
    return spki[bits_start + 1:bits_end]


def hash_data(certificate: x509.Certificate, issuer_key=None, algorithm: str = "SHA256") -> dict:
    """CertificateHashDataType of ``certificate``; ``issuer_key``: the issuer's public key (default:
    the certificate's own, right for a self-signed root)."""
    digest = HASHES[algorithm]
    key = issuer_key if issuer_key is not None else certificate.public_key()
    return {"hashAlgorithm": algorithm,
            "issuerNameHash": digest(certificate.issuer.public_bytes()).hexdigest(),
            "issuerKeyHash": digest(public_key_bits(key)).hexdigest(),
            "serialNumber": format(certificate.serial_number, "x")}


def same_hash(a: dict, b: dict) -> bool:
    """Do two CertificateHashData name the same certificate (hex compared case-insensitively, the serial
    without leading zeroes)?"""
    return (a["hashAlgorithm"] == b["hashAlgorithm"]
            and a["issuerNameHash"].lower() == b["issuerNameHash"].lower()
            and a["issuerKeyHash"].lower() == b["issuerKeyHash"].lower()
            and a["serialNumber"].lower().lstrip("0") == b["serialNumber"].lower().lstrip("0"))


def valid_now(certificate: x509.Certificate, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # a wrong issuer name or key type: ValueError/TypeError
        return False
    return True


@dataclass
class Installed:
    """One installed certificate (``chain[0]``) with the CA certificates that came with it."""
    type: str
    chain: list[x509.Certificate]
    issuer_key: object = None           # public key of chain[0]'s issuer, when known
    installed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def pem(self) -> str:
        return "".join(to_pem(c) for c in self.chain)

    def hash_data(self, algorithm: str = "SHA256") -> dict:
        return hash_data(self.certificate, self.issuer_key, algorithm)

    def child_hash_data(self, algorithm: str = "SHA256") -> list[dict]:
        """Hash data of the CA certificates of a chain (each issued by the next, the last by itself)."""
        out = []
        for index, certificate in enumerate(self.chain[1:], start=1):
            issuer = self.chain[index + 1].public_key() if index + 1 < len(self.chain) else None
            out.append(hash_data(certificate, issuer, algorithm))
        return out


class CertificateStore:
    """Installed certificates by type; at most ``capacity`` in all (a chain counts once)."""

    def __init__(self, capacity: int = 20):
        self.capacity = capacity
        self.by_type: dict[str, list[Installed]] = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.by_type.values())

    def entries(self, types=None) -> list[Installed]:
        return [e for kind, entries in self.by_type.items() if types is None or kind in types for e in entries]

    def _issuer_key(self, certificate: x509.Certificate, chain: list[x509.Certificate]):
        if certificate.issuer == certificate.subject:
            return certificate.public_key()
        for candidate in [*chain[1:], *(e.certificate for e in self.entries())]:
            if candidate.subject == certificate.issuer and issued_by(certificate, candidate):
                return candidate.public_key()
        return None

    def install(self, kind: str, chain: list[x509.Certificate], *, replace: bool = False) -> Installed | None:
        """Add a certificate (chain) of ``kind``; ``replace``: it is the only one of its kind (a charge point's
        own certificate). The same certificate again replaces the first. None if the store is full."""
        entry = Installed(kind, chain, self._issuer_key(chain[0], chain))
        entries = self.by_type.setdefault(kind, [])
        if replace:
            entries.clear()
        for index, other in enumerate(entries):
            if other.certificate == chain[0]:
                entries[index] = entry
                return entry
        if len(self) >= self.capacity:
            return None
        entries.append(entry)
        return entry

    def find(self, wanted: dict) -> Installed | None:
        """The installed certificate the CertificateHashData names (with its algorithm), or None."""
        algorithm = wanted.get("hashAlgorithm", "SHA256")
        if algorithm not in HASHES:
            return None
        for entry in self.entries():
            if same_hash(entry.hash_data(algorithm), wanted):
                return entry
        return None

    def remove(self, entry: Installed) -> None:
        self.by_type[entry.type].remove(entry)


def new_key_and_csr(common_name: str, organization: str | None = None) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A fresh EC P-256 key and its PEM certificate signing request."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes)).sign(key, hashes.SHA256())
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def check_chain(chain: list[x509.Certificate], key, now: datetime | None = None) -> str | None:
    """Why a signed chain (leaf first) cannot be installed for private ``key``; None if it can: the
    leaf carries the key's public key, every certificate is valid now, each is issued by the next."""
    if key is None:
        return "no certificate signing request is pending"
    leaf = chain[0]
    if public_key_bits(leaf.public_key()) != public_key_bits(key.public_key()):
        return "the certificate is not for the key of the signing request"
    for certificate in chain:
        if not valid_now(certificate, now):
            return f"certificate {format(certificate.serial_number, 'x')} is not valid now"
    for certificate, issuer in itertools.pairwise(chain):
        if not issued_by(certificate, issuer):
            return f"certificate {format(certificate.serial_number, 'x')} is not issued by the next one in the chain"
    return None
