"""ISO 15118 contract certificates over real sockets (OCPP 2.0.1 C07, M01, M02, M06): Authorize checks the
contract certificate's revocation with an RFC 6960 request to a real OCSP responder the test runs (good,
revoked, unknown, down), GetCertificateStatus hands the station the responder's DER answer, and
Get15118EVCertificate goes through a local contract-certificate pool emulator (issue 10 item 7)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from tests.support.contract_pool import ContractPoolEmulator, expected_exi
from tests.support.ocsp_responder import OcspResponder

V201_BOOT = {"chargingStation": {"vendorName": "Acme", "model": "X2"}, "reason": "PowerUp"}
NOW = dt.datetime.now(dt.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class ContractPki:
    """MO root -> MO sub-CA (the contract certificates' issuer, which also signs OCSP answers) -> contracts."""

    def __init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._ca("MO Root", self.root_key, self.root_key, "MO Root")
        self.sub_key = ec.generate_private_key(ec.SECP256R1())
        self.sub = self._ca("MO Sub-CA", self.sub_key, self.root_key, "MO Root")

    @staticmethod
    def _ca(cn, key, signer, issuer):
        return (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(issuer))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(signer, hashes.SHA256()))

    def contract(self, emaid: str, ocsp_url: str, expired: bool = False) -> x509.Certificate:
        start, end = (NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1)) if expired else \
            (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=10))
        return (x509.CertificateBuilder().subject_name(_name(emaid)).issuer_name(self.sub.subject)
                .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
                .sign(self.sub_key, hashes.SHA256()))

    def chain_pem(self, leaf: x509.Certificate) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in (leaf, self.sub))

    def hash_data(self, leaf: x509.Certificate, url: str) -> dict:
        request = ocsp.OCSPRequestBuilder().add_certificate(leaf, self.sub, hashes.SHA256()).build()
        return {"hashAlgorithm": "SHA256", "issuerNameHash": request.issuer_name_hash.hex(),
                "issuerKeyHash": request.issuer_key_hash.hex(), "serialNumber": format(leaf.serial_number, "x"),
                "responderURL": url}


@pytest.fixture
async def contracts():
    pki = ContractPki()
    responder = await OcspResponder(pki.sub, pki.sub_key).start()
    pool = await ContractPoolEmulator().start()
    pki.responder, pki.pool = responder, pool
    try:
        yield pki
    finally:
        await responder.stop()
        await pool.stop()


@pytest.fixture
async def csms15118(csms_with, contracts):
    return await csms_with(**{"ocpp.ocsp_timeout": "2", "ocpp.contract_pool_url": contracts.pool.url})


async def _station(csms, open_client):
    client = await open_client(csms, protocol="ocpp2.0.1", boot=False)
    assert (await client.result("BootNotification", V201_BOOT))["status"] == "Accepted"
    return client


def _authorize(emaid: str, **extra) -> dict:
    return {"idToken": {"idToken": emaid, "type": "eMAID"}, **extra}


async def test_C07_FR_04_authorize_checks_the_contract_with_ocsp_hash_data(csms15118, contracts, fresh_client):
    client = await _station(csms15118, fresh_client)
    for word, certificate_status, token_status in (("good", "Accepted", "Accepted"),
                                                   ("revoked", "CertificateRevoked", "Invalid"),
                                                   (None, "CertChainError", "Invalid")):       # unknown to the CA
        emaid = await csms15118.an_id_tag()
        leaf = contracts.contract(emaid, contracts.responder.url)
        if word:
            contracts.responder.statuses[leaf.serial_number] = word
        answer = await client.result("Authorize", _authorize(
            emaid, iso15118CertificateHashData=[contracts.hash_data(leaf, contracts.responder.url)]))
        assert (answer["certificateStatus"], answer["idTokenInfo"]["status"]) == (certificate_status, token_status)


