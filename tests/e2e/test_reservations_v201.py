"""OCPP 2.0.1 blocks H (reservation) and D (local authorization list) end to end, with the same REST
bodies as 1.6: the exact frames the charging station receives, and what it reports back."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.helpers import a_time, answer, eventually, new_id
from tests.support.ocpp_client import RawClient

BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "X1", "vendorName": "Acme"}}


@pytest.fixture
async def station(csms):
    cp_id = new_id("CS")
    await csms.a_charge_point(cp_id)
    client = await RawClient.open(csms.ocpp_url, cp_id, protocol="ocpp2.0.1")
    client.cp_id = cp_id
    assert (await client.result("BootNotification", BOOT_201))["status"] == "Accepted"
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await client.close()


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def _reservation(csms, rid: int) -> dict:
    code, body = await csms.get(f"/api/v1/admin/reservations/{rid}")
    assert code == 200, body
    return body


async def _status_is(csms, rid: int, status: str) -> dict:
    async def check():
        r = await _reservation(csms, rid)
        return r if r["status"] == status else None
    return await eventually(check, what=f"reservation {rid} {status}")


async def _reserve(csms, client, reply, **body):
    request = {"connector_id": 1, "id_tag": "TOKEN-1", "expiry_date": "2099-01-01T10:00:00Z", **body}
    return await answer(client, csms.post(_cmd(client.cp_id, "reserve-now"), request), reply)


def _tx_event(event: str, tx_id: str, seq: int, **extra) -> dict:
    return {"eventType": event, "timestamp": a_time(seq), "triggerReason": "Authorized", "seqNo": seq,
            "transactionInfo": {"transactionId": tx_id}, "evse": {"id": 1, "connectorId": 1}, **extra}


async def test_TC_H_01_reserve_a_specific_evse_then_a_transaction_uses_it(csms, station):
    frame, code, body = await _reserve(csms, station, {"status": "Accepted"})
    rid = body["reservation_id"]
    assert frame[2:] == ["ReserveNow", {"id": rid, "expiryDateTime": "2099-01-01T10:00:00.000Z",
                                        "idToken": {"idToken": "TOKEN-1", "type": "ISO14443"}, "evseId": 1}]
    assert (code, body["status"]) == (200, "Accepted")
    assert await station.result("StatusNotification", {"timestamp": a_time(), "connectorStatus": "Reserved",
                                                        "evseId": 1, "connectorId": 1}) == {}
    await station.result("TransactionEvent", _tx_event("Started", "TX-H1", 1, reservationId=rid,
                                                       idToken={"idToken": "TOKEN-1", "type": "ISO14443"}))
    used = await _status_is(csms, rid, "Used")
    code, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={station.cp_id}")
    assert used["transaction_id"] == txs[0]["id"] and txs[0]["reservation_id"] == rid


async def test_TC_H_01_reservation_id_on_a_later_transaction_event_marks_it_used(csms, station):
    _frame, _code, body = await _reserve(csms, station, {"status": "Accepted"})
    rid = body["reservation_id"]
    await station.result("TransactionEvent", _tx_event("Started", "TX-H2", 1))
    await station.result("TransactionEvent", {**_tx_event("Updated", "TX-H2", 2), "reservationId": rid,
                                              "triggerReason": "CablePluggedIn"})
    assert (await _reservation(csms, rid))["status"] == "Used"


async def test_TC_H_02_reserve_an_unspecified_evse_with_connector_type_and_group(csms, station):
    frame, code, body = await _reserve(csms, station, {"status": "Accepted"}, connector_id=0,
                                       connector_type="cCCS2", parent_id_tag="GROUP-1", id_token_type="Central")
    assert frame[3] == {"id": body["reservation_id"], "expiryDateTime": "2099-01-01T10:00:00.000Z",
                        "idToken": {"idToken": "TOKEN-1", "type": "Central"}, "connectorType": "cCCS2",
                        "groupIdToken": {"idToken": "GROUP-1", "type": "Central"}}
    r = await _reservation(csms, body["reservation_id"])
    assert (r["connector_type"], r["connector_id"], r["status"]) == ("cCCS2", 0, "Accepted")


@pytest.mark.parametrize("verdict", ["Faulted", "Occupied", "Unavailable", "Rejected"])
async def test_TC_H_reservation_refused_by_the_station(csms, station, verdict):
    _frame, code, body = await _reserve(csms, station, {"status": verdict, "statusInfo": {"reasonCode": "Busy"}})
    assert (code, body["status"], body["reason"]) == (200, verdict, "Busy")
    r = await _reservation(csms, body["reservation_id"])
    assert (r["status"], r["ocpp_status"]) == ("Rejected", verdict)


@pytest.mark.parametrize("verdict,after", [("Accepted", "Cancelled"), ("Rejected", "Accepted")])
async def test_TC_H_cancel_reservation(csms, station, verdict, after):
    _frame, _code, body = await _reserve(csms, station, {"status": "Accepted"})
    rid = body["reservation_id"]
    frame, code, result = await answer(station, csms.post(_cmd(station.cp_id, "cancel-reservation"),
                                                          {"reservation_id": rid}), {"status": verdict})
    assert frame[2:] == ["CancelReservation", {"reservationId": rid}]
    assert (code, result["status"]) == (200, verdict)
    assert (await _reservation(csms, rid))["status"] == after


@pytest.mark.parametrize("update,after", [("Expired", "Expired"), ("Removed", "Cleared")])
async def test_TC_H_reservation_status_update(csms, station, update, after):
    _frame, _code, body = await _reserve(csms, station, {"status": "Accepted"})
    rid = body["reservation_id"]
    payload = {"reservationId": rid, "reservationUpdateStatus": update}
    assert await station.result("ReservationStatusUpdate", payload) == {}
    r = await _reservation(csms, rid)
    assert r["status"] == after and r["reason"]
    assert await station.result("ReservationStatusUpdate", payload) == {}        # a repeat changes nothing
    assert (await _reservation(csms, rid))["updated_at"] == r["updated_at"]
    # an id the CSMS never gave is acknowledged and ignored
    assert await station.result("ReservationStatusUpdate", {"reservationId": 987654,
                                                            "reservationUpdateStatus": "Expired"}) == {}


async def test_faulted_evse_clears_its_reservation(csms, station):
    _frame, _code, body = await _reserve(csms, station, {"status": "Accepted"})
    await station.result("StatusNotification", {"timestamp": a_time(), "connectorStatus": "Faulted",
                                                "evseId": 1, "connectorId": 1})
    assert (await _status_is(csms, body["reservation_id"], "Cleared"))["reason"] == "connector Faulted"


# -- block D -----------------------------------------------------------------------------------------
async def _send(csms, client, reply, **body):
    return await answer(client, csms.post(_cmd(client.cp_id, "send-local-list"), body), reply)


async def test_TC_D_01_send_local_list_full(csms, station):
    entries = [{"id_tag": "CARD-1", "status": "Accepted", "expiry_date": "2099-01-01T00:00:00Z", "group_id": "FLEET"},
               {"id_tag": "EMAID-1", "status": "Blocked", "id_token_type": "eMAID"}]
    frame, code, body = await _send(csms, station, {"status": "Accepted"}, update_type="Full", entries=entries)
    assert frame[2:] == ["SendLocalList", {"versionNumber": 1, "updateType": "Full", "localAuthorizationList": [
        {"idToken": {"idToken": "CARD-1", "type": "ISO14443"},
         "idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2099-01-01T00:00:00.000Z",
                         "groupIdToken": {"idToken": "FLEET", "type": "Central"}}},
        {"idToken": {"idToken": "EMAID-1", "type": "eMAID"}, "idTokenInfo": {"status": "Blocked"}}]}]
    assert (code, body) == (200, {"status": "Accepted", "version": 1})
    code, stored = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/local-list")
    assert stored["version"] == 1
    assert [(e["id_tag"], e["id_token_type"]) for e in stored["entries"]] == [("CARD-1", "ISO14443"),
                                                                               ("EMAID-1", "eMAID")]


async def test_TC_D_01_empty_full_list_is_sent_without_the_list(csms, station):
    frame, code, body = await _send(csms, station, {"status": "Accepted"}, update_type="Full", entries=[], version=3)
    assert frame[3] == {"versionNumber": 3, "updateType": "Full"}
    assert body == {"status": "Accepted", "version": 3}


async def test_TC_D_02_send_local_list_differential_and_version_mismatch(csms, station):
    await _send(csms, station, {"status": "Accepted"}, update_type="Full",
                entries=[{"id_tag": "CARD-1", "status": "Accepted"}, {"id_tag": "CARD-2", "status": "Accepted"}])
    frame, code, body = await _send(csms, station, {"status": "Accepted"}, update_type="Differential",
                                    entries=[{"id_tag": "CARD-2"}, {"id_tag": "CARD-9", "status": "Invalid"}])
    assert frame[3] == {"versionNumber": 2, "updateType": "Differential", "localAuthorizationList": [
        {"idToken": {"idToken": "CARD-2", "type": "ISO14443"}},
        {"idToken": {"idToken": "CARD-9", "type": "ISO14443"}, "idTokenInfo": {"status": "Invalid"}}]}
    assert body == {"status": "Accepted", "version": 2}
    _frame, _code, body = await _send(csms, station, {"status": "VersionMismatch"}, update_type="Differential",
                                      entries=[{"id_tag": "CARD-1"}])
    assert body == {"status": "VersionMismatch", "version": 3}
    code, stored = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/local-list")
    assert stored["version"] == 2 and [e["id_tag"] for e in stored["entries"]] == ["CARD-1", "CARD-9"]


async def test_TC_D_get_local_list_version(csms, station):
    frame, code, body = await answer(station, csms.post(_cmd(station.cp_id, "get-local-list-version")),
                                     {"versionNumber": 5})
    assert frame[2:] == ["GetLocalListVersion", {}]
    assert (code, body) == (200, {"status": "Accepted", "version": 5})
