"""What a simulated charge point checks on a firmware image, pure (no I/O): the signing certificate of a
signed update (1.6 security extension SignedUpdateFirmware, 2.0.1 UpdateFirmware L01), the image's
signature, the MD5 checksum of a 2.0.1 PublishFirmware, and the version an installed image reports.

- Signing certificate: a PEM certificate (optionally followed by its intermediates) valid now, issued
  (through the chain) by an installed ManufacturerRootCertificate, or itself one of them. Without any
  manufacturer root the station cannot verify it: refused.
- Signature: base64 of the signature of the image with the signing certificate's key (ECDSA or RSA
  PKCS#1 v1.5, SHA-256). When the image could not be fetched (a location the simulator does not reach)
  only the base64 form is checked.
- Checksum: the MD5 of the image in hexadecimal; unfetched, it must at least be 32 hexadecimal digits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from . import certificates as c

_MD5 = re.compile(r"[0-9a-fA-F]{32}")
_IMAGE_SUFFIXES = (".tar.gz", ".tgz", ".bin", ".img", ".zip", ".tar", ".fw", ".hex", ".swu")


def signing_certificate_fault(pem: str, roots: list[x509.Certificate]) -> tuple[x509.Certificate | None, str | None]:
    """(the signing certificate, None) if ``pem`` is acceptable, else (None, why)."""
    try:
        chain = c.load_chain(pem)
    except c.BadCertificate as exc:
        return None, f"signing certificate is not PEM: {exc}"
    for certificate in chain:
        if not c.valid_now(certificate):
            return None, f"certificate {format(certificate.serial_number, 'x')} is not valid now"
    for certificate, issuer in itertools.pairwise(chain):
        if not c.issued_by(certificate, issuer):
            return None, f"certificate {format(certificate.serial_number, 'x')} is not issued by the next one"
    if not roots:
        return None, "no ManufacturerRootCertificate installed to verify the signing certificate with"
    top = chain[-1]
    if not any(top == root or c.issued_by(top, root) for root in roots):
        return None, "the signing certificate is not issued by an installed ManufacturerRootCertificate"
    return chain[0], None


def signature_fault(image: bytes | None, signature: str, certificate: x509.Certificate | None) -> str | None:
    """Why ``signature`` (base64) does not sign ``image`` with ``certificate``'s key; None if it does
    (or, for an image not fetched / no certificate, if it is at least well-formed base64)."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return "the signature is not base64"
    if not raw:
        return "the signature is empty"
    if image is None or certificate is None:
        return None
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, image, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, image, padding.PKCS1v15(), hashes.SHA256())
        else:
            return f"unsupported signing key {type(key).__name__}"
    except InvalidSignature:
        return "the signature does not match the firmware image"
    return None


def checksum_fault(image: bytes | None, checksum: str) -> str | None:
    """Why the MD5 ``checksum`` does not fit ``image``; None if it does."""
    if image is None:
        return None if _MD5.fullmatch(checksum) else "the checksum is not an MD5 in hexadecimal"
    actual = hashlib.md5(image).hexdigest()
    return None if actual == checksum.lower() else f"MD5 of the image is {actual}"


def image_name(location: str) -> str:
    """The file name of a location (``firmware`` when it has none)."""
    return PurePosixPath(unquote(urlsplit(location).path)).name or "firmware"


def version_of(location: str) -> str | None:
    """The firmware version an image installed from ``location`` reports: its file name without the
    image suffix (``.../sim-2.0.bin`` -> ``sim-2.0``), None when the location names no file."""
    name = PurePosixPath(unquote(urlsplit(location).path)).name
    for suffix in _IMAGE_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name[:50] or None
