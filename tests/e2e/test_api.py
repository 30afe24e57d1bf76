"""The REST API over real HTTP: the contract's endpoints, status codes and error format, and bad
input of every kind answered with a 4xx JSON error, never a 500."""

from __future__ import annotations

import re

import asyncio
import json
import time
import uuid

import jwt
import pytest

from api.app import route_table
from tests.e2e.helpers import a_time, eventually, new_id
from tests.support.server import ADMIN

TEST_SECRET = "test-secret-" + "x" * 32      # CSMS_JWT_SECRET in tests/support/server.py

# Tests that look at nothing server-wide share one server and run in the module's event loop (see
# shared_csms in conftest.py); those that count or list everything, or delete by guessed ids, get a
# server of their own (@own_server with csms_with / csms_any_db and fresh_client).
pytestmark = pytest.mark.asyncio(loop_scope="module")
own_server = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


async def _raw(csms, method: str, path: str, data: bytes | None = None, headers: dict | None = None,
               token: bool = True):
    """(status, headers, parsed JSON body or None, raw text) for requests Csms.request cannot make."""
    h = {**(csms.auth if token else {}), **(headers or {})}
    async with csms.http.request(method, csms.api_url + path, data=data, headers=h) as resp:
        text = await resp.text()
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            body = None
        return resp.status, resp.headers, body, text


def _is_error(body, code: str | None = None) -> bool:
    ok = (isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"].get("code"), str)
          and isinstance(body["error"].get("message"), str) and body["error"]["message"] != "")
    return ok and (code is None or body["error"]["code"] == code)


