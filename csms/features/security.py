"""Feature module: security (see csms/features/__init__.py).

OCPP 1.6 security extension and OCPP 2.0.1 blocks A (security), B (provisioning), M (certificates)
and N (monitoring, events, customer information): services on the container, inbound handlers
(replacing the core notice handlers of these 2.0.1 actions) and command encoders of both versions.
Also report request tracking (reports, monitoring reports, customer information, display messages,
logs: csms.services.requests) with its timeout job, and the master pass (2.0.1 C16) for authorization."""

from __future__ import annotations

from csms.db import repositories_security as repos
from csms.db.repositories_requests import SqlReportRequestRepository
from csms.ocpp.v16 import security as v16_security
from csms.ocpp.v201 import iso15118 as v201_iso15118
from csms.ocpp.v201 import provisioning as v201_provisioning
from csms.ocpp.v201 import requests as v201_requests
from csms.ocpp.v201 import security as v201_security
from csms.services.contract_certificates import ContractCertificatePool
from csms.services.message_limits import MessageLimits
from csms.services.ocsp import ContractValidation, OcspClient
from csms.services.provisioning import ProvisioningService
from csms.services.requests import ReportRequestService
from csms.services.security import AlarmService, SecurityEventService
from csms.services.security_ca import CertificateAuthority
from csms.services.security_certificates import CertificateService
from csms.services.security_credentials import CredentialService
from csms.transport import tls

REQUEST_TIMEOUT_JOB = "report-request-timeout"
REQUEST_TIMEOUT_EVERY = {"seconds": 15}


def install(container) -> None:
    sf = container.sessions_factory
    container.alarms = AlarmService(repos.SqlAlarmRepository(sf), container.bus, container.clock)
    container.security_events = SecurityEventService(repos.SqlSecurityEventRepository(sf), container.alarms,
                                                     container.bus, container.clock)
    container.certificate_authority = CertificateAuthority.from_env(container.settings.var_dir)
    container.certificates = CertificateService(container.certificate_authority, repos.SqlCertificateRepository(sf),
                                                container.commands, container.clock)
    container.credentials = CredentialService(container.charge_points, container.commands, container.chargers,
                                              container.charger_passwords)
    container.report_requests = ReportRequestService(SqlReportRequestRepository(sf), container.clock)
    device_model = repos.SqlDeviceModelRepository(sf)
    container.message_limits = MessageLimits(device_model, container.clock)
    container.provisioning = ProvisioningService(device_model, container.commands, container.alarms, container.clock,
                                                 container.report_requests, container.message_limits)
    # installed before this feature: logs and display messages are tracked too
    for name in ("firmware", "display_messages"):
        if getattr(container, name, None) is not None:
            getattr(container, name).requests = container.report_requests
    # a token of the charge point's MasterPassGroupId may stop any transaction and start none (C16)
    container.id_tags.master_pass_group = container.provisioning.master_pass_group

    container.routes["ocpp1.6"].update(v16_security.handlers(container.security_events, container.certificates))
    container.routes["ocpp2.0.1"].update(v201_security.handlers(container.security_events, container.certificates))
    container.routes["ocpp2.0.1"].update(v201_provisioning.handlers(container.provisioning))
    # ISO 15118 (C07, M01, M02, M06): OCSP and the contract-certificate pool; Authorize also checks a contract
    o = container.settings.ocpp
    container.ocsp = OcspClient(container.clock, o.ocsp_timeout, o.ocsp_cache_seconds)
    container.contract_validation = ContractValidation(container.ocsp, container.clock, o.ocsp_unreachable)
    container.contract_pool = ContractCertificatePool(o.contract_pool_url, o.contract_pool_timeout)
    container.routes["ocpp2.0.1"].update(v201_iso15118.handlers(container.sessions, container.contract_validation,
                                                                container.ocsp, container.contract_pool))
    container.stoppers += [container.ocsp.close, container.contract_pool.close]
    container.routes["ocpp2.0.1"].update(v201_requests.tracking(container.routes["ocpp2.0.1"],
                                                                container.report_requests))
    container.encoders["ocpp1.6"].update(v16_security.ENCODERS)
    container.encoders["ocpp2.0.1"].update(v201_security.ENCODERS)
    container.encoders["ocpp2.0.1"].update(v201_provisioning.ENCODERS)

    async def expire_requests() -> None:
        await container.report_requests.expire_due()

    container.jobs.append((REQUEST_TIMEOUT_JOB, REQUEST_TIMEOUT_EVERY, expire_requests))

    async def trust_signing_ca() -> None:
        """A02.FR.11/14, F06: certificates this CA signs authenticate their station at the next connection."""
        if container.ocpp_tls_server is not None:
            tls.trust(container.ocpp_tls_server.ssl_context, await container.certificate_authority.certificate_pem())

    container.starters.append(trust_signing_ca)
