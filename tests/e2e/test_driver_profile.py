"""The personal centre over the real API: vehicles (plates, one default), favourites, feedback with
uploaded photos and its operator lifecycle, order ratings; and that driver A can neither read nor
change driver B's records (404, as if they did not exist)."""

from __future__ import annotations

import aiohttp
import pytest

from api.routing import Route
from tests.fakes_profile import a_driver, an_order

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
uploads_wired = pytest.mark.skipif("raw_body" not in Route.__dataclass_fields__,
                                   reason="multipart needs Route.raw_body, honoured by api/app.py _wrap")


async def _upload(csms, token: str, data: bytes, filename: str = "p.png", field: str = "file"):
    form = aiohttp.FormData()
    form.add_field("note", "ignored")
    form.add_field(field, data, filename=filename, content_type="application/octet-stream")
    async with csms.http.post(csms.api_url + "/api/v1/driver/uploads", data=form,
                              headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json()


# -- vehicles --------------------------------------------------------------------------------------------
async def test_vehicles_plates_and_the_default(csms):
    _, token = await a_driver(csms)
    code, v1 = await csms.post("/api/v1/driver/vehicles", {"plate": "粤b·12345", "model": "BYD Han"}, token=token)
    assert code == 201, v1
    assert (v1["plate"], v1["model"], v1["is_default"], v1["connector_type"]) == ("粤B12345", "BYD Han", True, None)
    code, v2 = await csms.post("/api/v1/driver/vehicles", {"plate": "沪AD12345", "connector_type": "GBT_DC",
                                                           "is_default": True}, token=token)
    assert (code, v2["is_default"]) == (201, True), v2              # new-energy plate, 8 characters
    code, v3 = await csms.post("/api/v1/driver/vehicles", {"plate": "京A12345D"}, token=token)
    assert (code, v3["is_default"]) == (201, False), v3
    for bad in ("ABC123", "粤B1234", "粤BI2345", "粤B123456789", "X京12345"):
        code, body = await csms.post("/api/v1/driver/vehicles", {"plate": bad}, token=token)
        assert (code, body["error"]["code"], body["error"].get("field")) == (400, "validation_error", "plate"), bad
    code, body = await csms.post("/api/v1/driver/vehicles", {"plate": "粤B 12345"}, token=token)
    assert (code, body["error"]["code"]) == (409, "conflict")

    _, listed = await csms.get("/api/v1/driver/vehicles", token=token)
    assert [(v["id"], v["is_default"]) for v in listed] == [(v2["id"], True), (v1["id"], False), (v3["id"], False)]
    code, body = await csms.patch(f"/api/v1/driver/vehicles/{v1['id']}", {"is_default": True, "model": "Han EV"},
                                  token=token)
    assert (code, body["is_default"], body["model"]) == (200, True, "Han EV")
    assert (await csms.patch(f"/api/v1/driver/vehicles/{v3['id']}", {"plate": "沪AD12345"}, token=token))[0] == 409
    assert (await csms.request("DELETE", f"/api/v1/driver/vehicles/{v1['id']}", token=token))[0] == 204
    _, listed = await csms.get("/api/v1/driver/vehicles", token=token)
    assert [(v["id"], v["is_default"]) for v in listed] == [(v3["id"], True), (v2["id"], False)]  # newest promoted


async def test_another_drivers_vehicles_are_not_found(csms):
    _, a = await a_driver(csms)
    _, b = await a_driver(csms)
    _, v = await csms.post("/api/v1/driver/vehicles", {"plate": "粤B12345"}, token=a)
    assert (await csms.get("/api/v1/driver/vehicles", token=b))[1] == []
    assert (await csms.patch(f"/api/v1/driver/vehicles/{v['id']}", {"model": "x"}, token=b))[0] == 404
    assert (await csms.request("DELETE", f"/api/v1/driver/vehicles/{v['id']}", token=b))[0] == 404
    # the same plate is B's to register too (unique per driver)
    assert (await csms.post("/api/v1/driver/vehicles", {"plate": "粤B12345"}, token=b))[0] == 201
    _, mine = await csms.get("/api/v1/driver/vehicles", token=a)
    assert [(x["id"], x["model"]) for x in mine] == [(v["id"], "")]


# -- favourites ------------------------------------------------------------------------------------------
async def test_favourites(csms):
    s1 = await csms.a_station(name="One", lat=31.23, lng=121.47)
    s2 = await csms.a_station(name="Two", lat=31.24, lng=121.47)
    _, a = await a_driver(csms)
    _, b = await a_driver(csms)
    for sid in (s1["id"], s2["id"], s1["id"]):
        assert (await csms.put(f"/api/v1/driver/favourites/{sid}", token=a))[0] == 204
    assert (await csms.put("/api/v1/driver/favourites/999999", token=a))[0] == 404
    code, cards = await csms.get("/api/v1/driver/favourites?lat=31.23&lng=121.47", token=a)
    assert code == 200 and [(c["id"], c["distance_m"]) for c in cards] == [(s2["id"], 1112), (s1["id"], 0)]
    assert (await csms.get("/api/v1/driver/favourites", token=a))[1][0]["distance_m"] is None
    # B has none, and cannot remove A's
    assert (await csms.get("/api/v1/driver/favourites", token=b))[1] == []
    assert (await csms.request("DELETE", f"/api/v1/driver/favourites/{s1['id']}", token=b))[0] == 404
    assert (await csms.request("DELETE", f"/api/v1/driver/favourites/{s1['id']}", token=a))[0] == 204
    assert (await csms.request("DELETE", f"/api/v1/driver/favourites/{s1['id']}", token=a))[0] == 404
    assert [c["id"] for c in (await csms.get("/api/v1/driver/favourites", token=a))[1]] == [s2["id"]]


# -- feedback --------------------------------------------------------------------------------------------
async def test_feedback_lifecycle_and_scoping(csms):
    st = await csms.a_station()
    uid, a = await a_driver(csms)
    _, b = await a_driver(csms)
    order = await an_order(csms, uid, station_id=st["id"], state="charging")
    code, fb = await csms.post("/api/v1/driver/feedback", {"category": "fault", "content": "  Cable broken ",
                                                           "order_id": order}, token=a)
    assert code == 201, fb
    assert (fb["category"], fb["content"], fb["order_id"], fb["station_id"], fb["status"], fb["reply"], fb["photos"]) \
        == ("fault", "Cable broken", order, st["id"], "open", None, [])
    for bad in ({"category": "x", "content": "c"}, {"category": "app", "content": "   "},
                {"category": "app", "content": "c", "order_id": 999999},
                {"category": "app", "content": "c", "station_id": 999999},
                {"category": "app", "content": "c", "photos": ["https://elsewhere.example.com/p.png"]},
                {"category": "app", "content": "c", "photos": ["/api/v1/uploads/" + "a" * 32 + ".png"]}):
        assert (await csms.post("/api/v1/driver/feedback", bad, token=a))[0] == 400, bad
    # B's order is not A's to quote; B cannot see A's feedback
    assert (await csms.post("/api/v1/driver/feedback", {"category": "app", "content": "c", "order_id": order},
                            token=b))[0] == 400
    assert (await csms.get(f"/api/v1/driver/feedback/{fb['id']}", token=b))[0] == 404
    assert (await csms.get("/api/v1/driver/feedback", token=b))[1] == []
    code, mine = await csms.get(f"/api/v1/driver/feedback/{fb['id']}", token=a)
    assert (code, mine) == (200, fb)

    code, listed = await csms.get("/api/v1/admin/feedback?status=open")
    assert code == 200 and [(f["id"], f["user_id"]) for f in listed] == [(fb["id"], uid)]
    assert (await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "resolved"}))[0] == 409
    code, body = await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "processing",
                                                                         "reply": "On our way"})
    assert (code, body["status"], body["reply"]) == (200, "processing", "On our way"), body
    assert (await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "processing"}))[0] == 200
    assert (await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "closed"}))[0] == 409
    assert (await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "resolved"}))[1]["status"] == "resolved"
    assert (await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "closed"}))[1]["status"] == "closed"
    code, body = await csms.patch(f"/api/v1/admin/feedback/{fb['id']}", {"status": "open"})
    assert (code, body["error"]["code"]) == (409, "invalid_transition")
    assert (await csms.get(f"/api/v1/driver/feedback/{fb['id']}", token=a))[1]["reply"] == "On our way"
    # open -> closed directly
    _, other = await csms.post("/api/v1/driver/feedback", {"category": "other", "content": "thanks"}, token=a)
    assert (await csms.patch(f"/api/v1/admin/feedback/{other['id']}", {"status": "closed"}))[1]["status"] == "closed"
    assert (await csms.patch("/api/v1/admin/feedback/999999", {"status": "closed"}))[0] == 404
    assert (await csms.get("/api/v1/admin/feedback", token=a))[0] == 403
    _, all_ = await csms.get(f"/api/v1/admin/feedback?user_id={uid}")
    assert [f["id"] for f in all_] == [other["id"], fb["id"]]


