"""The OCPP WebSocket handshake over a real socket: path, subprotocol, registration, HTTP Basic
auth and security profiles, and what happens when a charge point connects twice."""

from __future__ import annotations

import asyncio
import base64

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.helpers import BOOT, answer, eventually, new_id
from tests.support.ocpp_client import RawClient

# Every test here (but auto-registration, which needs a server of its own) registers charge points
# of its own and looks at nothing server-wide: one server for the module, and the tests run in the
# module's event loop (see shared_csms in conftest.py).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


async def _refused(url: str, **kw) -> int:
    """Open a WebSocket that the server must refuse; return the HTTP status it answered."""
    with pytest.raises(InvalidStatus) as exc:
        ws = await connect(url, **kw)
        await ws.close()
    return exc.value.response.status_code


def _root(csms) -> str:
    return csms.ocpp_url.rsplit("/ocpp", 1)[0]


def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def _opens(csms, cp_id: str, password: str | None = None) -> None:
    """Connect, check a Heartbeat is answered, close."""
    client = await RawClient.open(csms.ocpp_url, cp_id, password=password)
    try:
        assert (await client.call("Heartbeat", {}))[0] == 3
    finally:
        await client.close()


# -- path and subprotocol ---------------------------------------------------------------------------

async def test_unknown_charge_point_is_refused_with_404(csms):
    assert await _refused(f"{csms.ocpp_url}/NOBODY-{new_id()}", subprotocols=["ocpp1.6"]) == 404


@pytest.mark.parametrize("path", ["/", "/ocpp", "/ocpp/", "/ws/{id}", "/ocpp/{id}/extra", "/OCPP/{id}",
                                  "/ocpp/" + "x" * 49])
async def test_wrong_path_is_refused_with_404(csms, path):
    cp_id = (await csms.a_charge_point())["id"]           # a registered id does not make a wrong path right
    assert await _refused(_root(csms) + path.replace("{id}", cp_id), subprotocols=["ocpp1.6"]) == 404


async def test_registered_id_with_trailing_slash_and_query_is_accepted(csms):
    cp_id = (await csms.a_charge_point())["id"]
    ws = await connect(f"{csms.ocpp_url}/{cp_id}/?token=ignored", subprotocols=["ocpp1.6"])
    try:
        assert ws.subprotocol == "ocpp1.6"
    finally:
        await ws.close()


async def test_no_subprotocol_is_refused_with_400(csms):
    cp_id = (await csms.a_charge_point())["id"]
    assert await _refused(f"{csms.ocpp_url}/{cp_id}") == 400


@pytest.mark.parametrize("offered", [["ocpp1.5"], ["ocpp2.1", "wamp"], ["OCPP1.6"]])
async def test_unknown_subprotocol_is_refused_with_400(csms, offered):
    cp_id = (await csms.a_charge_point())["id"]
    assert await _refused(f"{csms.ocpp_url}/{cp_id}", subprotocols=offered) == 400


