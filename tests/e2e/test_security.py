"""Security over real sockets, OCPP 1.6 security extension (whitepaper test cases TC_073..TC_077)
and OCPP 2.0.1 blocks A and M (TC_A_*, TC_M_*): security events and alarms, password rotation,
security profile upgrade, CSR signing, certificate install / delete / list, trigger messages."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.exceptions import InvalidStatus

from tests.e2e.helpers import a_time, answer, eventually
from tests.support.ocpp_client import RawClient


async def stored_password_is(csms, cp, password: str) -> bool:
    """The stored hash (keyed with this server's pepper: csms/services/station_passwords.py) is of ``password``."""
    return (await csms.container.chargers.passwords.verify(cp.id, cp.password_hash, password)).ok

V201_BOOT = {"chargingStation": {"vendorName": "Acme", "model": "X2"}, "reason": "PowerUp"}


def cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def client_of(open_client, csms, version: str) -> RawClient:
    if version == "ocpp1.6":
        return await open_client(csms)
    client = await open_client(csms, protocol="ocpp2.0.1", boot=False)
    assert (await client.result("BootNotification", V201_BOOT))["status"] == "Accepted"
    return client


def a_csr(cn: str, key=None) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])).sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def a_root_certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


HASH = {"hash_algorithm": "SHA256", "issuer_name_hash": "a" * 64, "issuer_key_hash": "b" * 64, "serial_number": "1f"}
OCPP_HASH = {"hashAlgorithm": "SHA256", "issuerNameHash": "a" * 64, "issuerKeyHash": "b" * 64, "serialNumber": "1f"}
BOTH = pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])


# -- security events and alarms ------------------------------------------------------------------------
async def _events_and_alarms(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    cp = client.cp_id
    assert await client.result("SecurityEventNotification", {"type": "FirmwareUpdated", "timestamp": a_time(1)}) == {}
    bad = {"type": "InvalidFirmwareSignature", "timestamp": a_time(2), "techInfo": "sig mismatch"}
    assert await client.result("SecurityEventNotification", bad) == {}
    assert await client.result("SecurityEventNotification", bad) == {}      # a retry: stored once
    status, events = await csms.get(f"/api/v1/admin/charge-points/{cp}/security-events")
    assert status == 200
    assert [(e["type"], e["tech_info"]) for e in events] == [("InvalidFirmwareSignature", "sig mismatch"),
                                                             ("FirmwareUpdated", None)]
    status, alarms = await csms.get(f"/api/v1/admin/alarms?charge_point_id={cp}")
    assert status == 200 and len(alarms) == 1          # FirmwareUpdated is not critical; the retry raised nothing
    alarm = alarms[0]
    assert (alarm["type"], alarm["status"], alarm["kind"], alarm["severity"], alarm["count"]) == (
        "InvalidFirmwareSignature", "Raised", "security_event", "critical", 1)
    status, acked = await csms.post(f"/api/v1/admin/alarms/{alarm['id']}/acknowledge")
    assert status == 200 and acked["status"] == "Acknowledged" and acked["acknowledged_at"]
    assert (acked["acknowledged_by"], acked["work_order"]["status"]) == ("admin", "open")
    status, cleared = await csms.post(f"/api/v1/admin/alarms/{alarm['id']}/clear")     # the former name of resolve
    assert status == 200 and cleared["status"] == "Resolved" and cleared["work_order"]["status"] == "resolved"
    status, body = await csms.post(f"/api/v1/admin/alarms/{alarm['id']}/acknowledge")
    assert status == 409 and body["error"]["code"] == "conflict"
    status, _ = await csms.post("/api/v1/admin/alarms/999999/clear")
    assert status == 404
    status, listed = await csms.get(f"/api/v1/admin/alarms?charge_point_id={cp}&status=Resolved")
    assert [a["id"] for a in listed] == [alarm["id"]]


async def test_TC_077_invalid_certificate_security_event_raises_an_alarm(csms, open_client):
    await _events_and_alarms(csms, open_client, "ocpp1.6")


async def test_TC_A_01_security_event_notification_stored_and_alarmed(csms, open_client):
    await _events_and_alarms(csms, open_client, "ocpp2.0.1")


# -- password rotation ---------------------------------------------------------------------------------
async def test_TC_073_update_charge_point_password(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "rotate-password"), {}),
                                       {"status": "Accepted"})
    assert frame[2] == "ChangeConfiguration" and frame[3]["key"] == "AuthorizationKey"
    password = frame[3]["value"]
    assert len(password) == 32 and (status, body) == (200, {"status": "Accepted", "password": password})
    cp = await csms.container.repos.charge_points.get(client.cp_id)
    assert await stored_password_is(csms, cp, password)
    # the charge point reconnects with its new password; without it (its old credentials) it is refused
    with pytest.raises(InvalidStatus) as refused:
        await RawClient.open(csms.ocpp_url, client.cp_id)
    assert refused.value.response.status_code == 401
    new = await RawClient.open(csms.ocpp_url, client.cp_id, password=password)
    assert (await new.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X1"}))[
        "status"] == "Accepted"
    await new.close()