def _token(secret: str = TEST_SECRET, **claims) -> str:
    now = int(time.time())
    base = {"sub": "1", "role": "admin", "kind": "operator", "iss": "csms", "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


# -- authentication ---------------------------------------------------------------------------------

async def test_login(csms):
    code, body = await csms.post("/api/v1/auth/login", {"username": ADMIN[0], "password": ADMIN[1]}, token=None)
    assert code == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "role", "permissions"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["role"] == "admin" and body["permissions"] == ["admin", "finance", "operator", "viewer"]
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"], issuer="csms")
    assert claims["role"] == "admin" and claims["exp"] - claims["iat"] == 3600
    code, _ = await csms.get("/api/v1/admin/stations", token=body["access_token"])
    assert code == 200


@pytest.mark.parametrize("username, password", [(ADMIN[0], "wrong-password"), ("nobody", ADMIN[1]),
                                                (ADMIN[0].upper(), ADMIN[1])])
async def test_login_with_wrong_credentials_is_401(csms, username, password):
    code, body = await csms.post("/api/v1/auth/login", {"username": username, "password": password}, token=None)
    assert code == 401 and _is_error(body, "invalid_credentials"), body


async def test_no_token_is_401(csms):
    for path in ("/api/v1/admin/stations", "/api/v1/admin/charge-points", "/api/v1/admin/transactions",
                 "/api/v1/admin/id-tags"):
        code, body = await csms.get(path, token=None)
        assert code == 401 and _is_error(body, "unauthorized"), (path, body)
    code, body = await csms.post("/api/v1/admin/stations", {"name": "x"}, token=None)
    assert code == 401 and _is_error(body, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Token abc", "garbage"])
async def test_malformed_authorization_header_is_401(csms, header):
    code, body = await csms.get("/api/v1/admin/stations", token=None, headers={"Authorization": header})
    assert code == 401 and _is_error(body, "unauthorized"), body


@pytest.mark.parametrize("token", [
    "garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.",
    jwt.encode({"sub": "1", "role": "admin", "kind": "operator", "iss": "csms", "exp": int(time.time()) + 600},
               "another-secret-" + "y" * 32, algorithm="HS256"),
    jwt.encode({"sub": "1", "role": "admin", "kind": "operator", "iss": "elsewhere", "exp": int(time.time()) + 600},
               TEST_SECRET, algorithm="HS256"),
    jwt.encode({"sub": "1", "role": "admin", "kind": "operator", "iss": "csms"}, TEST_SECRET, algorithm="HS256"),
], ids=["garbage", "three_dots", "alg_none_like", "wrong_secret", "wrong_issuer", "no_expiry"])
async def test_invalid_token_is_401(csms, token):
    code, body = await csms.get("/api/v1/admin/stations", token=token)
    assert code == 401 and _is_error(body, "invalid_token"), body


async def test_expired_token_is_401_token_expired(csms):
    assert csms.container.jwt_secret == TEST_SECRET
    past = int(time.time()) - 7200
    token = jwt.encode({"sub": "1", "role": "admin", "kind": "operator", "iss": "csms", "iat": past, "exp": past + 60},
                       TEST_SECRET, algorithm="HS256")
    code, body = await csms.get("/api/v1/admin/stations", token=token)
    assert code == 401 and _is_error(body, "token_expired"), body
    # a freshly minted token with the same secret is fine
    code, _ = await csms.get("/api/v1/admin/stations", token=_token())
    assert code == 200


async def test_token_of_another_kind_is_403(csms):
    code, body = await csms.get("/api/v1/admin/stations", token=_token(kind="driver"))
    assert code == 403 and _is_error(body, "forbidden")
    code, body = await csms.get("/api/v1/admin/stations", token=_token(role="superuser"))
    assert code == 403 and _is_error(body, "forbidden")


async def test_operator_and_admin_roles(csms):
    name = f"op-{uuid.uuid4().hex[:6]}"
    code, op = await csms.post("/api/v1/admin/operators", {"username": name, "password": "operator-pass-1"})
    assert code == 201 and (op["username"], op["role"], op["active"]) == (name, "operator", True)
    assert isinstance(op["id"], int)
    code, body = await csms.post("/api/v1/admin/operators", {"username": name, "password": "operator-pass-1"})
    assert code == 409 and _is_error(body, "conflict")

    code, login = await csms.post("/api/v1/auth/login", {"username": name, "password": "operator-pass-1"}, token=None)
    assert code == 200
    operator = login["access_token"]
    code, body = await csms.post("/api/v1/admin/operators", {"username": name + "x", "password": "operator-pass-2"},
                                 token=operator)
    assert code == 403 and _is_error(body, "forbidden")
    # operator endpoints are open to operators
    code, _ = await csms.get("/api/v1/admin/charge-points", token=operator)
    assert code == 200
    code, _station = await csms.post("/api/v1/admin/stations", {"name": "By an operator"}, token=operator)
    assert code == 201


@pytest.mark.parametrize("body", [{"username": "x", "password": "short"}, {"username": "bad name!", "password": "long-enough"},
                                  {"username": "ok", "password": "long-enough", "role": "root"}, {"username": "ok"}])
async def test_create_operator_with_bad_input_is_400(csms, body):
    code, answer = await csms.post("/api/v1/admin/operators", body)
    assert code == 400 and _is_error(answer, "validation_error"), answer


# -- request validation -------------------------------------------------------------------------------

async def test_invalid_json_body_is_400(csms):
    for data in (b"{", b"{'name': 'single quotes'}", b"name=x", b"\xff\xfe\x00", b'{"name": NaN}'):
        status, _, body, _ = await _raw(csms, "POST", "/api/v1/admin/stations", data,
                                        {"Content-Type": "application/json"})
        assert status == 400 and _is_error(body, "invalid_json"), (data, body)


@pytest.mark.parametrize("body, field", [
    ({"name": 5}, "name"), ({"name": "x", "lat": "31.2"}, "lat"), ({"name": "x", "lng": True}, "lng"),
    ({"name": ["x"]}, "name"), ({"name": None}, "name"),
])
async def test_wrong_types_are_400_naming_the_field(csms, body, field):
    code, answer = await csms.post("/api/v1/admin/stations", body)
    assert code == 400 and _is_error(answer, "validation_error"), answer
    assert answer["error"]["field"] == field


async def test_missing_and_unknown_fields_are_400(csms):
    code, body = await csms.post("/api/v1/admin/stations", {"address": "no name"})
    assert code == 400 and _is_error(body, "validation_error") and "name" in body["error"]["message"]
    code, body = await csms.post("/api/v1/admin/stations", {"name": "x", "colour": "blue"})
    assert code == 400 and _is_error(body, "validation_error") and "colour" in body["error"]["message"]
    code, body = await csms.post("/api/v1/admin/charge-points", {"station_id": None})
    assert code == 400 and _is_error(body, "validation_error")
    code, body = await csms.put("/api/v1/admin/id-tags/TAG-1", {})
    assert code == 400 and _is_error(body, "validation_error")
    for not_an_object in ([], "x", 1, None):
        code, body = await csms.request("POST", "/api/v1/admin/stations", json=not_an_object)
        assert code == 400 and _is_error(body), (not_an_object, body)


async def test_unknown_route_is_404_json(csms):
    for path in ("/api/v1/nothing-here", "/api/v2/admin/stations", "/", "/api/v1/admin/stations/1/nope"):
        status, _, body, _ = await _raw(csms, "GET", path)
        assert status == 404 and _is_error(body, "not_found"), (path, body)


async def test_wrong_method_is_405_json(csms):
    for method, path in (("DELETE", "/api/v1/auth/login"), ("PUT", "/api/v1/admin/stations"),
                         ("POST", "/healthz"), ("PATCH", "/api/v1/admin/transactions")):
        status, headers, body, _ = await _raw(csms, method, path)
        assert status == 405 and _is_error(body, "method_not_allowed"), (method, path, body)
        assert "Allow" in headers


async def test_oversized_body_is_413_json(csms):
    status, _, body, _ = await _raw(csms, "POST", "/api/v1/admin/stations",
                                    b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}', {"Content-Type": "application/json"})
    assert status == 413 and _is_error(body, "payload_too_large"), body


JUNK_BODIES = [b"", b"null", b"[]", b'"text"', b"0", b"true", b"{}", b"[" * 5000, b'{"a":' * 2000,
               b'{"name": "\\ud800"}', b'{"name": "x", "lat": 1e400}', b'{"name": "x"}{"name": "y"}',
               b'{"id": "CP 1"}', b'{"id": "' + b"x" * 100 + b'"}', b'{"id": "J-1", "station_id": 9223372036854775808}',
               b'{"id": "J-2", "station_id": 99999999999999999999999999}', b'{"id": "J-3", "station_id": -1}',
               b'{"id": "J-4", "security_profile": 99}', b'{"id": "J-5", "password": ""}',
               b'{"status": "Accepted", "expiry_date": "9999-12-31T23:59:59-14:00"}',
               b'{"status": "Accepted", "expiry_date": "0001-01-01T00:00:00+14:00"}',
               b'{"status": "Accepted", "expiry_date": "2026-02-30T00:00:00Z"}',
               b'{"transaction_id": 9223372036854775808}', b'{"transaction_id": -9223372036854775809}',
               b'{"username": "' + b"u" * 5000 + b'", "password": "p"}', b'{"name": "\\u0000"}',
               b'{"type": "Hard", "type": "Soft"}', b'{"connector_id": 1e308}', b'{"keys": [null]}']
JUNK_QUERIES = ["limit=abc", "limit=-1", "limit=0", "limit=100000", "limit=1e3", "offset=-5", "offset=abc",
                "offset=9223372036854775808", "offset=99999999999999999999999", "station_id=abc",
                "station_id=9223372036854775808", "station_id=-99999999999999999999999", "online=maybe",
                "status=Sideways", "since=yesterday", "since=2026-99-99", "until=9999-12-31T23:59:59-14:00",
                "since=0001-01-01T00:00:00%2B14:00", "direction=sideways", "q=%00%ff", "limit=%00", "limit=1&limit=x",
                "charge_point_id=" + "c" * 500, "id_tag=%27%3B--"]


async def test_junk_input_never_gets_a_500(csms, open_client):
    client = await open_client(csms)        # a live charge point, so commands get past the offline check
    cp_id = client.cp_id
    station = await csms.a_station()
    targets = [("POST", "/api/v1/auth/login"), ("POST", "/api/v1/admin/operators"),
               ("POST", "/api/v1/admin/stations"), ("PATCH", f"/api/v1/admin/stations/{station['id']}"),
               ("POST", "/api/v1/admin/charge-points"), ("PATCH", f"/api/v1/admin/charge-points/{cp_id}"),
               ("PUT", "/api/v1/admin/id-tags/JUNK-TAG"),
               *[("POST", f"/api/v1/admin/charge-points/{cp_id}/commands/{name}")
                 for name in ("remote-stop", "reset", "unlock", "get-configuration", "change-availability")],
               ("POST", f"/api/v1/admin/charge-points/{cp_id}/calls/Reset")]
    failures = []

    async def refuse_every_call():           # junk that gets through validation is refused by the charge point
        while True:
            frame = json.loads(await client.ws.recv())
            if frame[0] == 2:
                await client.send([4, frame[1], "NotSupported", "junk", {}])

    async def check(method, path, data=None, headers=None):
        status, _, body, text = await _raw(csms, method, path, data, headers)
        if status == 500 or (status >= 400 and not _is_error(body)) or status not in (200, 201, 204, 400, 401,
                                                                                          403, 404, 405, 409, 413, 502):
            failures.append((method, path[:80], (data or b"")[:60], status, text[:120]))

    responder = asyncio.ensure_future(refuse_every_call())

    for method, path in targets:
        for data in JUNK_BODIES:
            await check(method, path, data, {"Content-Type": "application/json"})
    for path in ("/api/v1/admin/stations", "/api/v1/admin/charge-points", "/api/v1/admin/transactions",
                 "/api/v1/admin/id-tags", f"/api/v1/admin/charge-points/{cp_id}/messages"):
        for q in JUNK_QUERIES:
            await check("GET", f"{path}?{q}")
    for path in ("/api/v1/admin/stations/abc", "/api/v1/admin/stations/-1", "/api/v1/admin/stations/1.5",
                 "/api/v1/admin/stations/9223372036854775808", "/api/v1/admin/stations/99999999999999999999999",
                 "/api/v1/admin/transactions/9223372036854775808", "/api/v1/admin/transactions/99999999999999999999",
                 "/api/v1/admin/charge-points/%00", "/api/v1/admin/charge-points/" + "x" * 2000,
                 "/api/v1/admin/id-tags/" + "t" * 40, "/api/v1/admin/id-tags/%20", "/api/v1/admin/charge-points/..%2F..",
                 f"/api/v1/admin/charge-points/{cp_id}/calls/" + "A" * 100):
        await check("GET", path)
        await check("DELETE", path)
    responder.cancel()
    assert not failures, "\n".join(map(repr, failures))
    # and the server is still fine, the charge point still connected
    assert (await client.call("Heartbeat", {}))[0] == 3


# -- stations ---------------------------------------------------------------------------------------

@own_server
async def test_stations_crud(csms_any_db):
    csms = csms_any_db
    code, created = await csms.post("/api/v1/admin/stations", {"name": "Hongqiao P3", "address": "Shenhong Rd",
                                                               "lat": 31.1979, "lng": 121.336})
    assert code == 201
    assert (created["name"], created["address"], created["lat"], created["lng"]) == \
        ("Hongqiao P3", "Shenhong Rd", 31.1979, 121.336)
    assert created["coordinate_system"] == "GCJ-02" and created["timezone"] == "Asia/Shanghai"
    assert created["created_at"].endswith("Z") and isinstance(created["id"], int)
    sid = created["id"]

    code, got = await csms.get(f"/api/v1/admin/stations/{sid}")
    assert (code, got) == (200, created)
    code, patched = await csms.patch(f"/api/v1/admin/stations/{sid}", {"name": "Hongqiao P4", "timezone": "Asia/Urumqi",
                                                                       "lat": None})
    assert code == 200
    assert (patched["name"], patched["timezone"], patched["lat"], patched["lng"]) == \
        ("Hongqiao P4", "Asia/Urumqi", None, 121.336)

    other = await csms.a_station(name="Pudong T2")
    code, found = await csms.get("/api/v1/admin/stations?q=Hongqiao")
    assert code == 200 and [s["id"] for s in found] == [sid]
    status, headers, listed, _ = await _raw(csms, "GET", "/api/v1/admin/stations?limit=1&offset=1")
    assert status == 200 and isinstance(listed, list) and len(listed) == 1
    assert headers["X-Total-Count"] == "2" and listed[0]["id"] == other["id"]

    code, _ = await csms.request("DELETE", f"/api/v1/admin/stations/{sid}")
    assert code == 204
    code, body = await csms.get(f"/api/v1/admin/stations/{sid}")
    assert code == 404 and _is_error(body, "not_found")
    code, body = await csms.request("DELETE", f"/api/v1/admin/stations/{sid}")
    assert code == 404 and _is_error(body, "not_found")


@own_server
async def test_station_coordinates_keep_their_precision(csms_any_db, request):
    """GCJ-02 coordinates with 6 decimals (about 0.1 m) come back as given."""
    csms = csms_any_db
    code, created = await csms.post("/api/v1/admin/stations", {"name": "People's Square", "lat": 31.232317,
                                                               "lng": 121.473701})
    assert code == 201
    code, got = await csms.get(f"/api/v1/admin/stations/{created['id']}")
    assert (got["lat"], got["lng"]) == (31.232317, 121.473701)


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "timezone": "Mars/Olympus_Mons"}, "timezone"), ({"name": "x", "timezone": "../etc/passwd"}, "timezone"),
    ({"name": "x", "lat": 90.0001}, "lat"), ({"name": "x", "lat": -91}, "lat"), ({"name": "x", "lng": 180.5}, "lng"),
    ({"name": "x", "lng": -181}, "lng"), ({"name": ""}, "name"), ({"name": "n" * 129}, "name"),
])
async def test_station_with_bad_values_is_400(csms, body, field):
    code, answer = await csms.post("/api/v1/admin/stations", body)
    assert code == 400 and _is_error(answer, "validation_error"), answer
    assert answer["error"]["field"] == field


