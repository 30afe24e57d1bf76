"""OCPP 1.6 Local Auth List Management end to end: SendLocalList / GetLocalListVersion frames, the
version the CSMS keeps per charge point, and the list it stores only when the charge point accepts."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import answer, no_frame


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def _stored(csms, cp_id: str) -> dict:
    code, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/local-list")
    assert code == 200, body
    return body


async def _send(csms, client, reply, **body):
    return await answer(client, csms.post(_cmd(client.cp_id, "send-local-list"), body), reply)


FULL = [{"id_tag": "CARD-1", "status": "Accepted", "expiry_date": "2099-01-01T00:00:00Z", "group_id": "FLEET"},
        {"id_tag": "CARD-2", "status": "Blocked"}]


async def test_TC_042_1_get_local_list_version_not_supported(csms, open_client):
    client = await open_client(csms)
    frame, code, body = await answer(client, csms.post(_cmd(client.cp_id, "get-local-list-version")),
                                     {"listVersion": -1})
    assert frame[2:] == ["GetLocalListVersion", {}]
    assert (code, body) == (200, {"status": "Accepted", "version": -1})


async def test_TC_042_2_get_local_list_version_empty(csms, open_client):
    client = await open_client(csms)
    _frame, code, body = await answer(client, csms.post(_cmd(client.cp_id, "get-local-list-version")),
                                      {"listVersion": 0})
    assert (code, body) == (200, {"status": "Accepted", "version": 0})
    assert await _stored(csms, client.cp_id) == {"version": 0, "updated_at": None, "entries": []}


async def test_TC_043_4_send_local_list_full(csms, open_client):
    client = await open_client(csms)
    frame, code, body = await _send(csms, client, {"status": "Accepted"}, update_type="Full", entries=FULL)
    assert frame[2:] == ["SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "CARD-1", "idTagInfo": {"status": "Accepted", "expiryDate": "2099-01-01T00:00:00.000Z",
                                          "parentIdTag": "FLEET"}},
        {"idTag": "CARD-2", "idTagInfo": {"status": "Blocked"}}]}]
    assert (code, body) == (200, {"status": "Accepted", "version": 1})
    stored = await _stored(csms, client.cp_id)
    assert stored["version"] == 1 and stored["updated_at"]
    assert stored["entries"] == [
        {"id_tag": "CARD-1", "status": "Accepted", "expiry_date": "2099-01-01T00:00:00.000Z", "group_id": "FLEET",
         "id_token_type": "ISO14443"},
        {"id_tag": "CARD-2", "status": "Blocked", "expiry_date": None, "group_id": None, "id_token_type": "ISO14443"}]


async def test_TC_043_5_send_local_list_differential(csms, open_client):
    client = await open_client(csms)
    await _send(csms, client, {"status": "Accepted"}, update_type="Full", entries=FULL)
    frame, code, body = await _send(csms, client, {"status": "Accepted"}, update_type="Differential",
                                    entries=[{"id_tag": "CARD-3", "status": "Accepted"}, {"id_tag": "CARD-2"}])
    assert frame[3] == {"listVersion": 2, "updateType": "Differential", "localAuthorizationList": [
        {"idTag": "CARD-3", "idTagInfo": {"status": "Accepted"}}, {"idTag": "CARD-2"}]}
    assert (code, body) == (200, {"status": "Accepted", "version": 2})
    stored = await _stored(csms, client.cp_id)
    assert stored["version"] == 2
    assert [(e["id_tag"], e["status"]) for e in stored["entries"]] == [("CARD-1", "Accepted"), ("CARD-3", "Accepted")]


@pytest.mark.parametrize("case,verdict", [("1", "NotSupported"), ("3", "Failed"), ("2", "VersionMismatch")])
async def test_TC_043_send_local_list_not_accepted_stores_nothing(csms, open_client, case, verdict):
    client = await open_client(csms)
    await _send(csms, client, {"status": "Accepted"}, update_type="Full", entries=FULL[:1])
    _frame, code, body = await _send(csms, client, {"status": verdict}, update_type="Full", entries=FULL, version=7)
    assert (code, body) == (200, {"status": verdict, "version": 7})
    stored = await _stored(csms, client.cp_id)
    assert stored["version"] == 1 and [e["id_tag"] for e in stored["entries"]] == ["CARD-1"]


async def test_full_list_from_the_csms_id_tags(csms, open_client):
    client = await open_client(csms)
    await csms.an_id_tag("ALICE", group_id="FLEET")
    await csms.an_id_tag("BOB", status="Blocked")
    await csms.an_id_tag("CAROL", expiry_date="2001-01-01T00:00:00Z")    # Accepted, but its date has passed
    frame, code, body = await _send(csms, client, {"status": "Accepted"}, update_type="Full", from_id_tags=True,
                                    version=40)
    assert frame[3] == {"listVersion": 40, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "ALICE", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}},
        {"idTag": "BOB", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "CAROL", "idTagInfo": {"status": "Expired", "expiryDate": "2001-01-01T00:00:00.000Z"}}]}
    assert (code, body) == (200, {"status": "Accepted", "version": 40})
    assert [e["id_tag"] for e in (await _stored(csms, client.cp_id))["entries"]] == ["ALICE", "BOB", "CAROL"]


async def test_empty_full_list_clears_the_stored_one(csms, open_client):
    client = await open_client(csms)
    await _send(csms, client, {"status": "Accepted"}, update_type="Full", entries=FULL)
    frame, _code, body = await _send(csms, client, {"status": "Accepted"}, update_type="Full", entries=[])
    assert frame[3] == {"listVersion": 2, "updateType": "Full", "localAuthorizationList": []}
    stored = await _stored(csms, client.cp_id)
    assert (body["version"], stored["version"], stored["entries"]) == (2, 2, [])


async def test_send_local_list_bad_requests_are_400_and_nothing_is_sent(csms, open_client):
    client = await open_client(csms)
    path = _cmd(client.cp_id, "send-local-list")
    for payload in ({"update_type": "Full", "entries": [{"id_tag": "A"}]},
                    {"update_type": "Differential", "from_id_tags": True},
                    {"update_type": "Full", "from_id_tags": True, "entries": [{"id_tag": "A", "status": "Accepted"}]},
                    {"update_type": "Full", "entries": [{"id_tag": "A", "status": "Accepted"},
                                                       {"id_tag": "A", "status": "Blocked"}]},
                    {"update_type": "Sideways"}, {"update_type": "Full", "version": 0}):
        code, body = await csms.post(path, payload)
        assert code == 400 and body["error"]["code"] == "validation_error", (payload, body)
    await no_frame(client, 0.05)
    assert (await csms.get("/api/v1/admin/charge-points/NOBODY/local-list"))[0] == 404


async def test_send_local_list_offline_is_409(csms):
    cp_id = (await csms.a_charge_point())["id"]
    code, body = await csms.post(_cmd(cp_id, "send-local-list"), {"update_type": "Full", "entries": []})
    assert (code, body["error"]["code"]) == (409, "charge_point_offline")
    code, body = await csms.post(_cmd(cp_id, "get-local-list-version"))
    assert (code, body["error"]["code"]) == (409, "charge_point_offline")