async def test_TC_073_rejected_password_change_keeps_the_old_one(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "rotate-password"),
                                                         {"password": "S3cure-but-refused!"}), {"status": "Rejected"})
    assert frame[3] == {"key": "AuthorizationKey", "value": "S3cure-but-refused!"}
    assert (status, body) == (200, {"status": "Rejected", "password": None})
    assert (await csms.container.repos.charge_points.get(client.cp_id)).password_hash is None


async def test_TC_A_09_update_charging_station_password(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    reply = {"setVariableResult": [{"attributeStatus": "Accepted", "component": {"name": "SecurityCtrlr"},
                                    "variable": {"name": "BasicAuthPassword"}}]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "rotate-password"),
                                                         {"password": "0123456789abcdefXYZ"}), reply)
    assert frame[2:] == ["SetVariables", {"setVariableData": [{
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"},
        "attributeValue": "0123456789abcdefXYZ"}]}]
    assert (status, body) == (200, {"status": "Accepted", "password": "0123456789abcdefXYZ"})
    cp = await csms.container.repos.charge_points.get(client.cp_id)
    assert await stored_password_is(csms, cp, "0123456789abcdefXYZ")


async def test_rotate_password_offline_is_409_and_short_password_400(csms):
    cp = await csms.a_charge_point()
    status, body = await csms.post(cmd(cp["id"], "rotate-password"), {})
    assert status == 409
    status, body = await csms.post(cmd(cp["id"], "rotate-password"), {"password": "short"})
    assert status == 400 and body["error"]["code"] == "validation_error"


# -- security profile ----------------------------------------------------------------------------------
async def test_TC_upgrade_security_profile_16(csms, open_client):
    client = await open_client(csms)
    status, body = await csms.post(cmd(client.cp_id, "upgrade-security-profile"), {"security_profile": 1})
    assert status == 400 and body["error"]["code"] == "profile_refused"     # profile 1 needs a password
    await answer(client, csms.post(cmd(client.cp_id, "rotate-password"), {}), {"status": "Accepted"})
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "upgrade-security-profile"),
                                                         {"security_profile": 2}), {"status": "Accepted"})
    assert frame[2:] == ["ChangeConfiguration", {"key": "SecurityProfile", "value": "2"}]
    assert status == 200 and body["status"] == "Accepted" and body["security_profile"] == 2
    assert (await csms.container.repos.charge_points.get(client.cp_id)).security_profile == 2