async def test_station_patch_needs_something_and_an_existing_station(csms):
    station = await csms.a_station()
    code, body = await csms.patch(f"/api/v1/admin/stations/{station['id']}", {})
    assert code == 400 and _is_error(body, "validation_error")
    code, body = await csms.patch(f"/api/v1/admin/stations/{station['id']}", {"timezone": "Nowhere/Town"})
    assert code == 400 and _is_error(body, "validation_error")
    code, body = await csms.patch("/api/v1/admin/stations/987654", {"name": "ghost"})
    assert code == 404 and _is_error(body, "not_found")
    code, body = await csms.get("/api/v1/admin/stations/not-a-number")
    assert code == 404 and _is_error(body, "not_found")


# -- charge points ----------------------------------------------------------------------------------

@own_server
async def test_charge_points_crud(csms_any_db):
    csms = csms_any_db
    station = await csms.a_station()
    cp_id = new_id("CRUD")
    code, cp = await csms.post("/api/v1/admin/charge-points", {"id": cp_id, "station_id": station["id"]})
    assert code == 201
    assert (cp["id"], cp["station_id"], cp["online"], cp["registration_status"], cp["security_profile"],
            cp["has_password"], cp["connectors"]) == (cp_id, station["id"], False, "Accepted", 0, False, [])
    for key in ("protocol", "vendor", "model", "firmware_version", "last_seen"):
        assert cp[key] is None
    assert "password" not in cp and "password_hash" not in cp

    code, body = await csms.post("/api/v1/admin/charge-points", {"id": cp_id})
    assert code == 409 and _is_error(body, "conflict")
    code, body = await csms.post("/api/v1/admin/charge-points", {"id": new_id(), "station_id": 987654})
    assert code == 400 and _is_error(body, "unknown_station") and body["error"]["field"] == "station_id"

    code, got = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert (code, got) == (200, cp)
    code, patched = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}",
                                     {"password": "a-password-1", "security_profile": 1,
                                      "registration_status": "Pending", "station_id": None})
    assert code == 200
    assert (patched["has_password"], patched["security_profile"], patched["registration_status"],
            patched["station_id"]) == (True, 1, "Pending", None)
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}", {"station_id": 987654})
    assert code == 400 and _is_error(body, "unknown_station")
    code, body = await csms.patch("/api/v1/admin/charge-points/NO-SUCH-CP", {"security_profile": 0})
    assert code == 404 and _is_error(body, "not_found")
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{cp_id}", {})
    assert code == 400 and _is_error(body, "validation_error")

    code, _ = await csms.request("DELETE", f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 204
    code, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 404 and _is_error(body, "not_found")


@pytest.mark.parametrize("body", [
    {"id": ""}, {"id": "has space"}, {"id": "slash/inside"}, {"id": "x" * 49}, {"id": 7},
    {"id": "OK-1", "security_profile": 4}, {"id": "OK-1", "security_profile": -1},
    {"id": "OK-1", "registration_status": "Maybe"}, {"id": "OK-1", "password": ""},
    {"id": "OK-1", "password": "p" * 65}, {"id": "OK-1", "station_id": "1"},
])
async def test_charge_point_with_bad_values_is_400(csms, body):
    code, answer = await csms.post("/api/v1/admin/charge-points", body)
    assert code == 400 and _is_error(answer, "validation_error"), answer


@own_server
async def test_charge_point_list_filters_and_paging(csms_with, fresh_client):
    csms, open_client = await csms_with(), fresh_client
    a, b = await csms.a_station(name="A"), await csms.a_station(name="B")
    in_a = [new_id("A") for _ in range(3)]
    for cp_id in in_a:
        await csms.a_charge_point(cp_id, station_id=a["id"])
    in_b = new_id("B")
    await csms.a_charge_point(in_b, station_id=b["id"])
    await open_client(csms, in_a[1], register=False)

    status, headers, page, _ = await _raw(csms, "GET", f"/api/v1/admin/charge-points?station_id={a['id']}&limit=2")
    assert status == 200 and isinstance(page, list)
    assert (headers["X-Total-Count"], headers["X-Limit"], headers["X-Offset"]) == ("3", "2", "0")
    assert [cp["id"] for cp in page] == sorted(in_a)[:2]
    status, headers, page, _ = await _raw(csms, "GET",
                                          f"/api/v1/admin/charge-points?station_id={a['id']}&limit=2&offset=2")
    assert [cp["id"] for cp in page] == sorted(in_a)[2:] and headers["X-Total-Count"] == "3"

    code, online = await csms.get(f"/api/v1/admin/charge-points?station_id={a['id']}&online=true")
    assert code == 200 and [cp["id"] for cp in online] == [in_a[1]] and online[0]["online"] is True
    status, headers, offline, _ = await _raw(csms, "GET",
                                             f"/api/v1/admin/charge-points?station_id={a['id']}&online=false")
    assert sorted(cp["id"] for cp in offline) == sorted([in_a[0], in_a[2]]) and headers["X-Total-Count"] == "2"
    code, only_b = await csms.get(f"/api/v1/admin/charge-points?station_id={b['id']}")
    assert [cp["id"] for cp in only_b] == [in_b]
    status, headers, everything, _ = await _raw(csms, "GET", "/api/v1/admin/charge-points")
    assert headers["X-Total-Count"] == "4" and len(everything) == 4
    for bad in ("limit=0", "limit=501", "offset=-1", "online=perhaps", "station_id=x"):
        code, body = await csms.get(f"/api/v1/admin/charge-points?{bad}")
        assert code == 400 and _is_error(body), (bad, body)


# -- id tags ----------------------------------------------------------------------------------------

@own_server
async def test_id_tags(csms_with):
    csms = await csms_with()
    code, created = await csms.put("/api/v1/admin/id-tags/CARD-0001", {"status": "Accepted",
                                                                       "expiry_date": "2030-06-01T12:00:00+08:00",
                                                                       "group_id": "FLEET"})
    assert code == 201
    assert created == {"id_tag": "CARD-0001", "status": "Accepted", "expiry_date": "2030-06-01T04:00:00.000Z",
                       "group_id": "FLEET"}
    code, replaced = await csms.put("/api/v1/admin/id-tags/CARD-0001", {"status": "Blocked"})
    assert code == 200
    assert replaced == {"id_tag": "CARD-0001", "status": "Blocked", "expiry_date": None, "group_id": None}
    code, got = await csms.get("/api/v1/admin/id-tags/CARD-0001")
    assert (code, got) == (200, replaced)

    await csms.an_id_tag("CARD-0002")
    await csms.an_id_tag("CARD-0003", status="Expired")
    code, blocked = await csms.get("/api/v1/admin/id-tags?status=Blocked")
    assert code == 200 and [t["id_tag"] for t in blocked] == ["CARD-0001"]
    _status, headers, everything, _ = await _raw(csms, "GET", "/api/v1/admin/id-tags?limit=2")
    assert [t["id_tag"] for t in everything] == ["CARD-0001", "CARD-0002"] and headers["X-Total-Count"] == "3"
    code, body = await csms.get("/api/v1/admin/id-tags?status=Lost")
    assert code == 400 and _is_error(body)

    code, _ = await csms.request("DELETE", "/api/v1/admin/id-tags/CARD-0001")
    assert code == 204
    code, body = await csms.get("/api/v1/admin/id-tags/CARD-0001")
    assert code == 404 and _is_error(body, "not_found")
    code, body = await csms.request("DELETE", "/api/v1/admin/id-tags/CARD-0001")
    assert code == 404 and _is_error(body, "not_found")


@pytest.mark.parametrize("tag, body", [
    ("CARD-1", {"status": "Lost"}), ("CARD-1", {"status": "Accepted", "expiry_date": "next week"}),
    ("CARD-1", {"status": "Accepted", "group_id": "g" * 37}), ("CARD-1", {"status": "Accepted", "colour": "red"}),
    ("T" * 37, {"status": "Accepted"}),
])
async def test_id_tag_with_bad_values_is_400(csms, tag, body):
    code, answer = await csms.put(f"/api/v1/admin/id-tags/{tag}", body)
    assert code == 400 and _is_error(answer, "validation_error"), answer


# -- transactions -----------------------------------------------------------------------------------

@own_server
async def test_transaction_list_filters(csms_with, fresh_client):
    csms, open_client = await csms_with(), fresh_client
    one, two = await open_client(csms), await open_client(csms)
    tag = await csms.an_id_tag()
    done = await one.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                 "timestamp": a_time(0)})
    await one.result("StopTransaction", {"transactionId": done["transactionId"], "meterStop": 10,
                                         "timestamp": a_time(5)})
    active = await one.result("StartTransaction", {"connectorId": 2, "idTag": tag, "meterStart": 0,
                                                   "timestamp": a_time(6)})
    elsewhere = await two.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                      "timestamp": a_time(7)})

    async def ids(query: str) -> list[int]:
        code, body = await csms.get(f"/api/v1/admin/transactions?{query}")
        assert code == 200 and isinstance(body, list), body
        return [t["id"] for t in body]

    assert await ids(f"charge_point_id={one.cp_id}") == [active["transactionId"], done["transactionId"]]
    assert await ids(f"charge_point_id={one.cp_id}&status=Active") == [active["transactionId"]]
    assert await ids(f"charge_point_id={one.cp_id}&status=Completed") == [done["transactionId"]]
    assert await ids(f"charge_point_id={one.cp_id}&status=completed") == [done["transactionId"]]
    assert await ids(f"charge_point_id={two.cp_id}") == [elsewhere["transactionId"]]
    assert await ids("status=Active") == [elsewhere["transactionId"], active["transactionId"]]
    assert await ids("charge_point_id=NOBODY") == []
    assert await ids(f"since={a_time(6)}&until={a_time(7)}") == [active["transactionId"]]
    _status, headers, page, _ = await _raw(csms, "GET", "/api/v1/admin/transactions?limit=1")
    assert headers["X-Total-Count"] == "3" and len(page) == 1

    code, body = await csms.get("/api/v1/admin/transactions?status=Paused")
    assert code == 400 and _is_error(body)
    code, body = await csms.get("/api/v1/admin/transactions/987654")
    assert code == 404 and _is_error(body, "not_found")

    code, tx = await csms.get(f"/api/v1/admin/transactions/{done['transactionId']}")
    for key in ("id", "charge_point_id", "connector_id", "id_tag", "status", "started_at", "stopped_at",
                "meter_start_wh", "meter_stop_wh", "energy_wh", "stop_reason", "meter_values"):
        assert key in tx


