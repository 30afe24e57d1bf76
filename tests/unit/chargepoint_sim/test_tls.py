"""TLS for both versions: trust a private CA (--ca-file / cafile=), present a client certificate
(security profile 3: --cert/--key, certfile=/keyfile=), or pass a ready ssl_context."""

import asyncio
import ssl

import pytest

from chargepoint_sim import ChargePoint16, ChargePoint201, cli
from chargepoint_sim.link import make_ssl_context
from tests.support.pki import Pki

from .fake_csms import FakeCSMS
from .fake_csms201 import FakeCSMS201


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def server_context(pki: Pki) -> ssl.SSLContext:
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=str(pki.ca_path))
    context.verify_mode = ssl.CERT_OPTIONAL  # profile 2 (no client certificate) and 3 on one listener
    return context


@pytest.fixture(params=[FakeCSMS, FakeCSMS201], ids=["1.6", "2.0.1"])
async def tls_csms(request, pki):
    server = await request.param().start(server_context(pki))
    yield server
    await server.stop()
    assert server.errors == []


def charge_point_class(server):
    return ChargePoint201 if server.version == "2.0.1" else ChargePoint16


def common_name(peer: dict) -> str:
    return dict(item[0] for item in peer["subject"])["commonName"]


async def test_ca_file_and_basic_auth_profile_2(tls_csms, pki):
    tls_csms.passwords["TLS1"] = "s3cret-pass"
    cp = charge_point_class(tls_csms)(url=tls_csms.url, cp_id="TLS1", password="s3cret-pass",
                                      cafile=str(pki.ca_path), reconnect=False)
    try:
        assert (await cp.connect())["status"] == "Accepted"
        assert tls_csms.url.startswith("wss://") and tls_csms.peer_certs["TLS1"] in (None, {})
        if isinstance(cp, ChargePoint201):
            assert cp.config.get_int("SecurityCtrlr.SecurityProfile") == 2
    finally:
        await cp.close()


async def test_client_certificate_profile_3(tls_csms, pki):
    cert, key = pki.issue("client", "TLS2")
    cp = charge_point_class(tls_csms)(url=tls_csms.url, cp_id="TLS2", cafile=str(pki.ca_path), certfile=str(cert),
                                      keyfile=str(key), reconnect=False)
    try:
        await cp.connect()
        assert common_name(tls_csms.peer_certs["TLS2"]) == "TLS2"
        if isinstance(cp, ChargePoint201):
            assert cp.config.get_int("SecurityCtrlr.SecurityProfile") == 3
    finally:
        await cp.close()


async def test_ready_ssl_context_and_untrusted_server(tls_csms, pki):
    cls = charge_point_class(tls_csms)
    cp = cls(url=tls_csms.url, cp_id="TLS3", ssl_context=make_ssl_context(str(pki.ca_path)), reconnect=False)
    try:
        await cp.connect()
    finally:
        await cp.close()
    untrusting = cls(url=tls_csms.url, cp_id="TLS4", reconnect=False, open_timeout=3)  # system CAs only
    with pytest.raises(ssl.SSLCertVerificationError):
        await untrusting.connect()
    assert not untrusting.connected
    await untrusting.close()


def test_tls_option_errors(tmp_path):
    with pytest.raises(ValueError):
        make_ssl_context(keyfile="key.pem")
    with pytest.raises(FileNotFoundError):
        ChargePoint201(url="wss://127.0.0.1:1/ocpp", cafile=str(tmp_path / "missing.pem"))
    with pytest.raises(SystemExit):
        cli.main(["--ca-file", str(tmp_path / "missing.pem")])


async def test_cli_over_tls_with_client_certificate(pki):
    server = await FakeCSMS201().start(server_context(pki))
    try:
        cert, key = pki.issue("cli", "CLI-TLS")
        argv = ["--url", server.url, "--id", "CLI-TLS", "--protocol", "ocpp2.0.1", "--ca-file", str(pki.ca_path),
                "--cert", str(cert), "--key", str(key), "--duration", "0.5", "-q"]
        assert await asyncio.wait_for(asyncio.to_thread(cli.main, argv), 10) == 0
        assert common_name(server.peer_certs["CLI-TLS"]) == "CLI-TLS"
        assert server.calls("BootNotification")[0].cp_id == "CLI-TLS" and server.errors == []
    finally:
        await server.stop()
