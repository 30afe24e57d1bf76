"""Stations for the map over the real API: nearby sorted by distance with live counts from real
charge points (1.6 and 2.0.1 over sockets), the kind / free / radius filters and paging, search,
station detail with connectors, operator details and connector metadata, reviews."""

from __future__ import annotations

from tests.e2e.helpers import answer
from tests.fakes_profile import a_driver, an_order
from tests.support.ocpp_client import RawClient

ORIGIN = (31.2300, 121.4700)
KM_LAT = 1 / 111.195          # degrees of latitude per km


def _at(km_north: float) -> dict:
    return {"lat": ORIGIN[0] + km_north * KM_LAT, "lng": ORIGIN[1]}


async def _connector(csms, cp_id: str, n: int, **meta) -> dict:
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}/connectors/{n}", meta)
    assert code == 200, body
    return body


async def _status(csms, client: RawClient, connector: int, status: str) -> None:
    await client.result("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status})


async def _nearby(csms, token: str, query: str = "") -> tuple[int, list, dict]:
    await csms.container.batch.flush()
    lat, lng = ORIGIN
    async with csms.http.get(f"{csms.api_url}/api/v1/driver/stations/nearby?lat={lat}&lng={lng}{query}",
                             headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def _map(csms, open_client):
    """A at the origin (1.6 online: CCS2 150 kW free, Type2 7 kW charging), B 1 km north (offline,
    GB/T DC), C 3 km north (online, unknown type 7 kW, faulted), D 20 km north (free AC)."""
    a = await csms.a_station(name="A Plaza", address="1 Nanjing Rd", **_at(0))
    b = await csms.a_station(name="B Garage", address="2 Beijing Rd", **_at(1))
    c = await csms.a_station(name="C Mall", address="3 Nanjing Rd", **_at(3))
    d = await csms.a_station(name="D Park", address="4 Far Rd", **_at(20))
    cp_a = await open_client(csms, (await csms.a_charge_point(station_id=a["id"]))["id"], register=False)
    await _connector(csms, cp_a.cp_id, 1, type="CCS2", max_power_w=150000)
    await _connector(csms, cp_a.cp_id, 2, type="Type2", max_power_w=7000)
    await _status(csms, cp_a, 1, "Available")
    await _status(csms, cp_a, 2, "Charging")
    cp_b = (await csms.a_charge_point(station_id=b["id"]))["id"]
    await _connector(csms, cp_b, 1, type="GBT_DC", max_power_w=60000)
    cp_c = await open_client(csms, (await csms.a_charge_point(station_id=c["id"]))["id"], register=False)
    await _connector(csms, cp_c.cp_id, 1, max_power_w=7000)
    await _status(csms, cp_c, 1, "Faulted")
    cp_d = await open_client(csms, (await csms.a_charge_point(station_id=d["id"]))["id"], register=False)
    await _status(csms, cp_d, 1, "Available")
    return a, b, c, d, cp_a, cp_b


async def test_nearby_is_sorted_by_distance_with_live_counts(csms, open_client):
    a, b, c, d, _cp_a, _ = await _map(csms, open_client)
    _, token = await a_driver(csms)
    code, cards, headers = await _nearby(csms, token)
    assert code == 200, cards
    assert [x["id"] for x in cards] == [a["id"], b["id"], c["id"]]
    assert headers["X-Total-Count"] == "3"
    assert cards[0]["distance_m"] == 0
    assert abs(cards[1]["distance_m"] - 1000) <= 2 and abs(cards[2]["distance_m"] - 3000) <= 5
    ca, cb, cc = cards
    assert {k: ca[k] for k in ("total", "free", "occupied", "faulted", "offline", "kinds", "max_power_w")} == {
        "total": 2, "free": 1, "occupied": 1, "faulted": 0, "offline": 0, "kinds": ["dc", "ac"],
        "max_power_w": 150000}
    assert (cb["total"], cb["offline"], cb["free"], cb["kinds"]) == (1, 1, 0, ["dc"])
    assert (cc["total"], cc["faulted"], cc["kinds"]) == (1, 1, ["ac"])
    assert ca["coordinate_system"] == "GCJ-02" and ca["name"] == "A Plaza"
    assert ca["rating"] == {"average": None, "count": 0}

    assert [x["id"] for x in (await _nearby(csms, token, "&radius_m=50000"))[1]][-1] == d["id"]
    assert [x["id"] for x in (await _nearby(csms, token, "&kind=dc"))[1]] == [a["id"], b["id"]]
    assert [x["id"] for x in (await _nearby(csms, token, "&kind=ac"))[1]] == [a["id"], c["id"]]
    assert [x["id"] for x in (await _nearby(csms, token, "&free=true"))[1]] == [a["id"]]
    assert [x["id"] for x in (await _nearby(csms, token, "&free=true&kind=dc"))[1]] == [a["id"]]
    assert (await _nearby(csms, token, "&free=true&kind=ac"))[1] == []   # A's AC connector is charging
    code, page, headers = await _nearby(csms, token, "&limit=1&offset=1")
    assert ([x["id"] for x in page], headers["X-Total-Count"]) == ([b["id"]], "3")


async def test_a_charging_session_and_a_reservation_make_connectors_occupied(csms, open_client):
    a, *_rest, cp_a, _cp_b = await _map(csms, open_client)
    _, token = await a_driver(csms)
    await _status(csms, cp_a, 2, "Available")
    assert (await _nearby(csms, token, "&radius_m=10"))[1][0]["free"] == 2
    # a reservation on connector 1: reserved (counted occupied), shown "reserved" in the detail
    _f, code, body = await answer(cp_a, csms.post(f"/api/v1/admin/charge-points/{cp_a.cp_id}/commands/reserve-now",
                                                  {"connector_id": 1, "id_tag": "TAG-R"}), {"status": "Accepted"})
    assert code == 200, body
    card = (await _nearby(csms, token, "&radius_m=10"))[1][0]
    assert (card["free"], card["occupied"]) == (1, 1)
    _code, detail = await csms.get(f"/api/v1/driver/stations/{a['id']}", token=token)
    assert [(x["connector_id"], x["status"]) for x in detail["connectors"]] == [(1, "reserved"), (2, "free")]
    # a car plugged in (Preparing) with no transaction is still free; once a transaction runs, occupied
    await _status(csms, cp_a, 2, "Preparing")
    assert (await _nearby(csms, token, "&radius_m=10"))[1][0]["free"] == 1
    await csms.an_id_tag("TAG-S")
    await cp_a.result("StartTransaction", {"connectorId": 2, "idTag": "TAG-S", "meterStart": 0,
                                           "timestamp": "2026-01-01T00:00:00Z"})
    card = (await _nearby(csms, token, "&radius_m=10"))[1][0]
    assert (card["free"], card["occupied"]) == (0, 2)


async def test_station_detail_with_connectors_details_and_favourite(csms, open_client):
    a, *_rest, cp_a, _cp_b = await _map(csms, open_client)
    _uid, token = await a_driver(csms)
    code, body = await csms.put(f"/api/v1/admin/stations/{a['id']}/details",
                                {"opening_hours": "24h", "photos": ["https://img.example.com/a.jpg"]})
    assert code == 200 and body["opening_hours"] == "24h", body
    assert (await csms.put(f"/api/v1/admin/stations/{a['id']}/details", {"photos": ["ftp://x"]}))[0] == 400
    assert (await csms.put("/api/v1/admin/stations/999999/details", {"opening_hours": "x"}))[0] == 404
    assert (await csms.put(f"/api/v1/driver/favourites/{a['id']}", token=token))[0] == 204

    code, d = await csms.get(f"/api/v1/driver/stations/{a['id']}", token=token)
    assert code == 200, d
    assert (d["id"], d["timezone"], d["opening_hours"], d["photos"], d["favourite"]) == (
        a["id"], "Asia/Shanghai", "24h", ["https://img.example.com/a.jpg"], True)
    assert d["connectors"] == [
        {"charge_point_id": cp_a.cp_id, "connector_id": 1, "kind": "dc", "type": "CCS2", "max_power_w": 150000,
         "status": "free", "ocpp_status": "Available",
         "qr": f"{csms.container.settings.driver.qr_base_url}/{cp_a.cp_id}/1"},
        {"charge_point_id": cp_a.cp_id, "connector_id": 2, "kind": "ac", "type": "Type2", "max_power_w": 7000,
         "status": "occupied", "ocpp_status": "Charging",
         "qr": f"{csms.container.settings.driver.qr_base_url}/{cp_a.cp_id}/2"}]
    assert d["distance_m"] is None and (d["total"], d["free"]) == (2, 1)
    if getattr(csms.container, "tariffs", None) is None:
        assert (d["price_now"], d["tariff_today"], d["idle_fee_fen_per_min"]) == (None, [], None)
    # another driver sees no favourite; a missing station is 404; an operator token is refused
    _, other = await a_driver(csms)
    assert (await csms.get(f"/api/v1/driver/stations/{a['id']}", token=other))[1]["favourite"] is False
    assert (await csms.get("/api/v1/driver/stations/999999", token=token))[0] == 404
    assert (await csms.get(f"/api/v1/driver/stations/{a['id']}"))[0] == 403
    assert (await csms.get(f"/api/v1/driver/stations/{a['id']}", token=None))[0] == 401


async def test_a_201_evse_is_one_driver_connector(csms):
    st = await csms.a_station(name="EVSE site", **_at(0))
    cp = await csms.a_charge_point(station_id=st["id"])
    client = await RawClient.open(csms.ocpp_url, cp["id"], protocol="ocpp2.0.1")
    try:
        await client.result("BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "M",
                                                                                         "vendorName": "V"}})
        for evse, conn, status in ((1, 1, "Occupied"), (1, 2, "Available"), (2, 1, "Faulted"), (2, 2, "Unavailable")):
            await client.result("StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": status,
                                                       "evseId": evse, "connectorId": conn})
        await _connector(csms, cp["id"], 1, type="CCS2", max_power_w=120000)
        await csms.container.batch.flush()
        _, token = await a_driver(csms)
        _code, d = await csms.get(f"/api/v1/driver/stations/{st['id']}", token=token)
        assert [(x["connector_id"], x["status"], x["kind"], x["max_power_w"]) for x in d["connectors"]] == [
            (1, "free", "dc", 120000), (2, "unavailable", "ac", None)]
        assert (d["total"], d["free"], d["offline"], d["faulted"]) == (2, 1, 1, 0)
    finally:
        await client.close()


