"""Security profiles 2 and 3 over a real TLS listener (certificates made by the test): the cipher suites
and protocol versions offered, authentication by client certificate, and certificates the CSMS signs."""

from __future__ import annotations

import base64
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from csms.container import Container
from csms.settings import SettingsError
from tests.support.pki import Pki
from tests.support.server import make_settings, start_csms, stop_csms


async def _tls_server(tmp_path, rsa: bool = False):
    """A CSMS with a wss:// listener: an ECDSA server certificate (and an RSA one beside it)."""
    pki = Pki(tmp_path)
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    flags = {"ocpp.tls_port": "0", "ocpp.tls_cert": str(cert), "ocpp.tls_key": str(key),
             "ocpp.tls_client_ca": str(pki.ca_path)}
    if rsa:
        rsa_cert, rsa_key = pki.issue("server-rsa", "127.0.0.1", server=True, rsa_bits=2048)
        flags |= {"ocpp.tls_cert_rsa": str(rsa_cert), "ocpp.tls_key_rsa": str(rsa_key)}
    server = await start_csms(make_settings(tmp_path, **flags))
    server.pki = pki
    server.tls_url = f"wss://127.0.0.1:{server.container.ocpp_tls_server.bound_port}/ocpp"
    return server


@pytest.fixture
async def tls_csms(tmp_path):
    server = await _tls_server(tmp_path)
    try:
        yield server
    finally:
        await stop_csms(server)


def client_context(pki: Pki, cert=None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca_path))
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def basic(cp_id: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{cp_id}:{password}".encode()).decode()}


async def boot(ws) -> str:
    await ws.send('[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]')
    return await ws.recv()


async def test_profile_2_tls_with_basic_auth(tls_csms):
    cp = await tls_csms.a_charge_point("TLS-P2", password="s3cret-pass-2", security_profile=2)
    ctx = client_context(tls_csms.pki)
    async with connect(f"{tls_csms.tls_url}/{cp['id']}", subprotocols=["ocpp1.6"], ssl=ctx,
                       additional_headers=basic(cp["id"], "s3cret-pass-2")) as ws:
        assert '"Accepted"' in await boot(ws)
    with pytest.raises(InvalidStatus) as wrong:
        await connect(f"{tls_csms.tls_url}/{cp['id']}", subprotocols=["ocpp1.6"], ssl=ctx,
                      additional_headers=basic(cp["id"], "wrong"))
    assert wrong.value.response.status_code == 401
    # the same charge point over plain ws is below its profile
    with pytest.raises(InvalidStatus) as plain:
        await connect(f"{tls_csms.ocpp_url}/{cp['id']}", subprotocols=["ocpp1.6"],
                      additional_headers=basic(cp["id"], "s3cret-pass-2"))
    assert plain.value.response.status_code == 401


async def test_profile_3_client_certificate_cn_must_be_the_id(tls_csms):
    cp = await tls_csms.a_charge_point("TLS-P3", security_profile=3)
    good = client_context(tls_csms.pki, tls_csms.pki.issue("cp3", "TLS-P3"))
    async with connect(f"{tls_csms.tls_url}/TLS-P3", subprotocols=["ocpp1.6"], ssl=good) as ws:
        assert '"Accepted"' in await boot(ws)
    other = client_context(tls_csms.pki, tls_csms.pki.issue("other", "SOMEONE-ELSE"))
    with pytest.raises(InvalidStatus) as exc:
        await connect(f"{tls_csms.tls_url}/TLS-P3", subprotocols=["ocpp1.6"], ssl=other)
    assert exc.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as none:
        await connect(f"{tls_csms.tls_url}/TLS-P3", subprotocols=["ocpp1.6"], ssl=client_context(tls_csms.pki))
    assert none.value.response.status_code == 401
    _, body = await tls_csms.get(f"/api/v1/admin/charge-points/{cp['id']}")
    assert body["online"] is False


async def test_tls_1_1_is_refused(tls_csms):
    await tls_csms.a_charge_point("TLS-OLD")
    ctx = client_context(tls_csms.pki)
    ctx.minimum_version = ssl.TLSVersion.TLSv1  # noqa: deprecated on purpose
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, OSError)):
        await connect(f"{tls_csms.tls_url}/TLS-OLD", subprotocols=["ocpp1.6"], ssl=ctx)


# -- A00.FR.318 / A00.FR.421: cipher suites, TLS 1.3, no compression (issue 10 item 1) --------------------
@pytest.fixture
async def dual_csms(tmp_path):
    """ECDSA and RSA server certificates side by side."""
    server = await _tls_server(tmp_path, rsa=True)
    try:
        yield server
    finally:
        await stop_csms(server)


