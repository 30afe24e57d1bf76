"""Scan to charge over the real API: the QR content of each connector, printable PNG / SVG codes,
and what GET /driver/scan tells the driver for a free, busy, offline or unknown connector, a
reservation of their own, and a foreign code."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC
from urllib.parse import quote

from tests.e2e.helpers import answer
from tests.fakes_profile import a_driver
from tests.support.ocpp_client import RawClient


def _base(csms) -> str:
    return csms.container.settings.driver.qr_base_url


async def _scan(csms, token: str, content: str):
    return await csms.get(f"/api/v1/driver/scan?qr={quote(content, safe='')}", token=token)


async def _priced(csms, station: dict) -> dict:
    """A station drivers can charge at: one with a tariff (else the scan says no_tariff)."""
    status, body = await csms.put(f"/api/v1/admin/stations/{station['id']}/tariff", {
        "effective_from": "2020-01-01T00:00:00Z", "segments": [{"start": "00:00", "end": "24:00", "period": "flat"}],
        "prices": {"flat": {"energy_fen_per_kwh": 80, "service_fen_per_kwh": 40}}})
    assert status == 201, body
    return station


async def _site(csms, open_client):
    st = await _priced(csms, await csms.a_station(name="Scan site", address="9 Scan Rd"))
    client = await open_client(csms, (await csms.a_charge_point(station_id=st["id"]))["id"], register=False)
    for n, status in ((1, "Available"), (2, "Charging")):
        await client.result("StatusNotification", {"connectorId": n, "errorCode": "NoError", "status": status})
    await csms.container.batch.flush()
    return st, client


async def test_scan_a_free_connector(csms, open_client):
    st, client = await _site(csms, open_client)
    _, token = await a_driver(csms, balance_fen=1234)
    code, body = await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/1")
    assert code == 200, body
    assert body["charge_point_id"] == client.cp_id and body["connector_id"] == 1
    assert body["station"] == {"id": st["id"], "name": "Scan site", "address": "9 Scan Rd"}
    assert (body["connector"]["status"], body["connector"]["ocpp_status"]) == ("free", "Available")
    assert (body["balance_fen"], body["min_wallet_fen"]) == (1234, csms.container.settings.driver.min_wallet_fen)
    assert (body["can_start"], body["reason"]) == (True, None)
    assert "price_now" in body


async def test_scan_says_why_a_connector_cannot_start(csms, open_client):
    _st, client = await _site(csms, open_client)
    _, token = await a_driver(csms)
    body = (await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/2"))[1]
    assert (body["can_start"], body["reason"], body["connector"]["status"]) == (False, "occupied", "occupied")
    body = (await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/7"))[1]
    assert (body["can_start"], body["reason"], body["connector"]) == (False, "unknown_connector", None)
    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    await csms.container.batch.flush()
    assert (await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/1"))[1]["reason"] == "faulted"
    await client.close()

    async def offline():
        await csms.container.batch.flush()
        return (await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/1"))[1]["reason"] == "offline"
    from tests.e2e.helpers import eventually
    await eventually(offline, what="offline after disconnect")
    assert (await _scan(csms, token, f"{_base(csms)}/NO-SUCH-CP/1"))[0] == 404


async def test_a_reservation_blocks_others_but_not_its_holder(csms, open_client):
    _st, client = await _site(csms, open_client)
    uid, token = await a_driver(csms)
    _, other = await a_driver(csms)
    _f, code, body = await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/commands/reserve-now",
                                                    {"connector_id": 1, "id_tag": "TAG-Q"}), {"status": "Accepted"})
    assert code == 200, body
    from datetime import datetime

    from sqlalchemy import insert

    from csms.db import tables_drivers as drivers
    async with csms.container.engine.begin() as conn:
        await conn.execute(insert(drivers.driver_reservations).values(
            reservation_id=body["reservation_id"], user_id=uid, fee_fen=0, created_at=datetime.now(UTC)))
    content = f"{_base(csms)}/{client.cp_id}/1"
    assert (await _scan(csms, other, content))[1]["reason"] == "reserved"
    mine = (await _scan(csms, token, content))[1]
    assert (mine["can_start"], mine["connector"]["status"]) == (True, "free")


async def test_foreign_codes_are_invalid_qr(csms, open_client):
    _st, client = await _site(csms, open_client)
    _, token = await a_driver(csms)
    for content in ("https://evil.example.com/qr/" + client.cp_id + "/1", f"{_base(csms)}/{client.cp_id}",
                    f"{_base(csms)}/{client.cp_id}/0", f"{_base(csms)}/{client.cp_id}/x", "hello",
                    f"{_base(csms)}/a/b/c", f"{_base(csms)}/{'x' * 49}/1"):
        code, body = await _scan(csms, token, content)
        assert (code, body["error"]["code"]) == (400, "invalid_qr"), (content, body)
    assert (await csms.get("/api/v1/driver/scan", token=token))[0] == 400
    # the code is tolerant of a trailing slash, query string and host case
    base = _base(csms).replace("https://", "HTTPS://").upper().replace("/QR", "/qr")
    code, body = await _scan(csms, token, f"{base}/{client.cp_id}/1/?from=poster")
    assert (code, body["connector_id"]) == (200, 1), body


async def test_charge_point_ids_with_url_characters_round_trip(csms):
    st = await csms.a_station()
    cp = await csms.a_charge_point("CP:1|a*b", station_id=st["id"])
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{quote(cp['id'], safe='')}/connectors/1",
                                  {"type": "CCS2"})
    assert code == 200, body
    assert body["qr"] == f"{_base(csms)}/CP%3A1%7Ca%2Ab/1"
    _, token = await a_driver(csms)
    code, scan = await _scan(csms, token, body["qr"])
    assert (code, scan["charge_point_id"], scan["reason"]) == (200, "CP:1|a*b", "offline")
    code, codes = await csms.get(f"/api/v1/admin/stations/{st['id']}/qr-codes")
    assert codes == [{"charge_point_id": "CP:1|a*b", "connector_id": 1, "content": body["qr"]}]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_printable_codes(csms, open_client):
    st, client = await _site(csms, open_client)
    path = f"/api/v1/admin/charge-points/{client.cp_id}/connectors/1"
    async with csms.http.get(csms.api_url + path + "/qr.png", headers=csms.auth) as resp:
        assert (resp.status, resp.content_type) == (200, "image/png")
        png = await resp.read()
    width, height = _png_size(png)
    assert 400 <= width <= 512 and height > width          # the label is under the code
    idat = png[png.index(b"IDAT") + 4:]
    assert len(zlib.decompressobj().decompress(idat)) == height * (width + 1)
    async with csms.http.get(csms.api_url + path + "/qr.png?size=2048", headers=csms.auth) as resp:
        assert _png_size(await resp.read())[0] > 1500
    assert (await csms.get(path + "/qr.png?size=10"))[0] == 400
    assert (await csms.get(path + "/qr.png?size=5000"))[0] == 400
    async with csms.http.get(csms.api_url + path + "/qr.svg", headers=csms.auth) as resp:
        assert (resp.status, resp.content_type) == (200, "image/svg+xml")
        svg = await resp.text()
    assert f"<title>{client.cp_id} #1</title>" in svg and f">{client.cp_id} #1</text>" in svg
    assert (await csms.get("/api/v1/admin/charge-points/NOPE/connectors/1/qr.svg"))[0] == 404
    assert (await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/connectors/0/qr.svg"))[0] == 404
    _, token = await a_driver(csms)
    assert (await csms.get(path + "/qr.png", token=token))[0] == 403

    code, codes = await csms.get(f"/api/v1/admin/stations/{st['id']}/qr-codes")
    assert code == 200
    assert codes == [{"charge_point_id": client.cp_id, "connector_id": n,
                      "content": f"{_base(csms)}/{client.cp_id}/{n}"}
                     for n in (1, 2)]
    assert (await csms.get("/api/v1/admin/stations/999999/qr-codes"))[0] == 404


async def test_201_qr_uses_the_evse_id(csms):
    st = await _priced(csms, await csms.a_station())
    cp = await csms.a_charge_point(station_id=st["id"])
    client = await RawClient.open(csms.ocpp_url, cp["id"], protocol="ocpp2.0.1")
    try:
        await client.result("BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "M",
                                                                                         "vendorName": "V"}})
        for conn in (1, 2):
            await client.result("StatusNotification", {"timestamp": "2026-01-01T00:00:00Z",
                                                       "connectorStatus": "Available", "evseId": 3,
                                                       "connectorId": conn})
        await csms.container.batch.flush()
        _, codes = await csms.get(f"/api/v1/admin/stations/{st['id']}/qr-codes")
        assert [(c["connector_id"], c["content"]) for c in codes] == [(3, f"{_base(csms)}/{cp['id']}/3")]
        _, token = await a_driver(csms)
        body = (await _scan(csms, token, codes[0]["content"]))[1]
        assert (body["can_start"], body["connector_id"]) == (True, 3)
    finally:
        await client.close()


async def test_a_station_without_a_tariff_cannot_start_and_the_scan_says_so(csms, open_client):
    st = await csms.a_station(name="Unpriced", address="1 Free Rd")
    client = await open_client(csms, (await csms.a_charge_point(station_id=st["id"]))["id"], register=False)
    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    await csms.container.batch.flush()
    _, token = await a_driver(csms)
    body = (await _scan(csms, token, f"{_base(csms)}/{client.cp_id}/1"))[1]
    assert (body["can_start"], body["reason"], body["price_now"]) == (False, "no_tariff", None)
