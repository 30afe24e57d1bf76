"""OCPP 2.0.1 ISO 15118 certificate messages (M01, M02, M06): GetCertificateStatus and
Get15118EVCertificate (Authorize with a contract certificate, C07, is in handlers.py). Pure translation
onto the neutral services (csms.services.ocsp, csms.services.contract_certificates)."""

from __future__ import annotations

import base64

from csms.ocpp.routing import CallContext
from csms.services.contract_certificates import ContractCertificatePool, PoolUnavailable
from csms.services.ocsp import CertificateId, OcspClient, OcspUnavailable

MAX_OCSP_RESULT = 5500          # ocspResult maxLength


def certificate_id(d: dict) -> CertificateId:
    """An OCSPRequestDataType as the neutral certificate id."""
    return CertificateId(d["hashAlgorithm"], d["issuerNameHash"], d["issuerKeyHash"], d["serialNumber"],
                         d.get("responderURL"))


def _failed(code: str, why: str) -> dict:
    return {"reasonCode": code, "additionalInfo": why[:512]}


class V201Iso15118Handlers:
    def __init__(self, ocsp: OcspClient, pool: ContractCertificatePool):
        self.ocsp = ocsp
        self.pool = pool

    async def get_certificate_status(self, ctx: CallContext, req: dict) -> dict:
        cid = certificate_id(req["ocspRequestData"])
        if not cid.responder_url:
            return {"status": "Failed", "statusInfo": _failed("NoOCSPResponder", "ocspRequestData has no responderURL")}
        try:
            der = await self.ocsp.fetch(cid)
        except OcspUnavailable as exc:
            return {"status": "Failed", "statusInfo": _failed("OCSPUnavailable", str(exc))}
        result = base64.b64encode(der).decode()
        if len(result) > MAX_OCSP_RESULT:
            return {"status": "Failed", "statusInfo": _failed("ResponseTooLarge", f"{len(result)} characters")}
        return {"status": "Accepted", "ocspResult": result}

    async def get_15118_ev_certificate(self, ctx: CallContext, req: dict) -> dict:
        try:
            answer = await self.pool.request(ctx.cp_id, req["iso15118SchemaVersion"], req["action"],
                                             req["exiRequest"])
        except PoolUnavailable as exc:
            code = "PoolUnavailable" if exc.configured else "NoCertificatePool"
            return {"status": "Failed", "exiResponse": "", "statusInfo": _failed(code, str(exc))}
        return {"status": answer.status, "exiResponse": answer.exi_response}
