"""Answers of the simulated 2.0.1 charging station for blocks A (security) and M (certificates) and the
network connection profiles of block B: InstallCertificate, DeleteCertificate, GetInstalledCertificateIds,
CertificateSigned, TriggerMessage SignChargingStationCertificate / SignV2GCertificate (-> SignCertificate),
SetNetworkProfile. The certificate steps are in security_common.py. Mixed into ChargePoint201.

Network profiles: ``network_profiles`` (configuration slot -> NetworkConnectionProfileType), slot 0 is the
connection the station was started with; ``active_slot`` the one in use. SetNetworkProfile stores a
profile (never a lower security profile than the current one, the scheme must fit the profile: ws:// for
1, wss:// for 2 and 3) and raises a ReconfigurationOfSecurityParameters security event.
OCPPCommCtrlr.NetworkConfigurationPriority may only list slots whose profile the station can use (a
higher security profile needs a CSMSRootCertificate, profile 3 also the station's own certificate); it
applies at the next reboot: the first listed slot with a profile gives the URL and the security profile.
"""

from __future__ import annotations

import logging

from .security_common import SecurityState
from .v201_components import NETWORK_SLOTS

log = logging.getLogger("chargepoint_sim")

ID_USE_TYPES = ("V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "V2GCertificateChain",
                "ManufacturerRootCertificate")
SIGN_TRIGGERS = {"SignChargingStationCertificate": "ChargingStationCertificate",
                 "SignV2GCertificate": "V2GCertificate"}


class Security201(SecurityState):
    """Mixin; relies on the ChargePoint201 attributes (config, after_reply, _restart ...)."""

    own_certificate_type = "ChargingStationCertificate"
    invalid_own_certificate_event = "InvalidChargingStationCertificate"
    protected_types = frozenset({"ChargingStationCertificate"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.network_profiles: dict[int, dict] = {}
        self.active_slot = 0

    def _init_feature_variables(self) -> None:
        super()._init_feature_variables()
        entries = self.config.find_key("SecurityCtrlr.CertificateEntries")
        entries.getter, entries.persistent = (lambda: str(len(self.certificates))), False
        entries.max_limit = float(self.certificates.capacity)
        self.config.find_key("OCPPCommCtrlr.NetworkConfigurationPriority").check = self._usable_priority
        self.network_profiles[0] = {
            "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": self.url, "messageTimeout": 30,
            "securityProfile": self.config.get_int("SecurityCtrlr.SecurityProfile", 1), "ocppInterface": "Wired0"}

    # ------------------------------------------------------------------ hooks of security_common
    def _security_profile(self) -> int:
        return self.config.get_int("SecurityCtrlr.SecurityProfile", 1)

    def _sign_payload(self, csr: str, use: str) -> dict:
        return {"csr": csr, "certificateType": use}

    def _organization(self) -> str | None:
        return self.config.get("SecurityCtrlr.OrganizationName")

    def _signing_retry(self) -> tuple[float, int]:
        return (float(self.config.get_int("SecurityCtrlr.CertSigningWaitMinimum", 60)),
                self.config.get_int("SecurityCtrlr.CertSigningRepeatTimes", 3))

    def _store_type(self, use: str) -> str:
        return "V2GCertificateChain" if use == "V2GCertificate" else "ChargingStationCertificate"

    # ------------------------------------------------------------------ M certificates
    async def on_InstallCertificate(self, payload: dict) -> dict:
        return {"status": self._install_root(payload["certificateType"], payload["certificate"])}

    async def on_DeleteCertificate(self, payload: dict) -> dict:
        return {"status": self._delete(payload["certificateHashData"])}

    async def on_GetInstalledCertificateIds(self, payload: dict) -> dict:
        types = payload.get("certificateType") or ID_USE_TYPES
        chains = []
        for entry in self.certificates.entries([t for t in types if t in ID_USE_TYPES]):
            item = {"certificateType": entry.type, "certificateHashData": entry.hash_data()}
            children = entry.child_hash_data()[:4]
            if children:
                item["childCertificateHashData"] = children
            chains.append(item)
        if not chains:
            return {"status": "NotFound"}
        return {"status": "Accepted", "certificateHashDataChain": chains}

    async def on_CertificateSigned(self, payload: dict) -> dict:
        limit = self.config.get_int("SecurityCtrlr.MaxCertificateChainSize", 10000)
        status = self._certificate_signed(payload["certificateChain"], payload.get("certificateType"), limit)
        return {"status": status}

    async def on_TriggerMessage(self, payload: dict) -> dict:
        use = SIGN_TRIGGERS.get(payload["requestedMessage"])
        if use is None:
            return await super().on_TriggerMessage(payload)
        self.after_reply(self.request_signing(use))
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ B network connection profiles
    async def on_SetNetworkProfile(self, payload: dict) -> dict:
        slot, data = payload["configurationSlot"], payload["connectionData"]
        why = self._profile_fault(slot, data)
        if why is not None:
            code, info = why
            return {"status": "Rejected", "statusInfo": {"reasonCode": code, "additionalInfo": info}}
        self.network_profiles[slot] = data
        self.notify()
        self.after_reply(self.send_security_event(
            "ReconfigurationOfSecurityParameters", f"network connection profile stored in slot {slot}"))
        return {"status": "Accepted"}

    def _profile_fault(self, slot: int, data: dict) -> tuple[str, str] | None:
        current = self.config.get_int("SecurityCtrlr.SecurityProfile", 1)
        profile, url = data["securityProfile"], data["ocppCsmsUrl"]
        if str(slot) not in NETWORK_SLOTS:
            return "InvalidConfSlot", f"configuration slots are {','.join(NETWORK_SLOTS)}"
        if profile < current:
            return "NoSecurityDowngrade", f"security profile {profile} is below the current {current}"
        if data["ocppVersion"] != "OCPP20" or data["ocppTransport"] != "JSON":
            return "InvalidNetworkConf", "only OCPP 2.0.1 over JSON"
        if not 1 <= profile <= 3 or not url.startswith("wss://" if profile >= 2 else "ws://"):
            return "InvalidNetworkConf", f"security profile {profile} does not fit {url[:200]}"
        return None

    def _usable_priority(self, value: str) -> bool:
        """NetworkConfigurationPriority rule: every listed slot's profile must be usable by this station."""
        current = self.config.get_int("SecurityCtrlr.SecurityProfile", 1)
        for slot in value.split(","):
            data = self.network_profiles.get(int(slot))
            if data is None or data["securityProfile"] <= current:
                continue
            if data["securityProfile"] >= 2 and not self.certificates.entries(["CSMSRootCertificate"]):
                return False
            if data["securityProfile"] == 3 and self.own_certificate() is None:
                return False
        return True

    async def _restart(self) -> None:
        """A reboot connects with the first slot of NetworkConfigurationPriority that has a profile."""
        for slot in self.config.get_list("OCPPCommCtrlr.NetworkConfigurationPriority"):
            data = self.network_profiles.get(int(slot))
            if data is not None:
                if int(slot) != self.active_slot:
                    log.info("%s: switching to network profile slot %s (%s)", self.cp_id, slot, data["ocppCsmsUrl"])
                self.active_slot, self.url = int(slot), data["ocppCsmsUrl"]
                self.config.set("SecurityCtrlr.SecurityProfile", data["securityProfile"])
                break
        await super()._restart()