async def test_search_by_name_or_address(csms, open_client):
    a, _b, c, d, *_ = await _map(csms, open_client)
    _, token = await a_driver(csms)
    lat, lng = ORIGIN
    code, cards = await csms.get(f"/api/v1/driver/stations/search?q=Nanjing&lat={lat}&lng={lng}", token=token)
    assert code == 200 and [x["id"] for x in cards] == [a["id"], c["id"]], cards
    assert cards[1]["distance_m"] > 2900
    code, cards = await csms.get("/api/v1/driver/stations/search?q=Park", token=token)
    assert [x["id"] for x in cards] == [d["id"]] and cards[0]["distance_m"] is None
    assert (await csms.get("/api/v1/driver/stations/search?q=", token=token))[0] == 400


async def test_bad_queries_are_400(csms):
    _, token = await a_driver(csms)
    for query in ("", "lat=31", "lat=91&lng=121", "lat=31&lng=abc", "lat=31&lng=121&radius_m=0",
                  "lat=31&lng=121&radius_m=50001", "lat=31&lng=121&kind=x", "lat=31&lng=121&limit=101",
                  "lat=31&lng=121&free=maybe", "lat=nan&lng=121"):
        code, body = await csms.get(f"/api/v1/driver/stations/nearby?{query}", token=token)
        assert code == 400, (query, body)
        assert body["error"]["code"] in ("validation_error", "invalid_request"), body


