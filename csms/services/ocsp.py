"""Revocation checks of ISO 15118 contract certificates over OCSP (RFC 6960), version-neutral.

- ``OcspClient.fetch``: the DER OCSP response for one certificate id, from its responder (GetCertificateStatus,
  M06.FR.01/02: the station reads the response itself).
- ``OcspClient.status``: the parsed, checked status (good / revoked / unknown), cached for a short while.
  A response counts only when it names the certificate asked about, is current, and is signed by the
  issuer itself (its key hash is the certificate id's issuerKeyHash) or by a delegated responder the
  issuer signed for OCSP signing (checked when the issuer certificate is known); otherwise the responder
  is treated as unreachable.
- ``ContractValidation``: the ``certificateStatus`` of an Authorize carrying iso15118CertificateHashData
  or a contract certificate chain (C07.FR.04/05/16): expiry and chain first, then OCSP for each
  certificate; an unreachable responder follows the configured policy (``reject`` by default).

Every crypto step and parse runs in the default executor, never on the event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import aiohttp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from csms.domain.models import IdTagInfo
from csms.services.clock import Clock

log = logging.getLogger(__name__)

HASHES = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}
CLOCK_SKEW = timedelta(minutes=5)
POLICIES = ("reject", "accept")


class OcspUnavailable(Exception):
    """No usable answer: the responder could not be reached, failed, or could not be trusted."""


@dataclass(frozen=True)
class CertificateId:
    """What identifies a certificate to its OCSP responder (the OCPP OCSPRequestDataType)."""
    hash_algorithm: str            # SHA256 | SHA384 | SHA512
    issuer_name_hash: str          # hex
    issuer_key_hash: str           # hex
    serial_number: str             # hex
    responder_url: str | None = None


def _hashes(cert: x509.Certificate, issuer: x509.Certificate, algorithm: str) -> tuple[str, str]:
    """(issuerNameHash, issuerKeyHash) of ``cert`` as RFC 6960 CertID defines them (the key hash is of the
    issuer's subjectPublicKey BIT STRING), computed by cryptography's request builder."""
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, HASHES[algorithm]()).build()
    return request.issuer_name_hash.hex(), request.issuer_key_hash.hex()


def certificate_id(cert: x509.Certificate, issuer: x509.Certificate, algorithm: str = "SHA256") -> CertificateId:
    url = next((d.access_location.value for d in _aia(cert) if d.access_method == AuthorityInformationAccessOID.OCSP),
               None)
    name_hash, key_hash = _hashes(cert, issuer, algorithm)
    return CertificateId(algorithm, name_hash, key_hash, format(cert.serial_number, "x"), url)


def _aia(cert: x509.Certificate) -> list:
    try:
        return list(cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value)
    except x509.ExtensionNotFound:
        return []


def request_der(cid: CertificateId) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        bytes.fromhex(cid.issuer_name_hash), bytes.fromhex(cid.issuer_key_hash), int(cid.serial_number, 16),
        HASHES[cid.hash_algorithm]())
    return builder.build().public_bytes(serialization.Encoding.DER)


def parse_status(der: bytes, cid: CertificateId, now: datetime, issuer: x509.Certificate | None = None) -> str:
    """good | revoked | unknown from a DER response; OcspUnavailable if it does not count (see module doc)."""
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        raise OcspUnavailable(f"not an OCSP response: {exc}") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspUnavailable(f"responder answered {response.response_status.name}")
    _check_signer(response, cid, issuer)
    for single in response.responses:
        if (single.serial_number == int(cid.serial_number, 16)
                and single.issuer_name_hash.hex() == cid.issuer_name_hash.lower()
                and single.issuer_key_hash.hex() == cid.issuer_key_hash.lower()):
            if single.this_update_utc > now + CLOCK_SKEW or (
                    single.next_update_utc is not None and single.next_update_utc < now - CLOCK_SKEW):
                raise OcspUnavailable("the OCSP response is not current")
            return single.certificate_status.name.lower()
    raise OcspUnavailable("the OCSP response does not name the certificate asked about")


def _check_signer(response: ocsp.OCSPResponse, cid: CertificateId, issuer: x509.Certificate | None) -> None:
    candidates = list(response.certificates) + ([issuer] if issuer is not None else [])
    for signer in candidates:
        try:
            _verify(signer, response)
        except (InvalidSignature, TypeError, ValueError):
            continue
        if _hashes(signer, signer, cid.hash_algorithm)[1] == cid.issuer_key_hash.lower():
            return                                         # signed by the issuer itself
        if issuer is not None and _delegated(signer, issuer):
            return                                         # a responder the issuer signed for OCSP
    raise OcspUnavailable("the OCSP response is not signed by the issuer or a responder it delegated")


def _verify(signer: x509.Certificate, response: ocsp.OCSPResponse) -> None:
    key = signer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(response.signature_hash_algorithm))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(),
                   response.signature_hash_algorithm)
    else:
        raise TypeError(type(key).__name__)


def _delegated(signer: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        signer.verify_directly_issued_by(issuer)
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage


class OcspClient:
    def __init__(self, clock: Clock, timeout: float = 5.0, cache_seconds: float = 300.0):
        self.clock = clock
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._http: aiohttp.ClientSession | None = None
        self._cache: dict[CertificateId, tuple[str, float]] = {}

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def fetch(self, cid: CertificateId) -> bytes:
        """The responder's DER answer to an RFC 6960 request for ``cid``; OcspUnavailable if it fails."""
        if not cid.responder_url or not cid.responder_url.startswith(("http://", "https://")):
            raise OcspUnavailable(f"no usable responder URL: {cid.responder_url!r}")
        loop = asyncio.get_running_loop()
        try:
            body = await loop.run_in_executor(None, request_der, cid)
        except (ValueError, KeyError) as exc:
            raise OcspUnavailable(f"cannot build the OCSP request: {exc}") from None
        if self._http is None:
            self._http = aiohttp.ClientSession()
        try:
            async with self._http.post(cid.responder_url, data=body, timeout=aiohttp.ClientTimeout(total=self.timeout),
                                       headers={"Content-Type": "application/ocsp-request"}) as resp:
                der = await resp.read()
                if resp.status != 200:
                    raise OcspUnavailable(f"responder {cid.responder_url} answered HTTP {resp.status}")
                return der
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise OcspUnavailable(f"responder {cid.responder_url} unreachable: {type(exc).__name__} {exc}") from None

    async def status(self, cid: CertificateId, issuer: x509.Certificate | None = None) -> str:
        """good | revoked | unknown, cached up to ``cache_seconds`` (never past the response's nextUpdate)."""
        hit = self._cache.get(cid)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        der = await self.fetch(cid)
        status = await asyncio.get_running_loop().run_in_executor(None, parse_status, der, cid, self.clock.now(),
                                                                  issuer)
        self._cache[cid] = (status, time.monotonic() + self.cache_seconds)
        return status


class ContractValidation:
    """The certificateStatus of an ISO 15118 Authorize (the AuthorizeCertificateStatusEnumType words)."""

    def __init__(self, client: OcspClient, clock: Clock, unreachable: str = "reject"):
        if unreachable not in POLICIES:
            raise ValueError(f"unknown OCSP policy {unreachable!r}")
        self.client = client
        self.clock = clock
        self.unreachable = unreachable

    async def authorize(self, info: IdTagInfo, chain_pem: str | None,
                        hash_data: list[CertificateId]) -> tuple[IdTagInfo, str]:
        """(the id token's answer, certificateStatus): a contract certificate that is not Accepted makes
        the token Invalid (C07.FR.05: a revoked contract does not charge)."""
        status = await self.certificate_status(chain_pem, hash_data)
        return (info if status == "Accepted" else replace(info, status="Invalid")), status

    async def certificate_status(self, chain_pem: str | None, hash_data: list[CertificateId]) -> str:
        checks: list[tuple[CertificateId, x509.Certificate | None]] = [(cid, None) for cid in hash_data]
        if chain_pem:
            verdict, from_chain = await asyncio.get_running_loop().run_in_executor(
                None, _chain_checks, chain_pem, self.clock.now())
            if verdict != "Accepted":
                return verdict
            checks = from_chain + [c for c in checks if c[0] not in {x for x, _ in from_chain}]
        if not checks:
            return "NoCertificateAvailable"
        verdict = "Accepted"
        for cid, issuer in checks:
            try:
                status = await self.client.status(cid, issuer)
            except OcspUnavailable as exc:
                log.warning("OCSP for certificate %s: %s (policy %s)", cid.serial_number, exc, self.unreachable)
                if self.unreachable == "reject":
                    verdict = "CertChainError"
                continue
            if status == "revoked":
                return "CertificateRevoked"
            if status == "unknown":
                verdict = "CertChainError"            # its issuer does not vouch for it
        return verdict


def _chain_checks(chain_pem: str, now: datetime) -> tuple[str, list[tuple[CertificateId, x509.Certificate]]]:
    """Expiry and issuance along a PEM chain (leaf first), and the certificate ids to ask OCSP about."""
    try:
        chain = x509.load_pem_x509_certificates(chain_pem.encode())
    except ValueError:
        return "CertChainError", []
    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return "CertificateExpired", []
    if len(chain) < 2:
        return "CertChainError", []          # the issuer is needed for the OCSP certificate id
    checks = []
    for cert, issuer in zip(chain, chain[1:]):
        try:
            cert.verify_directly_issued_by(issuer)
        except InvalidSignature:
            return "SignatureError", []
        except (ValueError, TypeError):
            return "CertChainError", []
        checks.append((certificate_id(cert, issuer), issuer))
    return "Accepted", checks