# IANA name -> OpenSSL name, and the server key type that serves it
OCPP_SUITES = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": ("ECDHE-ECDSA-AES128-GCM-SHA256", ec.EllipticCurvePublicKey),
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": ("ECDHE-ECDSA-AES256-GCM-SHA384", ec.EllipticCurvePublicKey),
    "TLS_RSA_WITH_AES_128_GCM_SHA256": ("AES128-GCM-SHA256", rsa.RSAPublicKey),
    "TLS_RSA_WITH_AES_256_GCM_SHA384": ("AES256-GCM-SHA384", rsa.RSAPublicKey),
}


def _session(ws):
    sslobj = ws.transport.get_extra_info("ssl_object")
    leaf = x509.load_der_x509_certificate(sslobj.getpeercert(binary_form=True))
    return sslobj, leaf


@pytest.mark.parametrize("suite", list(OCPP_SUITES))
async def test_A00_FR_318_each_ocpp_tls12_cipher_suite_is_offered_without_compression(dual_csms, suite):
    openssl_name, key_type = OCPP_SUITES[suite]
    cp = await dual_csms.a_charge_point(password="s3cret-pass-2", security_profile=2)
    ctx = client_context(dual_csms.pki)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(openssl_name)          # the client offers this suite only
    async with connect(f"{dual_csms.tls_url}/{cp['id']}", subprotocols=["ocpp1.6"], ssl=ctx,
                       additional_headers=basic(cp["id"], "s3cret-pass-2")) as ws:
        sslobj, leaf = _session(ws)
        assert (sslobj.version(), sslobj.cipher()[0]) == ("TLSv1.2", openssl_name)
        assert sslobj.compression() is None
        assert isinstance(leaf.public_key(), key_type)
        assert '"Accepted"' in await boot(ws)


async def test_A00_FR_421_tls_1_3_is_offered(dual_csms):
    cp = await dual_csms.a_charge_point(password="s3cret-pass-2", security_profile=2)
    ctx = client_context(dual_csms.pki)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    async with connect(f"{dual_csms.tls_url}/{cp['id']}", subprotocols=["ocpp2.0.1"], ssl=ctx,
                       additional_headers=basic(cp["id"], "s3cret-pass-2")) as ws:
        sslobj, _ = _session(ws)
        assert sslobj.version() == "TLSv1.3" and sslobj.compression() is None


async def test_A00_FR_318_static_rsa_suites_need_the_rsa_certificate(tls_csms):
    await tls_csms.a_charge_point("TLS-EC-ONLY")
    ctx = client_context(tls_csms.pki)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("AES128-GCM-SHA256")       # an ECDSA certificate cannot serve TLS_RSA_*
    with pytest.raises((ssl.SSLError, OSError)):
        await connect(f"{tls_csms.tls_url}/TLS-EC-ONLY", subprotocols=["ocpp1.6"], ssl=ctx)


async def test_an_rsa_certificate_below_2048_bits_stops_start_up_with_one_line(tmp_path):
    pki = Pki(tmp_path)
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    weak_cert, weak_key = pki.issue("weak", "127.0.0.1", server=True, rsa_bits=1024)
    settings = make_settings(tmp_path, **{"ocpp.tls_cert": str(cert), "ocpp.tls_key": str(key),
                                          "ocpp.tls_cert_rsa": str(weak_cert), "ocpp.tls_key_rsa": str(weak_key)})
    with pytest.raises(SettingsError) as exc:
        await Container.create(settings)
    assert "ocpp.tls_cert_rsa" in str(exc.value) and "1024" in str(exc.value) and "\n" not in str(exc.value)


# -- A00.FR.405/407, 1.6 whitepaper profile 3: the certificate authenticates (issue 10 item 2) ----------
async def test_A00_FR_405_profile3_certificate_without_password(tls_csms):
    # registered with a password (left over from profile 2): the certificate alone is enough at profile 3
    cp = await tls_csms.a_charge_point("TLS-P3-PW", password="left-over-password", security_profile=2)
    await tls_csms.patch(f"/api/v1/admin/charge-points/{cp['id']}", {"security_profile": 3})
    good = client_context(tls_csms.pki, tls_csms.pki.issue("p3pw", "TLS-P3-PW"))
    for version in ("ocpp1.6", "ocpp2.0.1"):
        async with connect(f"{tls_csms.tls_url}/TLS-P3-PW", subprotocols=[version], ssl=good) as ws:
            frame = ('[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
                     if version == "ocpp1.6" else
                     '[2,"1","BootNotification",{"chargingStation":{"vendorName":"V","model":"M"},"reason":"PowerUp"}]')
            await ws.send(frame)
            assert '"Accepted"' in await ws.recv()


