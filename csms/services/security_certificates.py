"""Certificates, version-neutral: signing charge point CSRs with the CSMS's CA (SignCertificate ->
CertificateSigned), and the operator's install / delete / list of certificates on a charge point."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from csms.domain.models import Page
from csms.domain.security import (CertificateHashData, CertificateSigned, DeleteCertificate,
                                  GetInstalledCertificateIds, InstallCertificate, IssuedCertificate)
from csms.services.clock import Clock
from csms.services.security_ca import CertificateAuthority, CsrRejected

log = logging.getLogger(__name__)


class CertificateRepository(Protocol):
    async def add(self, cert: IssuedCertificate) -> IssuedCertificate: ...
    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page: ...


class Commands(Protocol):
    async def send(self, cp_id: str, command: Any) -> dict: ...


class CertificateService:
    def __init__(self, ca: CertificateAuthority, repo: CertificateRepository, commands: Commands, clock: Clock):
        self.ca = ca
        self.repo = repo
        self.commands = commands
        self.clock = clock

    async def accept_csr(self, cp_id: str, csr: str) -> tuple[bool, str | None]:
        """Whether to answer a SignCertificate Accepted: (accepted, why not)."""
        try:
            await self.ca.check(csr, cp_id)
        except CsrRejected as exc:
            log.warning("SignCertificate from %s rejected: %s", cp_id, exc)
            return False, str(exc)
        return True, None

    async def issue(self, cp_id: str, csr: str, certificate_type: str | None) -> dict:
        """Sign the CSR, store the certificate, send it with CertificateSigned; the charge point's answer."""
        issued = await self.ca.sign(csr, cp_id)
        await self.repo.add(IssuedCertificate(
            charge_point_id=cp_id, serial=issued.serial,
            certificate_type=certificate_type or "ChargePointCertificate", subject=issued.subject,
            not_before=issued.not_before, not_after=issued.not_after, pem=issued.pem, issued_at=self.clock.now()))
        result = await self.commands.send(cp_id, CertificateSigned(issued.chain, certificate_type))
        if result.get("status") != "Accepted":
            log.warning("%s did not accept certificate %s: %s", cp_id, issued.serial, result)
        return {**result, "serial": issued.serial}

    async def issued(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(cp_id, limit=limit, offset=offset)

    async def install(self, cp_id: str, certificate_type: str, certificate: str) -> dict:
        return await self.commands.send(cp_id, InstallCertificate(certificate_type, certificate))

    async def delete(self, cp_id: str, hash_data: CertificateHashData) -> dict:
        return await self.commands.send(cp_id, DeleteCertificate(hash_data))

    async def installed_ids(self, cp_id: str, certificate_type: str) -> dict:
        return await self.commands.send(cp_id, GetInstalledCertificateIds(certificate_type))
