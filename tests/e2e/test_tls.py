"""Security profiles 2 and 3 over a real TLS listener (certificates made by the test)."""

from __future__ import annotations

import base64
import ssl

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.pki import Pki
from tests.support.server import make_settings, start_csms, stop_csms


@pytest.fixture
async def tls_csms(tmp_path):
    pki = Pki(tmp_path)
    cert, key = pki.issue("server", "127.0.0.1", server=True)
    settings = make_settings(tmp_path, **{"ocpp.tls_port": "0", "ocpp.tls_cert": str(cert), "ocpp.tls_key": str(key),
                                          "ocpp.tls_client_ca": str(pki.ca_path)})
    server = await start_csms(settings)
    server.pki = pki
    server.tls_url = f"wss://127.0.0.1:{server.container.ocpp_tls_server.bound_port}/ocpp"
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