@uploads_wired
async def test_uploads_and_feedback_photos(csms):
    _, a = await a_driver(csms)
    code, up = await _upload(csms, a, PNG)
    assert code == 201, up
    assert up["url"].endswith("/api/v1/uploads/" + up["name"]) and up["name"].endswith(".png")
    async with csms.http.get(csms.api_url + "/api/v1/uploads/" + up["name"]) as resp:     # public
        assert (resp.status, resp.content_type, await resp.read()) == (200, "image/png", PNG)
    code, jpg = await _upload(csms, a, JPEG, filename="x.png")     # the bytes decide, not the name
    assert code == 201 and jpg["name"].endswith(".jpg")
    assert (await _upload(csms, a, b"GIF89a" + b"\x00" * 10))[0] == 415
    assert (await _upload(csms, a, b""))[0] == 400
    assert (await _upload(csms, a, PNG, field="other"))[0] == 400
    code, body = await _upload(csms, a, PNG + b"\x00" * (5 * 1024 * 1024))
    assert (code, body["error"]["code"]) == (413, "file_too_large")
    assert (await csms.post("/api/v1/driver/uploads", {"file": "x"}, token=a))[0] == 400
    for name in ("nope.png", "../../etc/passwd", "a" * 32 + ".png"):
        assert (await csms.get("/api/v1/uploads/" + name, token=None))[0] == 404
    code, fb = await csms.post("/api/v1/driver/feedback", {"category": "station", "content": "see photo",
                                                           "photos": [up["url"], jpg["url"]]}, token=a)
    assert (code, fb["photos"]) == (201, [up["url"], jpg["url"]]), fb


