"""Access control over real HTTP (issue 16 item 6). The route table is walked: every driver endpoint that
names a record by id is called by driver A with driver B's ids (orders, sessions, payments, vehicles,
feedback, reservations) and answers 404, as if the record did not exist, and B's records stay as they
were; A's lists hold none of B's records. A driver endpoint with a path parameter that is in neither
table below, or a public endpoint not listed, fails the suite until someone decides its rule. (Each staff
role below an endpoint's permission gets 403: tests/e2e/test_roles_audit.py walks every staff route.)"""

from __future__ import annotations

from api.app import route_table
from api.routing import STAFF
from tests.e2e.test_driver_sessions import a_charger, a_driver
from tests.fakes_profile import an_order
from tests.support.driver import a_priced_station

# path of a driver endpoint -> the kind of B's record its {id} names, and a body that would pass validation
OWNED = {
    ("GET", "/api/v1/driver/sessions/{id}"): ("order", None),
    ("POST", "/api/v1/driver/sessions/{id}/stop"): ("order", None),
    ("PUT", "/api/v1/driver/sessions/{id}/stop-at"): ("order", {"energy_wh": 1000}),
    ("DELETE", "/api/v1/driver/reservations/{id}"): ("reservation", None),
    ("GET", "/api/v1/driver/orders/{id}"): ("order", None),
    ("POST", "/api/v1/driver/orders/{id}/pay"): ("order", None),
    ("GET", "/api/v1/driver/payments/{id}"): ("payment", None),
    ("POST", "/api/v1/driver/payments/{id}/sync"): ("payment", None),
    ("POST", "/api/v1/driver/payments/{id}/cancel"): ("payment", None),
    ("PATCH", "/api/v1/driver/vehicles/{id}"): ("vehicle", {"model": "taken"}),
    ("DELETE", "/api/v1/driver/vehicles/{id}"): ("vehicle", None),
    ("GET", "/api/v1/driver/feedback/{id}"): ("feedback", None),
    ("POST", "/api/v1/driver/orders/{id}/rating"): ("order", {"station_stars": 1, "experience_stars": 1}),
    ("POST", "/api/v1/driver/orders/{id}/invoice"): ("order", {"title_type": "personal", "title": "A",
                                                               "email": "a@example.com"}),
    ("GET", "/api/v1/driver/orders/{id}/invoice"): ("order", None),
}
# driver endpoints whose path names what is everyone's: stations and their reviews, a station as a favourite
SHARED = {("GET", "/api/v1/driver/stations/{id}"), ("GET", "/api/v1/driver/stations/{id}/reviews"),
          ("PUT", "/api/v1/driver/favourites/{station_id}"), ("DELETE", "/api/v1/driver/favourites/{station_id}")}
# endpoints anyone may call, and why each may
PUBLIC = {
    ("GET", "/healthz"): "liveness", ("GET", "/readyz"): "readiness",
    ("GET", "/metrics"): "private listener or api.metrics_token", ("POST", "/api/v1/auth/login"): "login",
    ("POST", "/api/v1/driver/auth/wx-login"): "login", ("POST", "/api/v1/driver/auth/refresh"): "refresh token",
    ("GET", "/api/v1/driver/config"): "mini-program start-up", ("GET", "/api/v1/console/config"): "console start-up",
    ("POST", "/api/v1/pay/wechat/notify"): "WeChat Pay signature", ("POST", "/api/v1/pay/wechat/refund-notify"):
    "WeChat Pay signature", ("GET", "/api/v1/uploads/{name}"): "unguessable content-addressed names",
    ("GET", "/api/v1/wechat/push"): "WeChat push signature", ("POST", "/api/v1/wechat/push"): "WeChat push signature",
}
# driver list endpoints: none of B's records in A's answer
LISTS = {"/api/v1/driver/orders": "order", "/api/v1/driver/vehicles": "vehicle", "/api/v1/driver/feedback": "feedback",
         "/api/v1/driver/reservations": "reservation"}


def test_every_route_has_an_access_rule():
    routes = route_table().routes
    unruled = [(r.method, r.path, r.auth) for r in routes
               if not (r.auth in (*STAFF, "driver") or r.auth is None and (r.method, r.path) in PUBLIC)]
    assert unruled == [], "endpoints without a rule: give them a permission or list them in PUBLIC with a reason"
    named = {(r.method, r.path) for r in routes if r.auth == "driver" and "{" in r.path}
    assert named - set(OWNED) - SHARED == set(), "driver endpoints naming a record: add them to OWNED (or SHARED)"
    assert set(OWNED) | SHARED <= named and set(PUBLIC) <= {(r.method, r.path) for r in routes}


async def _items(driver, path: str) -> list:
    status, body = await driver.get(path)
    assert status == 200, (path, body)
    return body["items"] if isinstance(body, dict) else body


async def test_driver_a_gets_404_for_every_record_of_driver_b(csms):
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "IDOR-1", station["id"]) as cp:
        a, b = await a_driver(csms, "ann"), await a_driver(csms, "bob", topup=2000)
        ids = {"order": await an_order(csms, b.id, station_id=station["id"])}
        _, payments = await csms.get(f"/api/v1/admin/payments?user_id={b.id}")
        ids["payment"] = payments[0]["id"]
        _, vehicle = await b.post("/api/v1/driver/vehicles", {"plate": "粤B12345"})
        ids["vehicle"] = vehicle["id"]
        _, feedback = await b.post("/api/v1/driver/feedback", {"category": "app", "content": "mine"})
        ids["feedback"] = feedback["id"]
        status, reservation = await b.post("/api/v1/driver/reservations",
                                           {"charge_point_id": cp.cp_id, "connector_id": 1}, signed=True)
        assert status == 201, reservation
        ids["reservation"] = reservation["id"]
        before = {path: await _items(b, path) for path in LISTS}

        for (method, path), (kind, body) in OWNED.items():
            target = path.replace("{id}", str(ids[kind]))
            status, answer = await a.request(method, target, body, signed=True)
            assert (status, (answer or {}).get("error", {}).get("code")) == (404, "not_found"), (method, target, answer)
        for path, kind in LISTS.items():
            assert ids[kind] not in [item["id"] for item in await _items(a, path)], path
        assert {path: await _items(b, path) for path in LISTS} == before          # B's records untouched
        status, mine = await b.get(f"/api/v1/driver/payments/{ids['payment']}")
        assert status == 200 and mine["state"] == "paid"
