"""The CSMS's security, certificate, monitoring, customer-information, network-profile and cost commands
against the bundled simulator over real sockets (OCPP 1.6 security extension TC_073..TC_077; OCPP 2.0.1
blocks A, B, I, M, N). The station keeps real state: what it installed, holds and reports must match
what the CSMS asked and stored."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.e2e.helpers import eventually, new_id

VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}
ROOT_NAMES = {"ocpp1.6": "CentralSystemRootCertificate", "ocpp2.0.1": "CSMSRootCertificate"}


async def _connect(cp):
    cp.feature_step_delay = 0.01
    await cp.connect()
    return cp


@pytest.fixture(params=list(VERSIONS))
async def station(request, csms):
    cp_id = new_id(f"SEC{request.param[-3:].replace('.', '')}")
    await csms.a_charge_point(cp_id)
    cp = await _connect(VERSIONS[request.param](url=csms.ocpp_url, cp_id=cp_id, connectors=2))
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


@pytest.fixture
async def station201(csms):
    cp_id = new_id("SEC201")
    await csms.a_charge_point(cp_id)
    cp = await _connect(ChargePoint201(url=csms.ocpp_url, cp_id=cp_id, connectors=2))
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


def cmd(station, name: str) -> str:
    return f"/api/v1/admin/charge-points/{station.cp_id}/commands/{name}"


def a_root(cn: str, days: int = 30) -> tuple[str, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=1), now + timedelta(days=days)) if days > 0 else \
        (now - timedelta(days=10), now - timedelta(days=1))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode(), cert


def expected_hash(cert: x509.Certificate, issuer_key=None) -> dict:
    """CertificateHashData the way the specs define it, computed here independently of the simulator:
    the issuer's EC key as the uncompressed point (the BIT STRING value of its subjectPublicKey)."""
    key = issuer_key or cert.public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"hash_algorithm": "SHA256", "issuer_name_hash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
            "issuer_key_hash": hashlib.sha256(point).hexdigest(), "serial_number": format(cert.serial_number, "x")}


# -- certificates (1.6 TC_075/TC_076, 2.0.1 M01/M03/M04) ------------------------------------------------
async def test_TC_075_TC_076_TC_M_install_list_and_delete_root_certificates(csms, station):
    version = station.subprotocol
    root_pem, root = a_root("CSMS Root")
    maker_pem, _maker = a_root("Maker Root")
    for kind, pem in (("csms_root", root_pem), ("manufacturer_root", maker_pem), ("csms_root", root_pem)):
        status, body = await csms.post(cmd(station, "install-certificate"), {"certificate_type": kind, "certificate": pem})
        assert (status, body) == (200, {"status": "Accepted"})
    assert len(station.certificates) == 2            # the same root twice is installed once
    assert [e.certificate for e in station.certificates.entries([ROOT_NAMES[version]])] == [root]

    status, listed = await csms.post(cmd(station, "get-installed-certificate-ids"), {"certificate_type": "csms_root"})
    assert (status, listed) == (200, {"status": "Accepted",
                                      "certificates": [{"certificate_type": "csms_root", **expected_hash(root)}]})

    status, deleted = await csms.post(cmd(station, "delete-certificate"),
                                      {"certificate_hash_data": expected_hash(root)})
    assert (status, deleted) == (200, {"status": "Accepted"})
    assert station.certificates.entries([ROOT_NAMES[version]]) == [] and len(station.certificates) == 1
    status, listed = await csms.post(cmd(station, "get-installed-certificate-ids"), {"certificate_type": "csms_root"})
    assert (status, listed) == (200, {"status": "NotFound", "certificates": []})
    status, deleted = await csms.post(cmd(station, "delete-certificate"),
                                      {"certificate_hash_data": expected_hash(root)})
    assert (status, deleted) == (200, {"status": "NotFound"})

    expired_pem, _ = a_root("Old Root", days=0)
    broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    for pem in (expired_pem, broken):
        status, body = await csms.post(cmd(station, "install-certificate"),
                                       {"certificate_type": "csms_root", "certificate": pem})
        assert (status, body) == (200, {"status": "Rejected"})
    assert len(station.certificates) == 1