async def test_TC_B_09_upgrade_security_profile_201(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"password": "p" * 20})
    request = csms.post(cmd(client.cp_id, "upgrade-security-profile"),
                        {"security_profile": 2, "configuration_slot": 2, "ocpp_csms_url": "wss://csms.example/ocpp"})
    task = asyncio.ensure_future(request)
    first = await client.next_call()
    assert first[2] == "SetNetworkProfile"
    assert first[3] == {"configurationSlot": 2, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppInterface": "Wired0", "messageTimeout": 30,
        "ocppCsmsUrl": "wss://csms.example/ocpp", "securityProfile": 2}}
    await client.reply(first, {"status": "Accepted"})
    second = await client.next_call()
    assert second[2:] == ["SetVariables", {"setVariableData": [{
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": "2"}]}]
    await client.reply(second, {"setVariableResult": [{"attributeStatus": "Accepted",
                                                       "component": {"name": "OCPPCommCtrlr"},
                                                       "variable": {"name": "NetworkConfigurationPriority"}}]})
    status, body = await task
    assert status == 200 and body["status"] == "Accepted" and len(body["steps"]) == 2
    assert (await csms.container.repos.charge_points.get(client.cp_id)).security_profile == 2


# -- certificate signing -------------------------------------------------------------------------------
async def _sign(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    frame = await client.call("SignCertificate", {"csr": a_csr("someone-else")})
    assert frame[2]["status"] == "Rejected"          # the CN is not this charge point's id
    if version == "ocpp2.0.1":
        assert frame[2]["statusInfo"]["reasonCode"] == "InvalidCSR"
    assert (await client.result("SignCertificate", {"csr": "not a csr"}))["status"] == "Rejected"
    key = ec.generate_private_key(ec.SECP256R1())
    assert await client.result("SignCertificate", {"csr": a_csr(client.cp_id, key)}) == {"status": "Accepted"}
    signed = await client.next_call()
    assert signed[2] == "CertificateSigned"
    chain = signed[3]["certificateChain"]
    if version == "ocpp2.0.1":
        assert signed[3]["certificateType"] == "ChargingStationCertificate"
    await client.reply(signed, {"status": "Accepted"})
    certs = x509.load_pem_x509_certificates(chain.encode())
    leaf, ca = certs
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == client.cp_id
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    leaf.verify_directly_issued_by(ca)
    status, listed = await eventually(lambda: _certs(csms, client.cp_id), what="certificate stored")
    assert listed[0]["serial"] == format(leaf.serial_number, "x")
    assert listed[0]["not_after"].startswith(str(leaf.not_valid_after_utc.year))


async def _certs(csms, cp_id):
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/certificates")
    return (status, body) if body else None


async def test_TC_074_certificate_signing(csms, open_client):
    await _sign(csms, open_client, "ocpp1.6")


async def test_TC_A_02_sign_charging_station_certificate(csms, open_client):
    await _sign(csms, open_client, "ocpp2.0.1")


# -- install / delete / list ---------------------------------------------------------------------------
@BOTH
async def test_TC_075_TC_M_01_install_certificate(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    pem = a_root_certificate()
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "install-certificate"),
                                                         {"certificate_type": "csms_root", "certificate": pem}),
                                       {"status": "Accepted"})
    kind = "CentralSystemRootCertificate" if version == "ocpp1.6" else "CSMSRootCertificate"
    assert frame[2:] == ["InstallCertificate", {"certificateType": kind, "certificate": pem}]
    assert (status, body) == (200, {"status": "Accepted"})


async def test_install_v2g_root_on_16_is_400(csms, open_client):
    client = await open_client(csms)
    status, body = await csms.post(cmd(client.cp_id, "install-certificate"),
                                   {"certificate_type": "v2g_root", "certificate": "x"})
    assert status == 400 and body["error"]["code"] == "invalid_payload"


@BOTH
async def test_TC_076_TC_M_04_delete_certificate(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "delete-certificate"),
                                                         {"certificate_hash_data": HASH}), {"status": "NotFound"})
    assert frame[2:] == ["DeleteCertificate", {"certificateHashData": OCPP_HASH}]
    assert (status, body) == (200, {"status": "NotFound"})


@BOTH
async def test_TC_M_03_get_installed_certificate_ids(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    if version == "ocpp1.6":
        reply = {"status": "Accepted", "certificateHashData": [OCPP_HASH]}
        expected = {"certificateType": "ManufacturerRootCertificate"}
    else:
        reply = {"status": "Accepted", "certificateHashDataChain": [
            {"certificateType": "ManufacturerRootCertificate", "certificateHashData": OCPP_HASH}]}
        expected = {"certificateType": ["ManufacturerRootCertificate"]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "get-installed-certificate-ids"),
                                                         {"certificate_type": "manufacturer_root"}), reply)
    assert frame[2:] == ["GetInstalledCertificateIds", expected]
    assert (status, body) == (200, {"status": "Accepted",
                                    "certificates": [{"certificate_type": "manufacturer_root", **HASH}]})


