"""Security: neutral commands and records (OCPP 1.6 security extension and OCPP 2.0.1 blocks A and M);
which security events raise an alarm (the alarms themselves: csms/domain/alarms.py). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Security events that raise an alarm: an attack, a broken trust chain or tampering. Routine events
# (start-up, reboot, clock set, firmware updated, a failed login) are stored but raise none.
# Names of both versions (1.6 whitepaper / 2.0.1 appendix) are listed.
CRITICAL_SECURITY_EVENTS = frozenset({
    "TamperDetectionActivated",
    "InvalidFirmwareSignature",
    "InvalidFirmwareSigningCertificate",
    "InvalidCentralSystemCertificate", "InvalidCsmsCertificate",
    "InvalidChargePointCertificate", "InvalidChargingStationCertificate",
    "InvalidTLSVersion", "InvalidTLSCipherSuite",
    "AttemptedReplayAttacks",
    "SecurityLogWasCleared",
    "MemoryExhaustion",
})


def is_critical(event_type: str) -> bool:
    return event_type in CRITICAL_SECURITY_EVENTS


@dataclass(frozen=True)
class SecurityEvent:
    charge_point_id: str
    type: str
    timestamp: datetime
    tech_info: str | None = None
    received_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class IssuedCertificate:
    charge_point_id: str
    serial: str                         # hex
    certificate_type: str               # ChargePointCertificate | ChargingStationCertificate | V2GCertificate
    subject: str
    not_before: datetime
    not_after: datetime
    pem: str
    issued_at: datetime
    id: int | None = None


# -- certificate types: neutral name -> (1.6 name, 2.0.1 name) -----------------------------------------
CERTIFICATE_TYPES = {
    "csms_root": ("CentralSystemRootCertificate", "CSMSRootCertificate"),
    "manufacturer_root": ("ManufacturerRootCertificate", "ManufacturerRootCertificate"),
    "v2g_root": (None, "V2GRootCertificate"),
    "mo_root": (None, "MORootCertificate"),
    "v2g_chain": (None, "V2GCertificateChain"),
}
INSTALLABLE = ("csms_root", "manufacturer_root", "v2g_root", "mo_root")


def neutral_certificate_type(ocpp_name: str) -> str:
    for neutral, names in CERTIFICATE_TYPES.items():
        if ocpp_name in names:
            return neutral
    return ocpp_name


# -- commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetBasicAuthPassword:
    """1.6 ChangeConfiguration AuthorizationKey; 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword."""
    password: str


@dataclass(frozen=True)
class UpgradeSecurityProfile:
    """1.6 ChangeConfiguration SecurityProfile; 2.0.1 SetNetworkProfile, then (follow-up)
    SetVariables OCPPCommCtrlr.NetworkConfigurationPriority."""
    security_profile: int
    configuration_slot: int = 1
    connection_data: dict = field(default_factory=dict)   # 2.0.1 NetworkConnectionProfileType (OCPP names)
    network_configuration_priority: str | None = None


@dataclass(frozen=True)
class SetNetworkPriority:
    priority: str                       # comma-separated configuration slots


@dataclass(frozen=True)
class CertificateSigned:
    certificate_chain: str              # PEM
    certificate_type: str | None = None  # 2.0.1: ChargingStationCertificate | V2GCertificate


@dataclass(frozen=True)
class InstallCertificate:
    certificate_type: str               # neutral: csms_root | manufacturer_root | v2g_root | mo_root
    certificate: str                    # PEM


@dataclass(frozen=True)
class CertificateHashData:
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str


@dataclass(frozen=True)
class DeleteCertificate:
    hash_data: CertificateHashData


@dataclass(frozen=True)
class GetInstalledCertificateIds:
    certificate_type: str               # neutral


@dataclass(frozen=True)
class ExtendedTriggerMessage:
    """1.6 ExtendedTriggerMessage; 2.0.1 TriggerMessage (SignChargePointCertificate ->
    SignChargingStationCertificate)."""
    message: str
    connector_id: int | None = None
