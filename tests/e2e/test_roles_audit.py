"""Roles and the audit log over real HTTP. The whole route table is walked: every staff endpoint
refuses each role that lacks its permission (403) and lets the others past the role check; every
staff endpoint that changes something leaves an audit record of each attempt, refusals included.
Then what a record holds: who, what, target, before/after, the request id; and the filters."""

from __future__ import annotations

import re
import time
import uuid

import jwt
import pytest

from api.app import route_table
from api.auth import GRANTS, ROLES
from api.openapi import operation_id
from api.routing import STAFF, audited
from tests.support.server import ADMIN

TEST_SECRET = "test-secret-" + "x" * 32      # CSMS_JWT_SECRET in tests/support/server.py
pytestmark = pytest.mark.asyncio(loop_scope="module")

# path parameters that name nothing: the request passes the role check and fails later (404, 400, ...)
PARAMS = {"id": "999999", "id_tag": "NO-SUCH-TAG", "action": "Reset", "protocol": "ocpp1.6", "connector_id": "1",
          "request_id": "1"}
STAFF_ROUTES = [r for r in route_table().routes if r.auth in STAFF]


@pytest.fixture
def csms(shared_csms):
    return shared_csms


def token(role: str, sub: str, kind: str = "operator") -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "role": role, "kind": kind, "iss": "csms", "iat": now, "exp": now + 600,
                       "name": f"{role}-{sub}"}, TEST_SECRET, algorithm="HS256")


def path_of(route) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], route.path)


async def call(csms, route, tok: str | None):
    return await csms.request(route.method, path_of(route), json=None if route.method == "GET" else {}, token=tok)


async def test_every_staff_route_refuses_the_roles_without_its_permission_and_records_every_attempt(csms):
    walker = uuid.uuid4().hex[:8]           # this test's tokens: one subject per role
    refused, let_in = 0, 0
    for route in STAFF_ROUTES:
        for role in ROLES:
            status, body = await call(csms, route, token(role, f"{walker}-{role}"))
            if route.auth in GRANTS[role]:
                assert status not in (401, 403), (role, route.method, route.path, status, body)
                let_in += 1
            else:
                assert (status, body["error"]["code"]) == (403, "forbidden"), (role, route.method, route.path)
                assert route.auth in body["error"]["message"]
                refused += 1
        status, _ = await call(csms, route, token("operator", "1", kind="driver"))
        assert status == 403, (route.method, route.path)                   # a driver's token
        status, _ = await call(csms, route, None)
        assert status == 401, (route.method, route.path)
    assert refused > 100 and let_in > 200

    for route in STAFF_ROUTES:
        if not audited(route):
            continue
        status, records = await csms.get(f"/api/v1/admin/audit?action={operation_id(route)}&limit=500")
        assert status == 200, records
        mine = {r["actor"]: r for r in records if r["actor_id"].startswith(walker)}
        assert set(mine) == {f"{role}-{walker}-{role}" for role in ROLES}, (route.method, route.path)
        for role in ROLES:
            record = mine[f"{role}-{walker}-{role}"]
            assert (record["method"], record["path"], record["role"]) == (route.method, path_of(route), role)
            assert (record["status"] == 403) == (route.auth not in GRANTS[role]), (route.path, role, record)
            assert re.fullmatch(r"[0-9a-f]{32}", record["request_id"])
    # reads are not recorded
    reads = [r for r in STAFF_ROUTES if r.method == "GET"]
    status, records = await csms.get(f"/api/v1/admin/audit?action={operation_id(reads[0])}")
    assert (status, records) == (200, [])


async def test_a_record_holds_who_what_the_target_before_and_after_and_the_request_id(csms):
    station = await csms.a_station(name="Before")
    rid = f"test-{uuid.uuid4().hex}"
    status, _ = await csms.patch(f"/api/v1/admin/stations/{station['id']}", {"name": "After"},
                                 headers={"X-Request-Id": rid})
    assert status == 200
    status, records = await csms.get(f"/api/v1/admin/audit?target_type=station&target_id={station['id']}")
    assert status == 200 and [r["action"] for r in records] == ["patch_api_v1_admin_stations_id",
                                                                 "post_api_v1_admin_stations"]
    patch, create = records
    assert (patch["actor"], patch["role"], patch["request_id"], patch["status"]) == (ADMIN[0], "admin", rid, 200)
    assert (patch["params"], patch["before"]["name"], patch["after"]["name"]) == ({"name": "After"}, "Before", "After")
    assert (create["before"], create["after"]["id"], create["target_id"]) == (None, station["id"], str(station["id"]))


async def test_secrets_in_a_recorded_body_are_masked(csms):
    cp = await csms.a_charge_point(password="s3cret-pass-word")
    status, records = await csms.get(f"/api/v1/admin/audit?target_type=charge-point&target_id={cp['id']}")
    assert status == 200 and records[0]["params"]["password"] == "***"
    assert "s3cret" not in str(records)


async def test_the_audit_log_is_filtered_and_paged_and_only_for_admins(csms):
    name = f"viewer-{uuid.uuid4().hex[:6]}"
    status, op = await csms.post("/api/v1/admin/operators", {"username": name, "password": "viewer-pass-1",
                                                               "role": "viewer"})
    assert status == 201 and op["role"] == "viewer"
    status, login = await csms.post("/api/v1/auth/login", {"username": name, "password": "viewer-pass-1"}, token=None)
    viewer = login["access_token"]
    assert (login["role"], login["permissions"]) == ("viewer", ["viewer"])
    assert (await csms.get("/api/v1/admin/stations", token=viewer))[0] == 200
    assert (await csms.post("/api/v1/admin/stations", {"name": "no"}, token=viewer))[0] == 403
    assert (await csms.get("/api/v1/admin/audit", token=viewer))[0] == 403

    status, mine = await csms.get(f"/api/v1/admin/audit?actor={name}")
    assert status == 200 and [(r["action"], r["status"]) for r in mine] == [("post_api_v1_admin_stations", 403)]
    status, page = await csms.request("GET", "/api/v1/admin/audit?limit=2&offset=1")
    assert status == 200 and len(page) == 2
    since = mine[0]["at"]
    status, later = await csms.get(f"/api/v1/admin/audit?actor={name}&since={since}")
    assert [r["id"] for r in later] == [mine[0]["id"]]
    status, none = await csms.get(f"/api/v1/admin/audit?actor={name}&until={since}")
    assert (status, none) == (200, [])

    # an admin changes the role: it applies from the next login, and is recorded
    status, changed = await csms.patch(f"/api/v1/admin/operators/{op['id']}", {"role": "finance"})
    assert status == 200 and changed["role"] == "finance"
    status, records = await csms.get(f"/api/v1/admin/audit?target_type=operator&target_id={op['id']}")
    assert records[0]["before"]["role"] == "viewer" and records[0]["after"]["role"] == "finance"
    status, operators = await csms.get("/api/v1/admin/operators?limit=500")
    assert status == 200 and {"username": name, "role": "finance", "active": True, "id": op["id"]} in operators
