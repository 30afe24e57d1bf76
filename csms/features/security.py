"""Feature: security (OCPP 1.6 security extension; 2.0.1 blocks A security, B provisioning, M
certificates, N monitoring, events and customer information), with the ISO 15118 certificate
services (C07, M01, M02, M06: OCSP and the contract-certificate pool) and the message size limits
(B06: DeviceDataCtrlr ItemsPerMessage / BytesPerMessage)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.charger_passwords import ChargerPasswords
from csms.services.chargers import ChargerService
from csms.services.clock import Clock
from csms.services.commands import CommandService
from csms.services.contract_certificates import ContractCertificatePool
from csms.services.message_limits import MessageLimits
from csms.services.ocsp import ContractValidation, OcspClient
from csms.services.provisioning import ProvisioningService
from csms.services.requests import ReportRequestService
from csms.services.security import AlarmService, SecurityEventService
from csms.services.security_ca import CertificateAuthority
from csms.services.security_certificates import CertificateService
from csms.services.security_credentials import CredentialService
from csms.settings import Settings


@dataclass(frozen=True)
class Security:
    alarms: AlarmService
    security_events: SecurityEventService
    certificate_authority: CertificateAuthority
    certificates: CertificateService
    credentials: CredentialService
    provisioning: ProvisioningService
    message_limits: MessageLimits
    ocsp: OcspClient
    contract_validation: ContractValidation
    contract_pool: ContractCertificatePool


def build(repos: Repositories, settings: Settings, *, bus, clock: Clock, commands: CommandService,
          chargers: ChargerService, passwords: ChargerPasswords, report_requests: ReportRequestService) -> Security:
    alarms = AlarmService(repos.alarms, bus, clock)
    ca = CertificateAuthority.from_settings(settings.data_dir, settings.ca.cert, settings.ca.key)
    limits = MessageLimits(repos.device_model, clock)
    o = settings.ocpp
    ocsp = OcspClient(clock, o.ocsp_timeout, o.ocsp_cache_seconds)
    return Security(
        alarms=alarms,
        security_events=SecurityEventService(repos.security_events, alarms, bus, clock),
        certificate_authority=ca,
        certificates=CertificateService(ca, repos.certificates, commands, clock),
        credentials=CredentialService(repos.charge_points, commands, chargers, passwords),
        provisioning=ProvisioningService(repos.device_model, commands, alarms, clock, report_requests, limits),
        message_limits=limits,
        ocsp=ocsp,
        contract_validation=ContractValidation(ocsp, clock, o.ocsp_unreachable),
        contract_pool=ContractCertificatePool(o.contract_pool_url, o.contract_pool_timeout))
