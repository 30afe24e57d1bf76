"""Answers of the simulated 1.6 charge point for the security extension (OCA white paper "Improved security
for OCPP 1.6-J"): InstallCertificate, DeleteCertificate, GetInstalledCertificateIds, CertificateSigned,
ExtendedTriggerMessage (SignChargePointCertificate -> SignCertificate), SignedUpdateFirmware and GetLog
(flows in file_transfers.py), and the security configuration keys (SecurityProfile, AuthorizationKey,
CpoName, certificate limits). The certificate steps are in security_common.py. Mixed into ChargePoint16.
"""

from __future__ import annotations

from .config_store import ConfigKey
from .security_common import SecurityState

ROOT_TYPES_16 = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
EXTENDED_TRIGGERS = frozenset({"BootNotification", "LogStatusNotification", "FirmwareStatusNotification",
                               "Heartbeat", "MeterValues", "SignChargePointCertificate", "StatusNotification"})


def security_keys_16(security_profile: int) -> list[ConfigKey]:
    return [
        ConfigKey("SecurityProfile", str(security_profile), kind="int", minimum=0),
        ConfigKey("AuthorizationKey", "", writeonly=True),
        ConfigKey("CpoName", "csms-sim"),
        ConfigKey("CertificateStoreMaxLength", "20", readonly=True, kind="int"),
        ConfigKey("CertificateSignedMaxChainSize", "10000", readonly=True, kind="int"),
        ConfigKey("AdditionalRootCertificateCheck", "false", readonly=True, kind="bool"),
        ConfigKey("CertSigningWaitMinimum", "60", kind="int", minimum=1),
        ConfigKey("CertSigningRepeatTimes", "3", kind="int", minimum=0),
    ]


class Security16(SecurityState):
    """Mixin; relies on the ChargePoint16 attributes (config, connectors, after_reply, _send_triggered ...)."""

    own_certificate_type = "ChargePointCertificate"
    invalid_own_certificate_event = "InvalidChargePointCertificate"
    protected_types = frozenset({"ChargePointCertificate"})

    def _init_security_config(self, client_certificate: bool) -> None:
        """The keys, SecurityProfile from how this charge point connects (3: TLS with a client certificate,
        2: TLS, 1: a password, else 0)."""
        tls = self.url.startswith("wss://")
        profile = 3 if tls and client_certificate else 2 if tls else 1 if self.password else 0
        for key in security_keys_16(profile):
            self.config.add(key)
        self.certificates.capacity = self.config.get_int("CertificateStoreMaxLength", 20)

    # ------------------------------------------------------------------ hooks of security_common
    def _security_profile(self) -> int:
        return self.config.get_int("SecurityProfile", 0)

    def _organization(self) -> str | None:
        return self.config.get("CpoName")

    def _signing_retry(self) -> tuple[float, int]:
        return (float(self.config.get_int("CertSigningWaitMinimum", 60)),
                self.config.get_int("CertSigningRepeatTimes", 3))

    # ------------------------------------------------------------------ configuration
    async def on_ChangeConfiguration(self, payload: dict) -> dict:
        key, value = payload["key"], payload["value"]
        name = key.lower()
        if name == "securityprofile":
            return {"status": self._change_security_profile(value)}
        if name == "authorizationkey":
            if not 16 <= len(value) <= 40:
                return {"status": "Rejected"}
            self.config.set("AuthorizationKey", value)
            self.password = value  # used from the next connection on
            self.notify()
            return {"status": "Accepted"}
        return await super().on_ChangeConfiguration(payload)

    def _change_security_profile(self, value: str) -> str:
        """Only upwards; 2 and 3 need a CentralSystemRootCertificate, 3 also the charge point's own
        certificate. Takes effect from the next connection on (reported here, the URL is the caller's)."""
        try:
            profile = int(value.strip())
        except ValueError:
            return "Rejected"
        if not 0 <= profile <= 3 or profile < self.config.get_int("SecurityProfile"):
            return "Rejected"
        if profile >= 2 and not self.certificates.entries(["CentralSystemRootCertificate"]):
            return "Rejected"
        if profile == 3 and self.own_certificate() is None:
            return "Rejected"
        self.config.set("SecurityProfile", profile)
        self.notify()
        return "Accepted"

    # ------------------------------------------------------------------ certificates
    async def on_InstallCertificate(self, payload: dict) -> dict:
        return {"status": self._install_root(payload["certificateType"], payload["certificate"])}

    async def on_DeleteCertificate(self, payload: dict) -> dict:
        return {"status": self._delete(payload["certificateHashData"])}

    async def on_GetInstalledCertificateIds(self, payload: dict) -> dict:
        found = [e.hash_data() for e in self.certificates.entries([payload["certificateType"]])]
        if not found:
            return {"status": "NotFound"}
        return {"status": "Accepted", "certificateHashData": found}

    async def on_CertificateSigned(self, payload: dict) -> dict:
        limit = self.config.get_int("CertificateSignedMaxChainSize", 10000)
        return {"status": self._certificate_signed(payload["certificateChain"], None, limit)}

    # ------------------------------------------------------------------ ExtendedTriggerMessage
    async def on_ExtendedTriggerMessage(self, payload: dict) -> dict:
        requested, connector_id = payload["requestedMessage"], payload.get("connectorId")
        if requested not in EXTENDED_TRIGGERS:
            return {"status": "NotImplemented"}
        if connector_id is not None and not 0 <= connector_id < len(self.connectors):
            return {"status": "Rejected"}
        if requested == "SignChargePointCertificate":
            self.after_reply(self.request_signing())
        elif requested == "LogStatusNotification":  # the running upload's status, else Idle
            self.after_reply(self._call_quiet("LogStatusNotification",
                                              self._transfer_notice("LogStatusNotification", "upload")))
        elif requested == "FirmwareStatusNotification":  # the security extension's signed notification
            self.after_reply(self._call_quiet("SignedFirmwareStatusNotification", self._transfer_notice(
                "SignedFirmwareStatusNotification", "firmware")))
        else:
            self.after_reply(self._send_triggered(requested, connector_id))
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ signed firmware update, logs
    async def on_SignedUpdateFirmware(self, payload: dict) -> dict:
        """The signing certificate must lead to an installed ManufacturerRootCertificate (else
        InvalidCertificate and a security event); then the signed flow of file_transfers.py."""
        return self._signed_update(payload, "SignedFirmwareStatusNotification")

    async def on_GetLog(self, payload: dict) -> dict:
        return self._get_log(payload)
