"""Feature: security (OCPP 1.6 security extension; 2.0.1 blocks A security, B provisioning, M
certificates, N monitoring, events and customer information)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csms.db.catalog import Repositories
from csms.services.chargers import ChargerService
from csms.services.clock import Clock
from csms.services.commands import CommandService
from csms.services.provisioning import ProvisioningService
from csms.services.requests import ReportRequestService
from csms.services.security import AlarmService, SecurityEventService
from csms.services.security_ca import CertificateAuthority
from csms.services.security_certificates import CertificateService
from csms.services.security_credentials import CredentialService


@dataclass(frozen=True)
class Security:
    alarms: AlarmService
    security_events: SecurityEventService
    certificate_authority: CertificateAuthority
    certificates: CertificateService
    credentials: CredentialService
    provisioning: ProvisioningService


def build(repos: Repositories, *, bus, clock: Clock, commands: CommandService, chargers: ChargerService,
          report_requests: ReportRequestService, var_dir: Path) -> Security:
    alarms = AlarmService(repos.alarms, bus, clock)
    ca = CertificateAuthority.from_env(var_dir)
    return Security(
        alarms=alarms,
        security_events=SecurityEventService(repos.security_events, alarms, bus, clock),
        certificate_authority=ca,
        certificates=CertificateService(ca, repos.certificates, commands, clock),
        credentials=CredentialService(repos.charge_points, commands, chargers),
        provisioning=ProvisioningService(repos.device_model, commands, alarms, clock, report_requests))
