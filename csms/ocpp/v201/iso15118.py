"""OCPP 2.0.1 ISO 15118 certificate messages (C07, M01, M02, M06): Authorize with a contract certificate
or its OCSP data, GetCertificateStatus, Get15118EVCertificate. Pure translation onto the neutral
services (csms.services.ocsp, csms.services.contract_certificates)."""

from __future__ import annotations

import base64

from csms.ocpp.dispatcher import CallContext, Handler
from csms.ocpp.v201 import mapping
from csms.services.contract_certificates import ContractCertificatePool, PoolUnavailable
from csms.services.ocsp import CertificateId, ContractValidation, OcspClient, OcspUnavailable

MAX_OCSP_RESULT = 5500          # ocspResult maxLength


def certificate_id(d: dict) -> CertificateId:
    return CertificateId(d["hashAlgorithm"], d["issuerNameHash"], d["issuerKeyHash"], d["serialNumber"],
                         d.get("responderURL"))


def _failed(code: str, why: str) -> dict:
    return {"reasonCode": code, "additionalInfo": why[:512]}


def handlers(sessions, contracts: ContractValidation, ocsp: OcspClient, pool: ContractCertificatePool
             ) -> dict[str, Handler]:
    async def authorize(ctx: CallContext, req: dict) -> dict:
        info = await sessions.authorize(ctx.cp_id, req["idToken"]["idToken"])
        hash_data = req.get("iso15118CertificateHashData")
        if "certificate" not in req and not hash_data:
            return {"idTokenInfo": mapping.id_token_info(info)}
        info, status = await contracts.authorize(info, req.get("certificate"),
                                                 [certificate_id(d) for d in hash_data or ()])
        return {"idTokenInfo": mapping.id_token_info(info), "certificateStatus": status}

    async def get_certificate_status(ctx: CallContext, req: dict) -> dict:
        cid = certificate_id(req["ocspRequestData"])
        if not cid.responder_url:
            return {"status": "Failed", "statusInfo": _failed("NoOCSPResponder", "ocspRequestData has no responderURL")}
        try:
            der = await ocsp.fetch(cid)
        except OcspUnavailable as exc:
            return {"status": "Failed", "statusInfo": _failed("OCSPUnavailable", str(exc))}
        result = base64.b64encode(der).decode()
        if len(result) > MAX_OCSP_RESULT:
            return {"status": "Failed", "statusInfo": _failed("ResponseTooLarge", f"{len(result)} characters")}
        return {"status": "Accepted", "ocspResult": result}

    async def get_15118_ev_certificate(ctx: CallContext, req: dict) -> dict:
        try:
            answer = await pool.request(ctx.cp_id, req["iso15118SchemaVersion"], req["action"], req["exiRequest"])
        except PoolUnavailable as exc:
            code = "PoolUnavailable" if exc.configured else "NoCertificatePool"
            return {"status": "Failed", "exiResponse": "", "statusInfo": _failed(code, str(exc))}
        return {"status": answer.status, "exiResponse": answer.exi_response}

    return {"Authorize": authorize, "GetCertificateStatus": get_certificate_status,
            "Get15118EVCertificate": get_15118_ev_certificate}