async def test_connector_metadata_needs_a_known_charge_point(csms):
    assert (await csms.patch("/api/v1/admin/charge-points/NOPE/connectors/1", {"type": "CCS2"}))[0] == 404
    cp = await csms.a_charge_point()
    assert (await csms.patch(f"/api/v1/admin/charge-points/{cp['id']}/connectors/1", {}))[0] == 400
    assert (await csms.patch(f"/api/v1/admin/charge-points/{cp['id']}/connectors/1", {"max_power_w": -1}))[0] == 400
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp['id']}/connectors/3", {"type": "GBT_AC"})
    assert (code, body["kind"], body["status"], body["connector_id"]) == (200, "ac", "offline", 3), body
    _, cp_view = await csms.get(f"/api/v1/admin/charge-points/{cp['id']}")
    assert [(c["connector_id"], c["type"]) for c in cp_view["connectors"]] == [(3, "GBT_AC")]


async def test_reviews_and_rating_on_cards(csms):
    st = await csms.a_station(name="Rated", **_at(0))
    uid, token = await a_driver(csms, nickname="Ming")
    uid2, token2 = await a_driver(csms, nickname="Hong")
    o1 = await an_order(csms, uid, station_id=st["id"])
    o2 = await an_order(csms, uid2, station_id=st["id"], state="unpaid")
    assert (await csms.post(f"/api/v1/driver/orders/{o1}/rating", {"station_stars": 5, "experience_stars": 4,
                                                                    "comment": " great "}, token=token))[0] == 201
    assert (await csms.post(f"/api/v1/driver/orders/{o2}/rating", {"station_stars": 2, "experience_stars": 3},
                            token=token2))[0] == 201
    code, reviews = await csms.get(f"/api/v1/driver/stations/{st['id']}/reviews", token=token)
    assert code == 200
    assert [(r["order_id"], r["station_stars"], r["comment"], r["nickname"]) for r in reviews] == [
        (o2, 2, "", "Hong"), (o1, 5, "great", "Ming")]
    card = (await _nearby(csms, token, "&radius_m=10"))[1][0]
    assert card["rating"] == {"average": 3.5, "count": 2}
    assert (await csms.get("/api/v1/driver/stations/999999/reviews", token=token))[0] == 404