# -- ratings ---------------------------------------------------------------------------------------------
async def test_rating_once_per_finished_order_of_the_caller(csms):
    st = await csms.a_station()
    uid, a = await a_driver(csms)
    _, b = await a_driver(csms)
    paid = await an_order(csms, uid, station_id=st["id"], state="paid")
    refunded = await an_order(csms, uid, station_id=st["id"], state="refunded")
    charging = await an_order(csms, uid, station_id=st["id"], state="charging")
    stars = {"station_stars": 4, "experience_stars": 5, "comment": "ok"}
    assert (await csms.post(f"/api/v1/driver/orders/{paid}/rating", stars, token=b))[0] == 404
    assert (await csms.post(f"/api/v1/driver/orders/{charging}/rating", stars, token=a))[0] == 404
    assert (await csms.post("/api/v1/driver/orders/999999/rating", stars, token=a))[0] == 404
    code, body = await csms.post(f"/api/v1/driver/orders/{paid}/rating", stars, token=a)
    assert code == 201 and (body["order_id"], body["station_id"], body["station_stars"]) == (paid, st["id"], 4)
    code, body = await csms.post(f"/api/v1/driver/orders/{paid}/rating", stars, token=a)
    assert (code, body["error"]["code"]) == (409, "already_rated")
    assert (await csms.post(f"/api/v1/driver/orders/{refunded}/rating", {"station_stars": 1, "experience_stars": 1},
                            token=a))[0] == 201
    for bad in ({"station_stars": 0, "experience_stars": 5}, {"station_stars": 6, "experience_stars": 5},
                {"station_stars": 5}, {"station_stars": 5, "experience_stars": 5, "comment": "x" * 501}):
        assert (await csms.post(f"/api/v1/driver/orders/{charging}/rating", bad, token=a))[0] == 400, bad
    assert await csms.container.profile.ratings.rated([paid, refunded, charging]) == {paid, refunded}
    # the driver's order views say which are rated, one by one and in the list
    _, one = await csms.get(f"/api/v1/driver/orders/{paid}", token=a)
    _, listed = await csms.get("/api/v1/driver/orders", token=a)
    assert one["rated"] is True
    assert {o["id"]: o["rated"] for o in listed} == {paid: True, refunded: True, charging: False}
