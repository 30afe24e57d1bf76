"""OCPP 1.6 Reservation profile end to end: the exact ReserveNow / CancelReservation frames a charge
point receives, the REST answers, and the reservation's lifecycle as the charge point reports on."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

EXPIRY_JOB = "reservation-expiry"
from tests.e2e.helpers import a_time, answer, eventually, no_frame


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def _reservation(csms, rid: int) -> dict:
    code, body = await csms.get(f"/api/v1/admin/reservations/{rid}")
    assert code == 200, body
    return body


async def _reserve(csms, client, reply: dict | list, **body) -> tuple[list, int, dict]:
    request = {"connector_id": 1, "id_tag": "TAG-R1", **body}
    return await answer(client, csms.post(_cmd(client.cp_id, "reserve-now"), request), reply)


async def _accepted(csms, client, **body) -> int:
    _frame, code, result = await _reserve(csms, client, {"status": "Accepted"}, **body)
    assert code == 200 and result["status"] == "Accepted", result
    return result["reservation_id"]


async def _status_is(csms, rid: int, status: str) -> dict:
    async def check():
        r = await _reservation(csms, rid)
        return r if r["status"] == status else None
    return await eventually(check, what=f"reservation {rid} {status}")


def _expiry(frame: list) -> datetime:
    return datetime.fromisoformat(frame[3]["expiryDate"].replace("Z", "+00:00"))


async def test_TC_046_reserve_a_connector_then_a_transaction_uses_it(csms, open_client):
    client = await open_client(csms)
    expiry = "2099-01-01T10:00:00.000Z"
    frame, code, body = await _reserve(csms, client, {"status": "Accepted"}, expiry_date=expiry)
    rid = body["reservation_id"]
    assert frame[2:] == ["ReserveNow", {"connectorId": 1, "expiryDate": expiry, "idTag": "TAG-R1",
                                        "reservationId": rid}]
    assert (code, body["status"]) == (200, "Accepted")
    r = await _reservation(csms, rid)
    assert (r["status"], r["ocpp_status"], r["connector_id"], r["charge_point_id"]) == (
        "Accepted", "Accepted", 1, client.cp_id)
    assert r["expiry_date"] == expiry

    assert await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                      "status": "Reserved"}) == {}
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": "TAG-R1", "meterStart": 100,
                                                     "timestamp": a_time(1), "reservationId": rid})
    used = await _status_is(csms, rid, "Used")
    assert used["transaction_id"] == start["transactionId"]
    # a retried StartTransaction changes nothing
    again = await client.result("StartTransaction", {"connectorId": 1, "idTag": "TAG-R1", "meterStart": 100,
                                                     "timestamp": a_time(1), "reservationId": rid})
    assert again["transactionId"] == start["transactionId"]
    assert (await _reservation(csms, rid))["updated_at"] == used["updated_at"]


async def test_TC_047_reservation_expires_by_the_expiry_job(csms, open_client):
    client = await open_client(csms)
    soon = datetime.now(timezone.utc) + timedelta(milliseconds=400)
    rid = await _accepted(csms, client, expiry_date=soon.isoformat())
    job = next(j.run for j in csms.container.scheduler.table if j.id == EXPIRY_JOB)
    await job()
    assert (await _reservation(csms, rid))["status"] == "Accepted"      # not yet due
    await asyncio.sleep(0.45)
    await job()
    r = await _reservation(csms, rid)
    assert (r["status"], r["reason"]) == ("Expired", "expiry date passed")
    # a late StartTransaction with the expired reservation does not revive it
    await client.result("StartTransaction", {"connectorId": 1, "idTag": "TAG-R1", "meterStart": 0,
                                             "timestamp": a_time(2), "reservationId": rid})
    await asyncio.sleep(0.1)
    assert (await _reservation(csms, rid))["status"] == "Expired"


@pytest.mark.parametrize("case,verdict", [("1", "Faulted"), ("2", "Occupied"), ("3", "Unavailable"),
                                          ("4", "Rejected")])
async def test_TC_048_reservation_refused_by_the_charge_point(csms, open_client, case, verdict):
    client = await open_client(csms)
    _frame, code, body = await _reserve(csms, client, {"status": verdict})
    assert (code, body["status"]) == (200, verdict)
    r = await _reservation(csms, body["reservation_id"])
    assert (r["status"], r["ocpp_status"]) == ("Rejected", verdict)


async def test_TC_049_reserve_the_charge_point_connector_zero(csms, open_client):
    client = await open_client(csms)
    frame, code, body = await _reserve(csms, client, {"status": "Accepted"}, connector_id=0)
    assert frame[3]["connectorId"] == 0 and code == 200
    rid = body["reservation_id"]
    # any connector may take it; a fault on one connector does not clear a connector-0 reservation
    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    await client.result("StartTransaction", {"connectorId": 2, "idTag": "TAG-R1", "meterStart": 0,
                                             "timestamp": a_time(3), "reservationId": rid})
    assert (await _status_is(csms, rid, "Used"))["transaction_id"] is not None


async def test_TC_051_cancel_reservation(csms, open_client):
    client = await open_client(csms)
    rid = await _accepted(csms, client)
    frame, code, body = await answer(client, csms.post(_cmd(client.cp_id, "cancel-reservation"),
                                                       {"reservation_id": rid}), {"status": "Accepted"})
    assert frame[2:] == ["CancelReservation", {"reservationId": rid}]
    assert (code, body) == (200, {"status": "Accepted"})
    r = await _reservation(csms, rid)
    assert (r["status"], r["reason"]) == ("Cancelled", "cancelled by operator")


async def test_TC_052_cancel_reservation_rejected_keeps_it(csms, open_client):
    client = await open_client(csms)
    rid = await _accepted(csms, client)
    _frame, code, body = await answer(client, csms.post(_cmd(client.cp_id, "cancel-reservation"),
                                                        {"reservation_id": rid}), {"status": "Rejected"})
    assert (code, body) == (200, {"status": "Rejected"})
    assert (await _reservation(csms, rid))["status"] == "Accepted"


async def test_TC_053_reserve_with_a_parent_id_tag(csms, open_client):
    client = await open_client(csms)
    frame, _code, body = await _reserve(csms, client, {"status": "Accepted"}, parent_id_tag="GROUP-1")
    assert frame[3]["parentIdTag"] == "GROUP-1"
    assert (await _reservation(csms, body["reservation_id"]))["parent_id_tag"] == "GROUP-1"


async def test_default_hold_is_15_minutes(csms, open_client):
    client = await open_client(csms)
    before = datetime.now(timezone.utc)
    frame, _code, _body = await _reserve(csms, client, {"status": "Accepted"})
    held = _expiry(frame) - before
    assert timedelta(minutes=14, seconds=58) < held < timedelta(minutes=15, seconds=2)


async def test_faulted_or_unavailable_connector_clears_its_reservation_only(csms, open_client):
    client = await open_client(csms)
    on_1 = await _accepted(csms, client, connector_id=1)
    on_2 = await _accepted(csms, client, connector_id=2)
    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"})
    await client.result("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    r = await _status_is(csms, on_1, "Cleared")
    assert r["reason"] == "connector Faulted"
    assert (await _reservation(csms, on_2))["status"] == "Accepted"
    # the whole charge point going Unavailable clears the rest
    await client.result("StatusNotification", {"connectorId": 0, "errorCode": "NoError", "status": "Unavailable"})
    await _status_is(csms, on_2, "Cleared")


async def test_reservation_lists_filter_by_charge_point_and_status(csms, open_client):
    a = await open_client(csms)
    b = await open_client(csms)
    ra = await _accepted(csms, a)
    await _reserve(csms, b, {"status": "Occupied"})
    code, items = await csms.get(f"/api/v1/admin/reservations?charge_point_id={a.cp_id}")
    assert code == 200 and [r["id"] for r in items] == [ra]
    code, items = await csms.get(f"/api/v1/admin/reservations?charge_point_id={b.cp_id}&status=Rejected")
    assert code == 200 and [r["ocpp_status"] for r in items] == ["Occupied"]
    code, items = await csms.get("/api/v1/admin/reservations?status=Nonsense")
    assert code == 400
    assert (await csms.get("/api/v1/admin/reservations/999999"))[0] == 404


async def test_reserve_offline_is_409_and_records_nothing(csms):
    cp_id = (await csms.a_charge_point())["id"]
    code, body = await csms.post(_cmd(cp_id, "reserve-now"), {"connector_id": 1, "id_tag": "T"})
    assert (code, body["error"]["code"]) == (409, "charge_point_offline")
    assert (await csms.get(f"/api/v1/admin/reservations?charge_point_id={cp_id}"))[1] == []


async def test_reserve_callerror_is_502_and_the_reservation_failed(csms, open_client):
    client = await open_client(csms)
    _frame, code, body = await _reserve(csms, client, [4, "{id}", "NotSupported", "no reservations", {}])
    assert (code, body["error"]["code"]) == (502, "NotSupported")
    code, items = await csms.get(f"/api/v1/admin/reservations?charge_point_id={client.cp_id}")
    assert [r["status"] for r in items] == ["Failed"]


async def test_reserve_bad_requests_are_400_and_nothing_is_sent(csms, open_client):
    client = await open_client(csms)
    path = _cmd(client.cp_id, "reserve-now")
    for payload, field in (({"connector_id": 1, "id_tag": "T", "expiry_date": "2001-01-01T00:00:00Z"}, "expiry_date"),
                           ({"connector_id": -1, "id_tag": "T"}, "connector_id"),
                           ({"id_tag": "T"}, None)):
        code, body = await csms.post(path, payload)
        assert code == 400 and body["error"]["code"] == "validation_error", (payload, body)
        if field:
            assert field in body["error"]["field"]
    # 1.6 idTag is at most 20 characters: the payload is refused before it is sent
    code, body = await csms.post(path, {"connector_id": 1, "id_tag": "X" * 21})
    assert (code, body["error"]["code"]) == (400, "invalid_payload")
    await no_frame(client, 0.05)
    code, body = await csms.post(_cmd(client.cp_id, "cancel-reservation"), {"reservation_id": 424242})
    assert (code, body["error"]["code"]) == (404, "not_found")
