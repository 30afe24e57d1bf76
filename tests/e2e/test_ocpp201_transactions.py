"""OCPP 2.0.1 block E/F: TransactionEvent ordering, duplicates, offline events, remote start correlation."""

from __future__ import annotations

import asyncio

from tests.support.ocpp_client import RawClient

V201 = "ocpp2.0.1"


def event(kind: str, seq: int, tx: str, at: str, wh: float | None = None, ctx: str = "Sample.Periodic", **extra) -> dict:
    payload = {"eventType": kind, "timestamp": at, "triggerReason": extra.pop("trigger", "MeterValuePeriodic"),
               "seqNo": seq, "transactionInfo": {"transactionId": tx, **extra.pop("info", {})}, **extra}
    if wh is not None:
        payload["meterValue"] = [{"timestamp": at, "sampledValue": [
            {"value": wh, "context": ctx, "measurand": "Energy.Active.Import.Register"}]}]
    return payload


async def booted(csms, cp_id: str) -> RawClient:
    await csms.a_charge_point(cp_id)
    client = await RawClient.open(csms.ocpp_url, cp_id, protocol=V201)
    boot = await client.result("BootNotification", {"reason": "PowerUp",
                                                    "chargingStation": {"model": "M", "vendorName": "V"}})
    assert boot["status"] == "Accepted"
    return client


async def the_transaction(csms, cp_id: str) -> dict:
    _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={cp_id}")
    assert len(txs) == 1
    _, tx = await csms.get(f"/api/v1/admin/transactions/{txs[0]['id']}")
    return tx


async def test_TC_E_04_plug_in_first_then_authorized_with_repeated_and_out_of_order_events(csms):
    tag = await csms.an_id_tag()
    client = await booted(csms, "E201-1")
    try:
        # Updated (seq 1) arrives before Started (seq 0): one transaction, its start corrected
        await client.result("TransactionEvent", event("Updated", 1, "tx-9", "2026-05-01T10:01:00Z", 1100))
        await client.result("TransactionEvent", event("Started", 0, "tx-9", "2026-05-01T10:00:00Z", 1000,
                                                      "Transaction.Begin", trigger="CablePluggedIn",
                                                      evse={"id": 1, "connectorId": 1}))
        answer = await client.result("TransactionEvent", event("Updated", 2, "tx-9", "2026-05-01T10:02:00Z",
                                                               trigger="Authorized",
                                                               idToken={"idToken": tag, "type": "ISO14443"}))
        assert answer["idTokenInfo"]["status"] == "Accepted"
        repeated = event("Updated", 3, "tx-9", "2026-05-01T10:03:00Z", 1300)
        await client.result("TransactionEvent", repeated)
        await client.result("TransactionEvent", repeated)              # same seqNo: nothing twice
        await client.result("TransactionEvent", event("Ended", 4, "tx-9", "2026-05-01T10:10:00Z", 1900,
                                                      "Transaction.End", trigger="EVDeparted",
                                                      info={"stoppedReason": "EVDisconnected"}))
        await client.result("TransactionEvent", event("Ended", 4, "tx-9", "2026-05-01T10:10:00Z", 1900,
                                                      "Transaction.End", trigger="EVDeparted",
                                                      info={"stoppedReason": "EVDisconnected"}))
    finally:
        await client.close()
    tx = await the_transaction(csms, "E201-1")
    assert (tx["started_at"], tx["meter_start_wh"], tx["energy_wh"]) == ("2026-05-01T10:00:00.000Z", 1000, 900)
    assert (tx["id_tag"], tx["status"], tx["stop_reason"], tx["seq_no"]) == (tag, "Completed", "EVDisconnected", 4)
    readings = [v["value"] for v in tx["meter_values"] if v["context"] == "Sample.Periodic"]
    assert readings == ["1100", "1300"]


async def test_TC_E_09_offline_events_are_flagged(csms):
    client = await booted(csms, "E201-2")
    try:
        await client.result("TransactionEvent", event("Started", 0, "off-1", "2026-05-01T09:00:00Z", 50,
                                                      "Transaction.Begin", offline=True, evse={"id": 2}))
        await client.result("TransactionEvent", event("Ended", 1, "off-1", "2026-05-01T09:30:00Z", 2050,
                                                      "Transaction.End", offline=True))
    finally:
        await client.close()
    tx = await the_transaction(csms, "E201-2")
    assert (tx["offline"], tx["evse_id"], tx["energy_wh"], tx["stop_reason"]) == (True, 2, 2000, "Local")


async def test_TC_F_01_remote_start_is_correlated_by_remote_start_id(csms):
    tag = await csms.an_id_tag()
    client = await booted(csms, "F201-1")
    try:
        request = asyncio.create_task(csms.post("/api/v1/admin/charge-points/F201-1/commands/remote-start",
                                                {"id_tag": tag, "connector_id": 1}))
        call = await client.next_call()
        assert call[2] == "RequestStartTransaction"
        assert call[3]["idToken"] == {"idToken": tag, "type": "Central"} and call[3]["evseId"] == 1
        remote_id = call[3]["remoteStartId"]
        await client.reply(call, {"status": "Accepted"})
        status, result = await request
        assert (status, result["status"], result["remote_start_id"]) == (200, "Accepted", remote_id)
        await client.result("TransactionEvent", event("Started", 0, "rs-1", "2026-05-01T11:00:00Z", 0,
                                                      "Transaction.Begin", trigger="RemoteStart",
                                                      info={"remoteStartId": remote_id}, evse={"id": 1},
                                                      idToken={"idToken": tag, "type": "Central"}))
        _, found = await csms.get(f"/api/v1/admin/transactions?remote_start_id={remote_id}")
        assert [t["ocpp_transaction_id"] for t in found] == ["rs-1"]

        status_call = asyncio.create_task(csms.post("/api/v1/admin/charge-points/F201-1/commands/get-transaction-status",
                                                    {"transaction_id": found[0]["id"]}))
        call = await client.next_call()
        assert (call[2], call[3]) == ("GetTransactionStatus", {"transactionId": "rs-1"})
        await client.reply(call, {"ongoingIndicator": True, "messagesInQueue": False})
        status, result = await status_call
        assert (status, result) == (200, {"status": "Accepted", "messages_in_queue": False, "ongoing": True})
    finally:
        await client.close()


async def test_get_transaction_status_is_not_available_for_16(csms):
    await csms.a_charge_point("F16-1")
    client = await RawClient.open(csms.ocpp_url, "F16-1")
    try:
        status, body = await csms.post("/api/v1/admin/charge-points/F16-1/commands/get-transaction-status", {})
        assert status == 400 and body["error"]["code"] == "unknown_action"
    finally:
        await client.close()
