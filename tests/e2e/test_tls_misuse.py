"""TLS misuse at security profile 3 over a real TLS listener (issue 16 item 7): client certificates
that are expired, not yet valid, for another charge point, self-signed, from a CA the CSMS does not trust
or revoked (ocpp.tls_client_crl) never connect; a valid one from the same CA does, before and after.
(Plain ws:// to a profile-2 station, TLS 1.0/1.1 and the cipher suites: tests/e2e/test_tls.py.)"""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from tests.support.pki import Pki
from tests.support.server import make_settings, start_csms, stop_csms

CP = "TLS-MISUSE"
BOOT = '[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


@pytest.fixture
async def server(tmp_path):
    pki = Pki(tmp_path)
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    certs = {"good": pki.issue("good", CP), "revoked": pki.issue("revoked", CP),
             "expired": pki.issue("expired", CP, valid=(-2 * DAY, -DAY)),
             "not yet valid": pki.issue("future", CP, valid=(DAY, 2 * DAY)),
             "another charge point": pki.issue("other", "SOMEONE-ELSE"),
             "self-signed": pki.issue("self", CP, self_signed=True)}
    (tmp_path / "stranger").mkdir()
    certs["untrusted CA"] = Pki(tmp_path / "stranger").issue("stranger", CP)
    crl = pki.crl("ca", [certs["revoked"][0]])
    csms = await start_csms(make_settings(tmp_path, **{
        "ocpp.tls_port": "0", "ocpp.tls_cert": str(cert), "ocpp.tls_key": str(key),
        "ocpp.tls_client_ca": str(pki.ca_path), "ocpp.tls_client_crl": str(crl)}))
    csms.url = f"wss://127.0.0.1:{csms.container.ocpp_tls_server.bound_port}/ocpp/{CP}"
    csms.pki, csms.certs = pki, certs
    await csms.a_charge_point(CP, security_profile=3)
    try:
        yield csms
    finally:
        await stop_csms(csms)


def context(pki: Pki, cert=None, tls13: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca_path))
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


async def booted(server, ctx) -> bool:
    async with connect(server.url, subprotocols=["ocpp1.6"], ssl=ctx, open_timeout=5) as ws:
        await ws.send(BOOT)
        return '"Accepted"' in await ws.recv()


@pytest.mark.parametrize("tls13", [True, False], ids=["tls1.3", "tls1.2"])
async def test_profile_3_refuses_every_bad_client_certificate(server, tls13):
    assert await booted(server, context(server.pki, server.certs["good"], tls13))
    for name, cert in server.certs.items():
        if name == "good":
            continue
        # TLS 1.2 fails the handshake; under 1.3 the server's alert comes after it (on the upgrade), or the
        # certificate verifies and the CN is refused (401)
        with pytest.raises((ssl.SSLError, OSError, InvalidMessage, InvalidStatus, EOFError)) as refused:
            await booted(server, context(server.pki, cert, tls13))
        if isinstance(refused.value, InvalidStatus):
            assert refused.value.response.status_code == 401, name
        assert name == "another charge point" or not isinstance(refused.value, InvalidStatus), name
    assert await booted(server, context(server.pki, server.certs["good"], tls13))
    _, view = await server.get(f"/api/v1/admin/charge-points/{CP}")
    assert view["online"] is False


async def test_an_unreadable_crl_stops_start_up_with_one_line(tmp_path):
    pki = Pki(tmp_path)
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    bad = tmp_path / "bad.crl.pem"
    bad.write_text("not a CRL")
    with pytest.raises(Exception) as exc:
        await start_csms(make_settings(tmp_path, **{"ocpp.tls_port": "0", "ocpp.tls_cert": str(cert),
                                                    "ocpp.tls_key": str(key), "ocpp.tls_client_crl": str(bad)}))
    assert "ocpp.tls_client_crl" in str(exc.value) and "\n" not in str(exc.value)
