"""OCPP 2.0.1 block A (security) and M (certificates): inbound SecurityEventNotification,
SignCertificate, GetCertificateStatus, Get15118EVCertificate, and the encoders of the neutral
security commands. Pure translation onto the neutral services."""

from __future__ import annotations

from csms.domain import security as s
from csms.ocpp.errors import OcppError
from csms.ocpp.routing import CallContext
from csms.ocpp.v16.security import hash_data_out
from csms.ocpp.frames import parse_time
from csms.services.security import SecurityEventService
from csms.services.security_certificates import CertificateService

class V201SecurityHandlers:
    def __init__(self, events: SecurityEventService, certificates: CertificateService):
        self.events = events
        self.certificates = certificates

    async def security_event_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.events.record(ctx.cp_id, req["type"], parse_time(req["timestamp"]), req.get("techInfo"))
        return {}

    async def sign_certificate(self, ctx: CallContext, req: dict) -> dict:
        accepted, why = await self.certificates.accept_csr(ctx.cp_id, req["csr"])
        if not accepted:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": why[:512]}}
        kind = req.get("certificateType")
        ctx.then(lambda: self.certificates.issue(ctx.cp_id, req["csr"], kind or "ChargingStationCertificate"))
        return {"status": "Accepted"}


def certificate_type(neutral: str) -> str:
    name = s.CERTIFICATE_TYPES.get(neutral, (None, None))[1]
    if name is None:
        raise OcppError("PropertyConstraintViolation", f"unknown certificate type {neutral}",
                        {"field": "certificate_type"})
    return name


def _variable(component: str, variable: str, value: str) -> dict:
    return {"setVariableData": [{"component": {"name": component}, "variable": {"name": variable},
                                 "attributeValue": value}]}


def _set_status(_cmd, resp: dict) -> dict:
    r = resp["setVariableResult"][0]
    out = {"status": r["attributeStatus"]}
    if r.get("attributeStatusInfo"):
        out["status_info"] = r["attributeStatusInfo"]
    return out


def _network_profile(cmd: s.UpgradeSecurityProfile) -> tuple[str, dict]:
    data = {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppInterface": "Wired0", "messageTimeout": 30,
            **cmd.connection_data, "securityProfile": cmd.security_profile}
    if "ocppCsmsUrl" not in data:
        raise OcppError("OccurrenceConstraintViolation", "ocpp_csms_url is required for OCPP 2.0.1",
                        {"field": "ocpp_csms_url"})
    return "SetNetworkProfile", {"configurationSlot": cmd.configuration_slot, "connectionData": data}


def _network_profile_result(cmd: s.UpgradeSecurityProfile, resp: dict) -> dict:
    out: dict = {"status": resp["status"]}
    if resp["status"] == "Accepted":   # then make the new slot the first one tried
        out["next"] = [s.SetNetworkPriority(cmd.network_configuration_priority or str(cmd.configuration_slot))]
    return out


def _status(_cmd, resp: dict) -> dict:
    out = {"status": resp["status"]}
    if resp.get("statusInfo"):
        out["status_info"] = resp["statusInfo"]
    return out


def _installed(cmd: s.GetInstalledCertificateIds, resp: dict) -> dict:
    certificates = []
    for chain in resp.get("certificateHashDataChain", ()):
        certificates.append({"certificate_type": s.neutral_certificate_type(chain["certificateType"]),
                             **hash_data_out(chain["certificateHashData"])})
    return {**_status(cmd, resp), "certificates": certificates}


def _certificate_signed(cmd: s.CertificateSigned) -> tuple[str, dict]:
    payload = {"certificateChain": cmd.certificate_chain}
    if cmd.certificate_type:
        payload["certificateType"] = cmd.certificate_type
    return "CertificateSigned", payload


def _trigger(cmd: s.ExtendedTriggerMessage) -> tuple[str, dict]:
    message = {"SignChargePointCertificate": "SignChargingStationCertificate",
               "DiagnosticsStatusNotification": "LogStatusNotification"}.get(cmd.message, cmd.message)
    payload: dict = {"requestedMessage": message}
    if cmd.connector_id:
        payload["evse"] = {"id": cmd.connector_id}
    return "TriggerMessage", payload


ENCODERS = {
    s.SetBasicAuthPassword: (lambda cmd: ("SetVariables", _variable("SecurityCtrlr", "BasicAuthPassword",
                                                                    cmd.password)), _set_status),
    s.UpgradeSecurityProfile: (_network_profile, _network_profile_result),
    s.SetNetworkPriority: (lambda cmd: ("SetVariables", _variable("OCPPCommCtrlr", "NetworkConfigurationPriority",
                                                                  cmd.priority)), _set_status),
    s.CertificateSigned: (_certificate_signed, _status),
    s.InstallCertificate: (lambda cmd: ("InstallCertificate", {"certificateType": certificate_type(cmd.certificate_type),
                                                               "certificate": cmd.certificate}), _status),
    s.DeleteCertificate: (lambda cmd: ("DeleteCertificate", {"certificateHashData": {
        "hashAlgorithm": cmd.hash_data.hash_algorithm, "issuerNameHash": cmd.hash_data.issuer_name_hash,
        "issuerKeyHash": cmd.hash_data.issuer_key_hash, "serialNumber": cmd.hash_data.serial_number}}), _status),
    s.GetInstalledCertificateIds: (lambda cmd: ("GetInstalledCertificateIds", {
        "certificateType": [certificate_type(cmd.certificate_type)]}), _installed),
    s.ExtendedTriggerMessage: (_trigger, _status),
}