async def test_C07_FR_05_authorize_with_the_contract_certificate_itself(csms15118, contracts, fresh_client):
    client = await _station(csms15118, fresh_client)
    emaid = await csms15118.an_id_tag()
    good = contracts.contract(emaid, contracts.responder.url)        # the OCSP URL comes from its AIA
    contracts.responder.statuses[good.serial_number] = "good"
    answer = await client.result("Authorize", _authorize(emaid, certificate=contracts.chain_pem(good)))
    assert (answer["certificateStatus"], answer["idTokenInfo"]["status"]) == ("Accepted", "Accepted")
    asked = contracts.responder.requests
    again = await client.result("Authorize", _authorize(emaid, certificate=contracts.chain_pem(good)))
    assert again["certificateStatus"] == "Accepted" and contracts.responder.requests == asked      # cached

    revoked = contracts.contract(emaid, contracts.responder.url)
    contracts.responder.statuses[revoked.serial_number] = "revoked"
    answer = await client.result("Authorize", _authorize(emaid, certificate=contracts.chain_pem(revoked)))
    assert (answer["certificateStatus"], answer["idTokenInfo"]["status"]) == ("CertificateRevoked", "Invalid")

    expired = contracts.contract(emaid, contracts.responder.url, expired=True)
    answer = await client.result("Authorize", _authorize(emaid, certificate=contracts.chain_pem(expired)))
    assert (answer["certificateStatus"], answer["idTokenInfo"]["status"]) == ("CertificateExpired", "Invalid")

    stranger = ContractPki().contract(emaid, contracts.responder.url)   # not issued by the sub-CA it comes with
    answer = await client.result("Authorize", _authorize(
        emaid, certificate=stranger.public_bytes(serialization.Encoding.PEM).decode()
        + contracts.sub.public_bytes(serialization.Encoding.PEM).decode()))
    assert answer["certificateStatus"] in ("SignatureError", "CertChainError")
    assert answer["idTokenInfo"]["status"] == "Invalid"


@pytest.mark.parametrize("policy,certificate_status,token_status", [
    (None, "CertChainError", "Invalid"), ("accept", "Accepted", "Accepted")])
async def test_C07_FR_16_an_unreachable_responder_follows_the_policy(csms_with, contracts, fresh_client, policy,
                                                                     certificate_status, token_status):
    flags = {"ocpp.ocsp_timeout": "2"} | ({"ocpp.ocsp_unreachable": policy} if policy else {})
    csms = await csms_with(**flags)
    client = await _station(csms, fresh_client)
    emaid = await csms.an_id_tag()
    leaf = contracts.contract(emaid, contracts.responder.url)
    contracts.responder.statuses[leaf.serial_number] = "good"
    contracts.responder.down = True
    answer = await client.result("Authorize", _authorize(emaid, certificate=contracts.chain_pem(leaf)))
    assert (answer["certificateStatus"], answer["idTokenInfo"]["status"]) == (certificate_status, token_status)


async def test_M06_FR_01_get_certificate_status_answers_the_responders_der(csms15118, contracts, fresh_client):
    client = await _station(csms15118, fresh_client)
    leaf = contracts.contract("EMAID-M06", contracts.responder.url)
    contracts.responder.statuses[leaf.serial_number] = "revoked"
    answer = await client.result("GetCertificateStatus",
                                 {"ocspRequestData": contracts.hash_data(leaf, contracts.responder.url)})
    assert answer["status"] == "Accepted"
    response = ocsp.load_der_ocsp_response(base64.b64decode(answer["ocspResult"]))
    assert response.serial_number == leaf.serial_number
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED     # still Accepted: the station reads it

    contracts.responder.down = True                                         # M06.FR.02: Failed only then
    answer = await client.result("GetCertificateStatus",
                                 {"ocspRequestData": contracts.hash_data(leaf, contracts.responder.url)})
    assert answer["status"] == "Failed" and answer["statusInfo"]["reasonCode"] == "OCSPUnavailable"


@pytest.mark.parametrize("action", ["Install", "Update"])
async def test_M01_M02_get_15118_ev_certificate_goes_through_the_pool(csms15118, contracts, fresh_client, action):
    client = await _station(csms15118, fresh_client)
    exi = base64.b64encode(b"\x80\x98\x02\x10 CertificateInstallationReq").decode()
    request = {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": action, "exiRequest": exi}
    answer = await client.result("Get15118EVCertificate", request)
    assert answer == {"status": "Accepted", "exiResponse": expected_exi(action, exi)}
    assert contracts.pool.requests[-1] == {"charging_station_id": client.cp_id, "action": action,
                                           "iso15118_schema_version": "urn:iso:15118:2:2013:MsgDef",
                                           "exi_request": exi}
    contracts.pool.fail = True
    answer = await client.result("Get15118EVCertificate", request)
    assert (answer["status"], answer["exiResponse"]) == ("Failed", "")
    assert answer["statusInfo"]["reasonCode"] == "PoolUnavailable"
