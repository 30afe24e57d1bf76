"""OCPP-J framing over a real socket: every malformed frame gets the CALLERROR the OCPP-J 1.6
specification prescribes (with the message id salvaged where one can be read), and the connection
lives on: a valid Heartbeat is answered after each."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.helpers import no_frame
from tests.support.ocpp_client import RawClient

# Every test here brings its own charge point and looks at nothing server-wide: one server for the
# module, and the tests run in the module's event loop (see shared_csms in conftest.py).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
BOOT = {"chargePointVendor": "Acme", "chargePointModel": "X1"}


async def _alive(client) -> None:
    answer = await client.call("Heartbeat", {})
    assert answer[0] == 3 and "currentTime" in answer[2], answer


def _frame(action: str, payload: dict, uid: str) -> list:
    return [2, uid, action, payload]


CASES = [
    # (test id, raw frame, expected message id in the CALLERROR, expected error code)
    ("invalid_json", '[2, "j1", "Heartbeat", {', "j1", "FormationViolation"),
    ("invalid_json_no_id", "definitely not json", "-1", "FormationViolation"),
    ("not_an_array", '{"messageTypeId": 2, "uniqueId": "o1"}', "-1", "ProtocolError"),
    ("empty_array", "[]", "-1", "ProtocolError"),
    ("unknown_message_type", '[7, "u1", "Heartbeat", {}]', "u1", "ProtocolError"),
    ("message_type_as_bool", '[true, "u2", "Heartbeat", {}]', "u2", "ProtocolError"),
    ("call_without_payload", '[2, "m1", "Heartbeat"]', "m1", "ProtocolError"),
    ("call_with_extra_element", '[2, "m2", "Heartbeat", {}, {}]', "m2", "ProtocolError"),
    ("message_id_not_a_string", '[2, 17, "Heartbeat", {}]', "-1", "ProtocolError"),
    ("message_id_empty", '[2, "", "Heartbeat", {}]', "-1", "ProtocolError"),       # a bad id is never echoed
    ("message_id_too_long", '[2, "' + "i" * 37 + '", "Heartbeat", {}]', "-1", "ProtocolError"),
    ("action_not_a_string", '[2, "a1", 5, {}]', "a1", "FormationViolation"),
    ("payload_not_an_object", '[2, "p1", "Heartbeat", []]', "p1", "FormationViolation"),
    ("wrong_type", _frame("BootNotification", {"chargePointVendor": 5, "chargePointModel": "X1"}, "t1"),
     "t1", "TypeConstraintViolation"),
    ("string_too_long", _frame("BootNotification", {"chargePointVendor": "v" * 21, "chargePointModel": "X1"}, "t2"),
     "t2", "TypeConstraintViolation"),
    ("missing_required", _frame("BootNotification", {"chargePointVendor": "Acme"}, "r1"), "r1", "ProtocolError"),
    ("enum_violation", _frame("StatusNotification", {**STATUS, "status": "Sleeping"}, "e1"),
     "e1", "PropertyConstraintViolation"),
    ("bad_date_time", _frame("StatusNotification", {**STATUS, "timestamp": "2026-02-30T00:00:00Z"}, "e2"),
     "e2", "PropertyConstraintViolation"),
    ("extra_property", _frame("Heartbeat", {"uptime": 5}, "x1"), "x1", "FormationViolation"),
    ("unknown_action", _frame("FlyToTheMoon", {}, "n1"), "n1", "NotImplemented"),
    ("action_wrong_case", _frame("heartbeat", {}, "n2"), "n2", "NotImplemented"),
    # OCPP 1.6 actions the central system does not take from a charge point (its own commands)
    ("known_but_unsupported_action", _frame("RemoteStartTransaction", {"idTag": "TAG-1"}, "s1"), "s1", "NotSupported"),
    ("known_but_unsupported_reset", _frame("Reset", {"type": "Hard"}, "s2"), "s2", "NotSupported"),
]


@pytest.mark.parametrize("raw, uid, code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_malformed_frame_gets_callerror_and_connection_lives(csms, open_client, raw, uid, code):
    client = await open_client(csms)
    await client.send(raw)
    answer = await client.recv()
    assert answer[:3] == [4, uid, code], answer
    assert len(answer) == 5 and isinstance(answer[3], str) and isinstance(answer[4], dict)
    await _alive(client)


async def test_schema_errors_name_the_field(csms, open_client):
    client = await open_client(csms)
    answer = await client.call("StatusNotification", {**STATUS, "status": "Sleeping"})
    assert answer[2] == "PropertyConstraintViolation"
    assert answer[4]["field"] == "status" and "status" in answer[3]


async def test_binary_frame_is_refused(csms, open_client):
    client = await open_client(csms)
    await client.send(b'[2, "b1", "Heartbeat", {}]')
    assert (await client.recv())[:3] == [4, "b1", "FormationViolation"]
    await _alive(client)


async def test_answers_to_unknown_calls_are_ignored(csms, open_client):
    """A CALLRESULT or CALLERROR for a call never made gets no answer (RawClient.call checks the
    next answer is the Heartbeat's own)."""
    client = await open_client(csms)
    await client.send([3, "never-sent", {"status": "Accepted"}])
    await client.send([4, "never-sent-2", "InternalError", "oops", {}])
    await no_frame(client, 0.1)
    await _alive(client)


@pytest.mark.parametrize("raw", ['[3, "r1"]', '[3, "r2", {}, {}]', '[3, "r3", "not an object"]',
                                 '[4, "e1", "InternalError"]', '[4, "e2", 42, "x", {}]'])
async def test_malformed_answers_are_never_answered(csms, open_client, raw):
    client = await open_client(csms)
    await client.send(raw)
    await no_frame(client, 0.1)
    await _alive(client)


@pytest.mark.asyncio(loop_scope="function")
async def test_oversized_frame(csms_with):
    csms = await csms_with(**{"ocpp.max_frame_bytes": 1000})
    await csms.a_charge_point("CP-BIG")
    client = await RawClient.open(csms.ocpp_url, "CP-BIG")
    ok = [2, "fits", "DataTransfer", {"vendorId": "com.example", "data": "d" * 800}]
    await client.send(ok)
    assert (await client.recv())[:2] == [3, "fits"]

    big = [2, "big1", "DataTransfer", {"vendorId": "com.example", "data": "d" * 1500}]
    await client.send(big)
    answer = await client.recv()
    assert answer[:3] == [4, "big1", "FormationViolation"], answer
    assert "1000" in answer[3]
    await _alive(client)

    # the limit is in bytes: 400 three-byte characters are 1200 bytes
    text = json.dumps([2, "big-utf8", "DataTransfer", {"vendorId": "com.example", "data": "电" * 400}],
                      ensure_ascii=False)
    assert len(text) < 1000 < len(text.encode())
    await client.send(text)
    assert (await client.recv())[:3] == [4, "big-utf8", "FormationViolation"]
    await _alive(client)

    # beyond 4x the limit the socket itself refuses the frame: closed with 1009 (message too big)
    await client.send([2, "big2", "DataTransfer", {"vendorId": "com.example", "data": "d" * 5000}])
    with pytest.raises(ConnectionClosed):
        await client.recv()
    assert client.ws.close_code == 1009
    await client.close()


async def test_many_errors_in_a_row_do_not_close_the_connection(csms, open_client):
    client = await open_client(csms)
    for i in range(50):
        await client.send(f'[2, "bad{i}", "Heartbeat", ')
    for i in range(50):
        assert (await client.recv())[:3] == [4, f"bad{i}", "FormationViolation"]
    await _alive(client)
    assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"


async def test_malformed_frames_are_in_the_message_log(csms, open_client):
    client = await open_client(csms)
    await client.send('[2, "j1", "Heartbeat", {')
    await client.recv()
    code, log = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/messages?limit=2")
    assert code == 200
    answer, received = log
    assert (received["direction"], received["unique_id"], received["frame"], received["raw"]) == \
        ("in", "j1", None, '[2, "j1", "Heartbeat", {')
    assert (answer["direction"], answer["message_type"], answer["unique_id"]) == ("out", 4, "j1")
    assert answer["frame"][2] == "FormationViolation"