async def test_price_now_detail_tariff_and_max_price_with_a_tariff(csms, open_client):
    if getattr(csms.container, "tariffs", None) is None:
        import pytest
        pytest.skip("the tariffs feature is not installed")
    a, *_ = await _map(csms, open_client)
    spec = {"effective_from": "2020-01-01T00:00:00Z",
            "segments": [{"start": "00:00", "end": "24:00", "period": "flat"}],
            "prices": {"flat": {"energy_fen_per_kwh": 80, "service_fen_per_kwh": 40}},
            "idle_fee_fen_per_min": 10, "idle_grace_minutes": 15}
    code, body = await csms.put(f"/api/v1/admin/stations/{a['id']}/tariff", spec)
    assert code in (200, 201), body
    _, token = await a_driver(csms)
    cards = (await _nearby(csms, token))[1]
    price = cards[0]["price_now"]
    assert (price["period"], price["energy_fen_per_kwh"], price["service_fen_per_kwh"], price["total_fen_per_kwh"]) \
        == ("flat", 80, 40, 120)
    assert price["until"].endswith("Z")
    assert cards[1]["price_now"] is None
    assert [x["id"] for x in (await _nearby(csms, token, "&max_price_fen=120"))[1]] == [a["id"]]
    assert (await _nearby(csms, token, "&max_price_fen=119"))[1] == []
    _, d = await csms.get(f"/api/v1/driver/stations/{a['id']}", token=token)
    assert (d["idle_fee_fen_per_min"], d["idle_grace_minutes"]) == (10, 15)
    assert d["tariff_today"] == [{"start": "00:00", "end": "24:00", "period": "flat", "energy_fen_per_kwh": 80,
                                  "service_fen_per_kwh": 40, "total_fen_per_kwh": 120}]
    assert d["price_now"]["total_fen_per_kwh"] == 120
    cp_id = d["connectors"][0]["charge_point_id"]
    _, scan = await csms.get(f"/api/v1/driver/scan?qr={d['connectors'][0]['qr']}", token=token)
    assert (scan["charge_point_id"], scan["price_now"]["total_fen_per_kwh"]) == (cp_id, 120)


async def test_map_and_profile_queries_on_both_databases(csms_any_db, fresh_client):
    csms = csms_any_db
    a, b, c, _d, _cp_a, _cp_b = await _map(csms, fresh_client)
    uid, token = await a_driver(csms, nickname="Any")
    order = await an_order(csms, uid, station_id=a["id"])
    assert (await csms.post(f"/api/v1/driver/orders/{order}/rating", {"station_stars": 4, "experience_stars": 4},
                            token=token))[0] == 201
    code, cards, _ = await _nearby(csms, token, "&free=true")
    assert code == 200 and [x["id"] for x in cards] == [a["id"]], cards
    assert (cards[0]["free"], cards[0]["occupied"], cards[0]["rating"]) == (1, 1, {"average": 4.0, "count": 1})
    code, detail = await csms.get(f"/api/v1/driver/stations/{a['id']}", token=token)
    assert [x["status"] for x in detail["connectors"]] == ["free", "occupied"]
    assert [x["id"] for x in (await csms.get("/api/v1/driver/stations/search?q=Nanjing", token=token))[1]] == [
        a["id"], c["id"]]
    code, _v = await csms.post("/api/v1/driver/vehicles", {"plate": "粤B12345"}, token=token)
    assert code == 201 and (await csms.post("/api/v1/driver/vehicles", {"plate": "粤B12345"}, token=token))[0] == 409
    assert (await csms.put(f"/api/v1/driver/favourites/{b['id']}", token=token))[0] == 204
    assert (await csms.put(f"/api/v1/driver/favourites/{b['id']}", token=token))[0] == 204
    assert (await csms.put(f"/api/v1/admin/stations/{a['id']}/details", {"opening_hours": "8-22"}))[0] == 200
    assert (await csms.put(f"/api/v1/admin/stations/{a['id']}/details", {"photos": []}))[1]["opening_hours"] == "8-22"