@pytest.mark.parametrize("offered, chosen", [(["ocpp1.5", "ocpp1.6"], "ocpp1.6"),
                                             (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
                                             (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1")])
async def test_the_charge_points_first_supported_subprotocol_is_chosen(csms, offered, chosen):
    cp_id = (await csms.a_charge_point())["id"]
    ws = await connect(f"{csms.ocpp_url}/{cp_id}", subprotocols=offered)
    try:
        assert ws.subprotocol == chosen

        async def protocol():
            _code, cp = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
            return cp["protocol"] == chosen and cp["online"]
        await eventually(protocol, what=f"protocol {chosen} over REST")
    finally:
        await ws.close()


@pytest.mark.asyncio(loop_scope="function")
async def test_auto_register_accepts_an_unknown_id_and_registers_it(csms_with):
    csms = await csms_with(**{"ocpp.auto_register": True})
    cp_id = new_id("AUTO")
    code, _ = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 404
    client = await RawClient.open(csms.ocpp_url, cp_id)
    try:
        assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
        code, cp = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
        assert code == 200
        assert (cp["id"], cp["online"], cp["registration_status"], cp["vendor"]) == (cp_id, True, "Accepted", "Acme")
        assert cp["security_profile"] == 0 and cp["has_password"] is False
        code, listed = await csms.get("/api/v1/admin/charge-points")
        assert cp_id in [c["id"] for c in listed]
    finally:
        await client.close()
    # auto-registration does not accept a malformed handshake
    assert await _refused(f"{csms.ocpp_url}/{new_id('AUTO')}") == 400


# -- credentials -------------------------------------------------------------------------------------

async def test_basic_auth(csms):
    cp = await csms.a_charge_point(new_id("SEC"), password="first-password-1")
    cp_id = cp["id"]
    assert (cp["security_profile"], cp["has_password"]) == (1, True)
    url = f"{csms.ocpp_url}/{cp_id}"

    with pytest.raises(InvalidStatus) as exc:
        await connect(url, subprotocols=["ocpp1.6"])
    assert exc.value.response.status_code == 401
    assert exc.value.response.headers["WWW-Authenticate"].startswith("Basic")
    for headers in (_basic(cp_id, "wrong-password"), _basic("SOMEONE-ELSE", "first-password-1"),
                    {"Authorization": "Basic !!!not-base64!!!"}, {"Authorization": "Bearer first-password-1"},
                    _basic(cp_id, "")):
        assert await _refused(url, subprotocols=["ocpp1.6"], additional_headers=headers) == 401, headers
    await _opens(csms, cp_id, "first-password-1")


async def test_patch_password_rotates_it(csms):
    cp_id = (await csms.a_charge_point(new_id("ROT"), password="old-password-1"))["id"]
    await _opens(csms, cp_id, "old-password-1")
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}", {"password": "new-password-2"})
    assert code == 200 and body["has_password"] is True
    url = f"{csms.ocpp_url}/{cp_id}"
    assert await _refused(url, subprotocols=["ocpp1.6"], additional_headers=_basic(cp_id, "old-password-1")) == 401
    await _opens(csms, cp_id, "new-password-2")


async def test_profile_1_without_password_is_refused(csms):
    cp_id = (await csms.a_charge_point(new_id("NOPW"), password="some-password-1"))["id"]
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}", {"password": None})
    assert code == 200 and (body["has_password"], body["security_profile"]) == (False, 1)
    url = f"{csms.ocpp_url}/{cp_id}"
    assert await _refused(url, subprotocols=["ocpp1.6"]) == 401
    assert await _refused(url, subprotocols=["ocpp1.6"], additional_headers=_basic(cp_id, "some-password-1")) == 401
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}", {"security_profile": 0})
    assert code == 200
    await _opens(csms, cp_id)


async def test_security_profile_2_over_plain_ws_is_refused(csms):
    cp_id = (await csms.a_charge_point(new_id("TLS"), password="tls-password-1", security_profile=2))["id"]
    url = f"{csms.ocpp_url}/{cp_id}"
    assert await _refused(url, subprotocols=["ocpp1.6"], additional_headers=_basic(cp_id, "tls-password-1")) == 401
    assert await _refused(url, subprotocols=["ocpp1.6"]) == 401


async def test_security_profile_3_over_plain_ws_is_refused(csms):
    cp_id = (await csms.a_charge_point(new_id("MTLS"), security_profile=3))["id"]
    assert await _refused(f"{csms.ocpp_url}/{cp_id}", subprotocols=["ocpp1.6"]) == 401


# -- one connection per charge point ------------------------------------------------------------------

async def test_second_connection_replaces_the_first(csms, open_client):
    first = await open_client(csms)
    cp_id = first.cp_id
    second = await open_client(csms, cp_id, register=False)

    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(first.ws.recv(), 3)
    assert first.ws.close_code == 1000

    code, cp = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 200 and cp["online"] is True
    # commands reach the new connection
    frame, status, body = await answer(second, csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/clear-cache"),
                                       {"status": "Accepted"})
    assert frame[2:] == ["ClearCache", {}]
    assert (status, body) == (200, {"status": "Accepted"})
    # and the old socket's end did not mark the charge point offline
    code, cp = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert cp["online"] is True
    await second.close()

    async def offline():
        return (await csms.get(f"/api/v1/admin/charge-points/{cp_id}"))[1]["online"] is False
    await eventually(offline, what="offline once the current connection closes")


async def test_deleting_a_charge_point_closes_its_connection(csms, open_client):
    client = await open_client(csms)
    code, _ = await csms.request("DELETE", f"/api/v1/admin/charge-points/{client.cp_id}")
    assert code == 204
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(client.ws.recv(), 3)
    assert await _refused(f"{csms.ocpp_url}/{client.cp_id}", subprotocols=["ocpp1.6"]) == 404