@BOTH
async def test_extended_trigger_message_sign_certificate(csms, open_client, version):
    client = await client_of(open_client, csms, version)
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "extended-trigger-message"),
                                                         {"message": "SignChargePointCertificate"}),
                                       {"status": "Accepted"})
    if version == "ocpp1.6":
        assert frame[2:] == ["ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}]
    else:
        assert frame[2:] == ["TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}]
    assert (status, body) == (200, {"status": "Accepted"})


async def test_TC_M_get_certificate_status_and_15118_certificate_fail_without_responder_or_pool(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    ocsp = {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "1",
            "responderURL": "http://127.0.0.1:9/"}          # nothing listens there
    answer_ = await client.result("GetCertificateStatus", {"ocspRequestData": ocsp})
    assert answer_["status"] == "Failed" and answer_["statusInfo"]["reasonCode"] == "OCSPUnavailable"
    ocsp["responderURL"] = ""
    answer_ = await client.result("GetCertificateStatus", {"ocspRequestData": ocsp})
    assert answer_["status"] == "Failed" and answer_["statusInfo"]["reasonCode"] == "NoOCSPResponder"
    answer_ = await client.result("Get15118EVCertificate", {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                                                            "action": "Install", "exiRequest": "AAAA"})
    assert answer_["status"] == "Failed" and answer_["exiResponse"] == ""
    assert answer_["statusInfo"]["reasonCode"] == "NoCertificatePool"


async def test_TC_B_09_rejected_network_profile_changes_nothing(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"password": "p" * 20})
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "upgrade-security-profile"), {
        "security_profile": 2, "ocpp_csms_url": "wss://csms.example/ocpp"}), {"status": "Rejected"})
    assert frame[2] == "SetNetworkProfile" and (status, body["status"]) == (200, "Rejected")
    assert len(body["steps"]) == 1       # no priority change after a refusal
    assert (await csms.container.repos.charge_points.get(client.cp_id)).security_profile == 0
    status, body = await csms.post(cmd(client.cp_id, "upgrade-security-profile"), {"security_profile": 2})
    assert status == 400 and body["error"]["code"] == "invalid_payload"      # 2.0.1 needs the CSMS URL


# -- every path that changes the password keeps the CSMS in step (issue 10 item 4) ---------------------------
_PW = "N3w-password-0123456"
_201_ACCEPTED = {"setVariableResult": [{"attributeStatus": "Accepted", "component": {"name": "SecurityCtrlr"},
                                        "variable": {"name": "BasicAuthPassword"}}]}
PASSWORD_PATHS = {
    "16-calls-ChangeConfiguration": ("ocpp1.6", "calls/ChangeConfiguration",
                                     {"key": "AuthorizationKey", "value": _PW}, {"status": "Accepted"}),
    "16-change-configuration": ("ocpp1.6", "commands/change-configuration",
                                {"key": "AuthorizationKey", "value": _PW}, {"status": "Accepted"}),
    "201-calls-SetVariables": ("ocpp2.0.1", "calls/SetVariables", {"setVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeValue": "60"},
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}, "attributeValue": _PW}]},
        {"setVariableResult": [  # answered in another order than asked
            _201_ACCEPTED["setVariableResult"][0],
            {"attributeStatus": "Accepted", "component": {"name": "OCPPCommCtrlr"},
             "variable": {"name": "HeartbeatInterval"}}]}),
    "201-set-variables": ("ocpp2.0.1", "commands/set-variables", {"variables": [
        {"component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": _PW}]}, _201_ACCEPTED),
    "201-change-configuration": ("ocpp2.0.1", "commands/change-configuration",
                                 {"key": "AuthorizationKey", "value": _PW}, _201_ACCEPTED),
}


@pytest.mark.parametrize("path", list(PASSWORD_PATHS))
async def test_A01_every_path_that_changes_the_password_stores_it_once_accepted(csms, open_client, path):
    version, endpoint, body, reply = PASSWORD_PATHS[path]
    client = await client_of(open_client, csms, version)
    # refused by the charge point: nothing changes
    refused = ({"status": "Rejected"} if version == "ocpp1.6" else
               {"setVariableResult": [{**r, "attributeStatus": "Rejected"} for r in reply["setVariableResult"]]})
    _, status, _ = await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/{endpoint}", body),
                                refused)
    assert status == 200 and (await csms.container.repos.charge_points.get(client.cp_id)).password_hash is None
    # accepted: stored, and the charge point's next connection with it is let in, the old one is not
    _, status, _ = await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/{endpoint}", body),
                                reply)
    assert status == 200
    cp = await csms.container.repos.charge_points.get(client.cp_id)
    assert cp.password_hash and await stored_password_is(csms, cp, _PW)
    with pytest.raises(InvalidStatus) as locked:
        await RawClient.open(csms.ocpp_url, client.cp_id, protocol=version)
    assert locked.value.response.status_code == 401
    again = await RawClient.open(csms.ocpp_url, client.cp_id, protocol=version, password=_PW)
    await again.close()