async def test_TC_074_TC_A_02_triggered_csr_is_signed_by_the_csms_and_installed(csms, station):
    status, body = await csms.post(cmd(station, "extended-trigger-message"), {"message": "SignChargePointCertificate"})
    assert (status, body) == (200, {"status": "Accepted"})
    own = await station.wait_for(lambda cp: cp.own_certificate(), timeout=5)
    leaf, ca = own.chain
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == station.cp_id
    key = serialization.load_pem_private_key(station.charge_point_key.encode(), None)
    assert key.public_key().public_numbers() == leaf.public_key().public_numbers()
    leaf.verify_directly_issued_by(ca)

    async def issued():
        _, page = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/certificates")
        return page
    stored = await eventually(issued, what="the issued certificate stored")
    kind = "ChargePointCertificate" if station.subprotocol == "ocpp1.6" else "ChargingStationCertificate"
    assert [(c["serial"], c["certificate_type"]) for c in stored] == [(format(leaf.serial_number, "x"), kind)]
    # the station's own certificate is not a root: not listed, and it cannot be deleted remotely
    status, listed = await csms.post(cmd(station, "get-installed-certificate-ids"), {"certificate_type": "csms_root"})
    assert listed["status"] == "NotFound"
    status, deleted = await csms.post(cmd(station, "delete-certificate"),
                                      {"certificate_hash_data": expected_hash(leaf, ca.public_key())})
    assert (status, deleted) == (200, {"status": "Failed"})
    assert station.own_certificate() is own


async def test_TC_077_a_certificate_nobody_asked_for_is_rejected_and_raises_an_alarm(csms, station):
    pem, _ = a_root(station.cp_id)
    status, body = await csms.post(f"/api/v1/admin/charge-points/{station.cp_id}/calls/CertificateSigned",
                                   {"certificateChain": pem})
    assert (status, body) == (200, {"response": {"status": "Rejected"}})
    assert station.own_certificate() is None
    event = station.invalid_own_certificate_event

    async def alarmed():
        _, alarms = await csms.get(f"/api/v1/admin/alarms?charge_point_id={station.cp_id}")
        return [a["type"] for a in alarms]
    assert await eventually(alarmed, what="the alarm") == [event]


# -- 1.6 security keys (TC_073, security profile) -----------------------------------------------------
async def test_TC_073_rotated_password_and_raised_profile_on_the_16_station(csms):
    cp_id = new_id("SEC16")
    await csms.a_charge_point(cp_id)
    station = await _connect(ChargePoint16(url=csms.ocpp_url, cp_id=cp_id, connectors=1))
    try:
        assert station.config.get("SecurityProfile") == "0"
        status, body = await csms.post(cmd(station, "rotate-password"), {})
        assert status == 200 and body["status"] == "Accepted" and station.password == body["password"]
        shown = (await station.on_GetConfiguration({"key": ["AuthorizationKey"]}))["configurationKey"]
        assert shown == [{"key": "AuthorizationKey", "readonly": False}]        # write-only
        await station.disconnect()
        await station.reconnect()                                             # with the new password
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {"security_profile": 1})
        assert (status, body["status"]) == (200, "Accepted") and station.config.get("SecurityProfile") == "1"
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {"security_profile": 2})
        assert (status, body["status"]) == (200, "Rejected")                 # no CentralSystemRootCertificate yet
        assert (await csms.container.repos.charge_points.get(cp_id)).security_profile == 1
        pem, _ = a_root("CSMS Root")
        await csms.post(cmd(station, "install-certificate"), {"certificate_type": "csms_root", "certificate": pem})
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {"security_profile": 2})
        assert (status, body["status"]) == (200, "Accepted") and station.config.get("SecurityProfile") == "2"
        assert (await csms.container.repos.charge_points.get(cp_id)).security_profile == 2
    finally:
        await station.close()
    assert station.protocol_errors == []


# -- 2.0.1 network profiles (B09, A05) --------------------------------------------------------------
async def test_TC_B_09_network_profiles_and_their_priority_on_the_201_station(csms):
    cp_id, password = new_id("NET201"), "s3cret-password-0001"
    await csms.a_charge_point(cp_id, password=password)
    station = await _connect(ChargePoint201(url=csms.ocpp_url, cp_id=cp_id, connectors=1, password=password,
                                            reboot_delay=0.05, reconnect_min_delay=0.05))
    try:
        # profile 2 needs wss://
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {
            "security_profile": 2, "configuration_slot": 3, "ocpp_csms_url": csms.ocpp_url})
        assert (status, body["status"], len(body["steps"])) == (200, "Rejected", 1)
        assert 3 not in station.network_profiles
        # stored, but it cannot be made the first slot without a CSMS root certificate
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {
            "security_profile": 2, "configuration_slot": 2, "ocpp_csms_url": "wss://csms.example/ocpp"})
        assert status == 200 and [s["status"] for s in body["steps"]] == ["Accepted", "Rejected"]
        assert station.network_profiles[2]["ocppCsmsUrl"] == "wss://csms.example/ocpp"
        assert station.config.get("OCPPCommCtrlr.NetworkConfigurationPriority") == "0"
        # the same CSMS in slot 1: takes effect at the next reboot
        status, body = await csms.post(cmd(station, "upgrade-security-profile"), {
            "security_profile": 1, "configuration_slot": 1, "ocpp_csms_url": csms.ocpp_url})
        assert status == 200 and [s["status"] for s in body["steps"]] == ["Accepted", "RebootRequired"]
        assert station.config.get("OCPPCommCtrlr.NetworkConfigurationPriority") == "1"
        _, stored = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
        assert stored["security_profile"] == 1      # accepted, effective after the reboot
        assert station.active_slot == 0
        status, body = await csms.post(cmd(station, "reset"), {"type": "Hard"})
        assert (status, body["status"]) == (200, "Accepted")
        await station.wait_for(lambda cp: cp.active_slot == 1 and cp.ready and cp.connect_count == 2, timeout=5)

        async def reported():
            _, events = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/security-events")
            return [e["type"] for e in events]
        assert set(await eventually(reported)) == {"ReconfigurationOfSecurityParameters"}
    finally:
        await station.close()
    assert station.protocol_errors == []


