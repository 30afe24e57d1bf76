"""OCPP 1.6 security extension (whitepaper): inbound SecurityEventNotification and SignCertificate,
and the encoders of the neutral security commands. Pure translation onto the neutral services."""

from __future__ import annotations

from csms.domain import security as s
from csms.ocpp.errors import OcppError
from csms.ocpp.routing import CallContext
from csms.ocpp.frames import parse_time
from csms.services.security import SecurityEventService
from csms.services.security_certificates import CertificateService


class V16SecurityHandlers:
    def __init__(self, events: SecurityEventService, certificates: CertificateService):
        self.events = events
        self.certificates = certificates

    async def security_event_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.events.record(ctx.cp_id, req["type"], parse_time(req["timestamp"]), req.get("techInfo"))
        return {}

    async def sign_certificate(self, ctx: CallContext, req: dict) -> dict:
        accepted, _why = await self.certificates.accept_csr(ctx.cp_id, req["csr"])
        if accepted:
            ctx.then(lambda: self.certificates.issue(ctx.cp_id, req["csr"], None))
        return {"status": "Accepted" if accepted else "Rejected"}


def certificate_type(neutral: str) -> str:
    name = s.CERTIFICATE_TYPES.get(neutral, (None, None))[0]
    if name is None:
        raise OcppError("PropertyConstraintViolation", f"certificate type {neutral} does not exist in OCPP 1.6",
                        {"field": "certificate_type"})
    return name


def _hash_data(h: s.CertificateHashData) -> dict:
    return {"hashAlgorithm": h.hash_algorithm, "issuerNameHash": h.issuer_name_hash,
            "issuerKeyHash": h.issuer_key_hash, "serialNumber": h.serial_number}


def hash_data_out(d: dict) -> dict:
    return {"hash_algorithm": d["hashAlgorithm"], "issuer_name_hash": d["issuerNameHash"],
            "issuer_key_hash": d["issuerKeyHash"], "serial_number": d["serialNumber"]}


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


def _installed(cmd: s.GetInstalledCertificateIds, resp: dict) -> dict:
    return {"status": resp["status"],
            "certificates": [{"certificate_type": cmd.certificate_type, **hash_data_out(h)}
                             for h in resp.get("certificateHashData", ())]}


def _trigger(cmd: s.ExtendedTriggerMessage) -> tuple[str, dict]:
    payload: dict = {"requestedMessage": cmd.message}
    if cmd.connector_id is not None:
        payload["connectorId"] = cmd.connector_id
    return "ExtendedTriggerMessage", payload


ENCODERS = {
    s.SetBasicAuthPassword: (lambda cmd: ("ChangeConfiguration", {"key": "AuthorizationKey", "value": cmd.password}),
                             _status),
    s.UpgradeSecurityProfile: (lambda cmd: ("ChangeConfiguration", {"key": "SecurityProfile",
                                                                    "value": str(cmd.security_profile)}), _status),
    s.CertificateSigned: (lambda cmd: ("CertificateSigned", {"certificateChain": cmd.certificate_chain}), _status),
    s.InstallCertificate: (lambda cmd: ("InstallCertificate", {"certificateType": certificate_type(cmd.certificate_type),
                                                               "certificate": cmd.certificate}), _status),
    s.DeleteCertificate: (lambda cmd: ("DeleteCertificate", {"certificateHashData": _hash_data(cmd.hash_data)}),
                          _status),
    s.GetInstalledCertificateIds: (lambda cmd: ("GetInstalledCertificateIds", {
        "certificateType": certificate_type(cmd.certificate_type)}), _installed),
    s.ExtendedTriggerMessage: (_trigger, _status),
}