# -- operations -------------------------------------------------------------------------------------

async def test_health_and_readiness(csms):
    code, body = await csms.get("/healthz", token=None)
    assert (code, body) == (200, {"status": "ok"})
    code, body = await csms.get("/readyz", token=None)
    assert (code, body) == (200, {"status": "ok"})


async def test_metrics(csms, open_client):
    client = await open_client(csms)
    await client.call("Heartbeat", {})
    status, headers, _, text = await _raw(csms, "GET", "/metrics", token=False)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "# TYPE csms_ocpp_messages_total counter" in text
    assert "# TYPE csms_connected_charge_points gauge" in text
    assert 'csms_connected_charge_points{protocol="ocpp1.6"}' in text
    assert 'csms_ocpp_messages_total{action="Heartbeat",direction="in",kind="call",version="ocpp1.6"}' in text


async def test_openapi_document_lists_every_route(csms):
    code, spec = await csms.get("/api/v1/openapi.json", token=None)
    assert code == 200
    assert spec["openapi"].startswith("3.1")
    import openapi_spec_validator        # a test dependency (setup.cfg [test])
    openapi_spec_validator.validate(spec)

    expected: dict[str, set[str]] = {}
    for route in route_table().routes:
        expected.setdefault(route.path, set()).add(route.method.lower())
    documented = {path: {m for m in ops if m in ("get", "post", "put", "patch", "delete")}
                  for path, ops in spec["paths"].items()}
    for path, methods in expected.items():
        assert path in documented, f"{path} missing from the OpenAPI document"
        assert methods <= documented[path], (path, methods, documented[path])
    assert "/api/v1/openapi.json" in documented
    assert "bearer" in spec["components"]["securitySchemes"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["responses"] and op["operationId"], (path, method)


@own_server
async def test_every_documented_route_exists(csms_with):
    """No phantom documentation: each documented (path, method) is served (anything but 404/405)."""
    csms = await csms_with()
    _code, spec = await csms.get("/api/v1/openapi.json", token=None)
    for path, ops in spec["paths"].items():
        concrete = path.replace("{id}", "1").replace("{id_tag}", "TAG").replace("{action}", "Reset")
        concrete = re.sub(r"\{[a-z_]+\}", "1", concrete)
        for method in ops:
            status, _, body, _ = await _raw(csms, method.upper(), concrete, b"{}", {"Content-Type": "application/json"})
            assert status != 405, (method, path)
            if path.startswith("/api/v1/pay/wechat/"):   # WeChat Pay's own answer format: {code, message}
                assert status < 400 or body["code"] == "FAIL", (method, path, body)
                continue
            assert _is_error(body) or status < 400, (method, path, body)
            if status == 404:        # a missing record, not a missing route
                assert "no route" not in body["error"]["message"], (method, path, body)


@own_server
async def test_charge_point_appears_online_over_rest_while_connected(csms_with, fresh_client):
    csms, open_client = await csms_with(), fresh_client
    client = await open_client(csms)
    code, listed = await csms.get("/api/v1/admin/charge-points?online=true")
    assert code == 200 and [cp["id"] for cp in listed] == [client.cp_id]
    await client.close()

    async def gone():
        _code, listed = await csms.get("/api/v1/admin/charge-points?online=true")
        return listed == []
    await eventually(gone, what="no charge point online")