# -- 2.0.1 monitoring (N02-N06) ---------------------------------------------------------------------
async def _csms_monitors(csms, station) -> dict:
    _, monitors = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/monitors")
    return {m["monitor_id"]: (m["component"], m["evse_id"], m["variable"], m["type"], m["value"]) for m in monitors}


async def test_TC_N_variable_monitors_set_reported_and_cleared(csms, station201):
    station = station201
    power = {"component": "EVSE", "evse_id": 1, "variable": "Power"}
    status, body = await csms.post(cmd(station, "set-variable-monitoring"), {"monitors": [
        {**power, "type": "UpperThreshold", "value": 11000, "severity": 5},
        {"component": "EVSE", "evse_id": 1, "variable": "AvailabilityState", "type": "UpperThreshold", "value": 1,
         "severity": 5},
        {"component": "Nope", "variable": "X", "type": "Delta", "value": 1, "severity": 5},
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "type": "Delta", "value": 10, "severity": 5},
        {"component": "EVSE", "evse_id": 2, "variable": "AvailabilityState", "type": "Delta", "value": 0,
         "severity": 7}]})
    assert status == 200
    assert [r["status"] for r in body["results"]] == [
        "Accepted", "UnsupportedMonitorType", "UnknownComponent", "UnsupportedMonitorType", "Accepted"]
    power_id, delta_id = body["results"][0]["id"], body["results"][4]["id"]
    assert station.monitors[power_id]["value"] == 11000 and station.monitors[power_id]["kind"] == "Custom"
    assert (await _csms_monitors(csms, station))[power_id] == ("EVSE", 1, "Power", "UpperThreshold", 11000)
    status, body = await csms.post(cmd(station, "set-variable-monitoring"), {"monitors": [
        {**power, "type": "UpperThreshold", "value": 9000, "severity": 5}]})
    assert body["results"][0]["status"] == "Duplicate"

    status, body = await csms.post(cmd(station, "get-monitoring-report"), {"monitoring_criteria": ["ThresholdMonitoring"]})
    assert (status, body["status"]) == (200, "Accepted")
    hard_wired = {i for i, m in station.monitors.items() if m["kind"] == "HardWired"}

    async def reported():
        known = await _csms_monitors(csms, station)
        return known if hard_wired <= set(known) else None
    known = await eventually(reported, what="the monitoring report stored")
    assert {known[i] for i in hard_wired} == {("EVSE", 1, "Power", "UpperThreshold", 60000),
                                              ("EVSE", 2, "Power", "UpperThreshold", 60000)}
    assert delta_id not in hard_wired

    status, body = await csms.post(cmd(station, "set-monitoring-level"), {"severity": 4})
    assert (status, body, station.monitoring_level) == (200, {"status": "Accepted"}, 4)

    status, body = await csms.post(cmd(station, "clear-variable-monitoring"), {"ids": [power_id, 1, 999]})
    assert [(r["id"], r["status"]) for r in body["results"]] == [(power_id, "Accepted"), (1, "Rejected"),
                                                                 (999, "NotFound")]
    assert power_id not in station.monitors and 1 in station.monitors
    assert power_id not in await _csms_monitors(csms, station)

    status, body = await csms.post(cmd(station, "set-monitoring-base"), {"monitoring_base": "HardWiredOnly"})
    assert (status, body) == (200, {"status": "Accepted"})
    assert delta_id not in station.monitors
    assert {m["kind"] for m in station.active_monitors()} == {"HardWired"}
    status, body = await csms.post(cmd(station, "get-monitoring-report"),
                                   {"component_variables": [{"component": "ChargingStation"}]})
    assert body["status"] == "EmptyResultSet"           # its Problem monitor is preconfigured: inactive now
    status, body = await csms.post(cmd(station, "set-monitoring-base"), {"monitoring_base": "All"})
    status, body = await csms.post(cmd(station, "get-monitoring-report"),
                                   {"component_variables": [{"component": "ChargingStation", "variable": "Problem"}]})
    assert body["status"] == "Accepted"
    assert station.config.get("MonitoringCtrlr.ActiveMonitoringBase") == "All"