async def test_A00_FR_407_profile3_without_a_valid_certificate_stays_refused(tls_csms, tmp_path):
    await tls_csms.a_charge_point("TLS-P3-BAD", password="left-over-password", security_profile=3)
    # the password alone is not enough at profile 3
    with pytest.raises(InvalidStatus) as exc:
        await connect(f"{tls_csms.tls_url}/TLS-P3-BAD", subprotocols=["ocpp1.6"], ssl=client_context(tls_csms.pki),
                      additional_headers=basic("TLS-P3-BAD", "left-over-password"))
    assert exc.value.response.status_code == 401
    # a certificate with the right CN from a CA the CSMS does not trust fails the handshake
    (tmp_path / "stranger").mkdir()
    stranger = Pki(tmp_path / "stranger")
    ctx = client_context(tls_csms.pki, stranger.issue("forged", "TLS-P3-BAD"))
    with pytest.raises((ssl.SSLError, OSError, InvalidMessage)):     # TLS 1.3: the alert comes after the handshake
        async with connect(f"{tls_csms.tls_url}/TLS-P3-BAD", subprotocols=["ocpp1.6"], ssl=ctx) as ws:
            await boot(ws)


# -- A02.FR.11/14, F06, 1.6 SignCertificate: certificates the CSMS signs are trusted (issue 10 item 3) ---
async def _connected_peer_serial(csms, cp_id):
    conn = csms.container.registry.get(cp_id)
    if conn is None:
        return None
    der = conn.ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number if der else None


async def _sign_own_certificate(csms, station):
    before = station.own_certificate()
    status, body = await csms.post(f"/api/v1/admin/charge-points/{station.cp_id}/commands/extended-trigger-message",
                                   {"message": "SignChargePointCertificate"})
    assert (status, body) == (200, {"status": "Accepted"})
    own = await station.wait_for(lambda cp: cp.own_certificate() if cp.own_certificate() is not before else None,
                                 timeout=5)
    return own.certificate.serial_number


async def _upgrade_to_3(csms, station):
    url = f"/api/v1/admin/charge-points/{station.cp_id}/commands/upgrade-security-profile"
    if station.subprotocol == "ocpp1.6":
        status, body = await csms.post(url, {"security_profile": 3})
        assert (status, body["status"]) == (200, "Accepted")
        await station.disconnect()          # 1.6: the new profile is used from the next connection on
        await station.reconnect()
        return
    status, body = await csms.post(url, {"security_profile": 3, "configuration_slot": 2, "ocpp_csms_url": station.url})
    assert (status, body["status"]) == (200, "RebootRequired")     # the priority change waits for a reboot
    first = station.connect_count
    status, body = await csms.post(f"/api/v1/admin/charge-points/{station.cp_id}/commands/reset", {"type": "Hard"})
    assert (status, body["status"]) == (200, "Accepted")      # 2.0.1: the new slot is used after the reboot
    await station.wait_for(lambda cp: cp.connect_count > first and cp.ready, timeout=10)


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_A02_FR_11_F06_a_certificate_the_csms_signed_authenticates_the_upgrade_and_the_renewal(tls_csms,
                                                                                                     version):
    cp_id = f"TLS-SIGNED-{version[-3:].replace('.', '')}"
    await tls_csms.a_charge_point(cp_id, password="profile-2-password", security_profile=2)
    cls = ChargePoint16 if version == "ocpp1.6" else ChargePoint201
    station = cls(url=tls_csms.tls_url, cp_id=cp_id, password="profile-2-password",
                  cafile=str(tls_csms.pki.ca_path), reboot_delay=0.05, reconnect_min_delay=0.05)
    station.feature_step_delay = 0.01
    await station.connect()
    try:
        status, body = await tls_csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/install-certificate",
                                           {"certificate_type": "csms_root",
                                            "certificate": tls_csms.pki.ca_path.read_text()})
        assert (status, body) == (200, {"status": "Accepted"})
        assert await _connected_peer_serial(tls_csms, cp_id) is None       # profile 2: no client certificate

        first = await _sign_own_certificate(tls_csms, station)
        await _upgrade_to_3(tls_csms, station)
        assert station._credentials()[1] is None                           # no password is sent any more
        assert await _connected_peer_serial(tls_csms, cp_id) == first
        assert (await tls_csms.container.repos.charge_points.get(cp_id)).security_profile == 3

        renewed = await _sign_own_certificate(tls_csms, station)           # renewal at profile 3
        assert renewed != first
        await station.disconnect()
        await station.reconnect()
        assert station.ready and await _connected_peer_serial(tls_csms, cp_id) == renewed
    finally:
        await station.close()
    assert station.protocol_errors == []