# -- 2.0.1 customer information (N09, N10) ------------------------------------------------------------
async def test_TC_N_customer_information_reported_then_cleared(csms, station201):
    station = station201
    tag = await csms.an_id_tag()
    await station.plug_in(1)
    tx_id = await station.start_session(1, tag)
    await station.stop_session(1)
    station.customers["cust-7"] = tag

    async def parts(request_id):
        async def check():
            _, body = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/customer-information"
                                     f"?request_id={request_id}")
            return body if body and not body[-1]["tbc"] else None
        return await eventually(check, what="NotifyCustomerInformation stored")

    token = {"idToken": tag, "type": "ISO14443"}
    status, body = await csms.post(cmd(station, "customer-information"),
                                   {"report": True, "clear": False, "id_token": token})
    assert (status, body["status"]) == (200, "Accepted")
    text = "".join(p["data"] for p in await parts(body["request_id"]))
    assert tx_id in text and "authorization cache status Accepted" in text

    status, body = await csms.post(cmd(station, "customer-information"),
                                   {"report": True, "clear": True, "customer_identifier": "cust-7"})
    assert (status, body["status"]) == (200, "Accepted")
    text = "".join(p["data"] for p in await parts(body["request_id"]))
    assert "customer cust-7" in text and tx_id in text
    assert tag not in station.auth_cache and "cust-7" not in station.customers
    assert all(r["idToken"] != tag for r in station.transaction_log)

    status, body = await csms.post(cmd(station, "customer-information"),
                                   {"report": True, "clear": False, "id_token": token})
    assert [p["data"] for p in await parts(body["request_id"])] == [""]
    status, body = await csms.post(cmd(station, "customer-information"),
                                   {"report": False, "clear": False, "customer_identifier": "x"})
    assert body["status"] == "Rejected"
    status, body = await csms.post(cmd(station, "customer-information"), {"report": True, "clear": False})
    assert body["status"] == "Invalid"


# -- 2.0.1 cost updates (block I) --------------------------------------------------------------------
async def _our_transaction(csms, cp_id: str, ocpp_tx_id) -> dict:
    async def find():
        _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={cp_id}")
        return next((t for t in txs if str(t["ocpp_transaction_id"]) == str(ocpp_tx_id)), None)
    return await eventually(find, what="the transaction stored")


async def test_TC_I_cost_updated_is_kept_per_transaction(csms, station201):
    station = station201
    tag = await csms.an_id_tag()
    tx_id = await station.start_session(1, tag)
    ours = (await _our_transaction(csms, station.cp_id, tx_id))["id"]
    for fen, shown in ((1234, 12.34), (2000, 20.0)):
        status, body = await csms.post(cmd(station, "cost-updated"), {"transaction_id": ours, "total_cost": fen})
        assert (status, body) == (200, {"status": "Accepted", "transaction_id": ours, "total_cost": fen})
        assert station.costs == {tx_id: shown}
    status, body = await csms.post(cmd(station, "cost-updated"), {"transaction_id": ours + 1000, "total_cost": 1})
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body = await csms.post(cmd(station, "cost-updated"), {"transaction_id": ours, "total_cost": -1})
    assert (status, body["error"]["code"]) == (400, "validation_error")
    await station.stop_session(1)

    async def ended():
        _, tx = await csms.get(f"/api/v1/admin/transactions/{ours}")
        return tx["status"] == "Completed"
    await eventually(ended)
    status, body = await csms.post(cmd(station, "cost-updated"), {"transaction_id": ours, "total_cost": 3000})
    assert (status, body["error"]["code"]) == (409, "transaction_not_active")
    assert station.costs == {tx_id: 20.0}


async def test_cost_updated_does_not_exist_in_16(csms):
    cp_id = new_id("COST16")
    await csms.a_charge_point(cp_id)
    station = await _connect(ChargePoint16(url=csms.ocpp_url, cp_id=cp_id, connectors=1))
    try:
        tx_id = await station.start_session(1, await csms.an_id_tag())
        ours = (await _our_transaction(csms, cp_id, tx_id))["id"]
        status, body = await csms.post(cmd(station, "cost-updated"), {"transaction_id": ours, "total_cost": 100})
        assert (status, body["error"]["code"]) == (400, "unknown_action")
    finally:
        await station.close()
