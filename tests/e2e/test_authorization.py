"""Authorization details over real sockets (2.0.1 block C, and 1.6 where it has them): the group of a
token (groupIdToken / parentIdTag), the master pass (C16: a token of the station's MasterPassGroupId
stops any transaction and starts none) and ConcurrentTx (a tag already charging elsewhere)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import a_time, answer
from tests.e2e.test_security import client_of, cmd

pytestmark = pytest.mark.asyncio(loop_scope="module")
V16, V201 = "ocpp1.6", "ocpp2.0.1"


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


def token(tag: str) -> dict:
    return {"idToken": tag, "type": "ISO14443"}


def started(tx: str, evse: int, tag: str | None = None, seq: int = 0, **extra) -> dict:
    trigger = "Authorized" if tag else "CablePluggedIn"
    payload = {"eventType": "Started", "timestamp": a_time(1), "triggerReason": trigger, "seqNo": seq,
               "transactionInfo": {"transactionId": tx}, "evse": {"id": evse, "connectorId": 1},
               "meterValue": [{"timestamp": a_time(1), "sampledValue": [{"value": 100 * evse}]}], **extra}
    if tag:
        payload["idToken"] = token(tag)
    return payload


def ended(tx: str, seq: int, tag: str | None = None, reason: str = "Local", trigger: str = "StopAuthorized") -> dict:
    payload = {"eventType": "Ended", "timestamp": a_time(5), "triggerReason": trigger, "seqNo": seq,
               "transactionInfo": {"transactionId": tx, "stoppedReason": reason},
               "meterValue": [{"timestamp": a_time(5), "sampledValue": [{"value": 900}]}]}
    if tag:
        payload["idToken"] = token(tag)
    return payload


async def transaction(csms, cp_id: str, ocpp_tx_id: str | None = None) -> dict:
    _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={cp_id}")
    return next(t for t in txs if ocpp_tx_id is None or t["ocpp_transaction_id"] == ocpp_tx_id)


async def set_master_pass_group(csms, client, group: str) -> None:
    reply = {"setVariableResult": [{"attributeStatus": "Accepted", "component": {"name": "AuthCtrlr"},
                                    "variable": {"name": "MasterPassGroupId"}}]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "set-variables"), {"variables": [
        {"component": "AuthCtrlr", "variable": "MasterPassGroupId", "value": group}]}), reply)
    assert frame[2] == "SetVariables" and (status, body["results"][0]["status"]) == (200, "Accepted")


# -- groupIdToken / parentIdTag ---------------------------------------------------------------------------
async def test_TC_C_39_group_id_token_in_authorize_and_transaction_event(csms, open_client):
    client = await client_of(open_client, csms, V201)
    member, loner = await csms.an_id_tag(group_id="FLEET-7"), await csms.an_id_tag()
    auth = await client.result("Authorize", {"idToken": token(member)})
    assert auth["idTokenInfo"] == {"status": "Accepted", "groupIdToken": {"idToken": "FLEET-7", "type": "Central"}}
    assert "groupIdToken" not in (await client.result("Authorize", {"idToken": token(loner)}))["idTokenInfo"]
    start = await client.result("TransactionEvent", started("g-1", 1, member))
    assert start["idTokenInfo"]["groupIdToken"] == {"idToken": "FLEET-7", "type": "Central"}
    # C09.FR.03: another member of the group stops it; the answer carries the group, the stop tag is kept
    other = await csms.an_id_tag(group_id="FLEET-7")
    stop = await client.result("TransactionEvent", ended("g-1", 1, other))
    assert stop["idTokenInfo"] == {"status": "Accepted", "groupIdToken": {"idToken": "FLEET-7", "type": "Central"}}
    tx = await transaction(csms, client.cp_id, "g-1")
    assert (tx["status"], tx["id_tag"], tx["stop_id_tag"]) == ("Completed", member, other)


async def test_every_transaction_event_with_an_id_token_is_answered_with_id_token_info(csms, open_client):
    """TransactionEventResponse.idTokenInfo is required when the request has an idToken, also for
    the token that started the transaction."""
    client = await client_of(open_client, csms, V201)
    tag = await csms.an_id_tag()
    await client.result("TransactionEvent", started("same-1", 1, tag))
    stop = await client.result("TransactionEvent", ended("same-1", 1, tag))
    assert stop == {"idTokenInfo": {"status": "Accepted"}}
    assert await client.result("TransactionEvent", ended("same-1", 2)) == {}      # no idToken: none
    tx = await transaction(csms, client.cp_id, "same-1")
    assert (tx["status"], tx["stop_id_tag"]) == ("Completed", tag)


async def test_16_parent_id_tag_in_start_transaction(csms, open_client):
    client = await client_of(open_client, csms, V16)
    member = await csms.an_id_tag(group_id="FLEET-16")
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": member, "meterStart": 0,
                                                     "timestamp": a_time(1)})
    assert start["idTagInfo"] == {"status": "Accepted", "parentIdTag": "FLEET-16"}


# -- master pass (C16) ------------------------------------------------------------------------------------
async def test_TC_C_47_master_pass_authorizes_stops_any_transaction_and_starts_none(csms, open_client):
    client = await client_of(open_client, csms, V201)
    await set_master_pass_group(csms, client, "POLICE")
    master, driver = await csms.an_id_tag(group_id="POLICE"), await csms.an_id_tag()
    auth = await client.result("Authorize", {"idToken": token(master)})
    assert auth["idTokenInfo"] == {"status": "Accepted", "groupIdToken": {"idToken": "POLICE", "type": "Central"}}

    # C16.FR.03: the master pass does not start a transaction; the station is told so
    refused = await client.result("TransactionEvent", started("mp-start", 2, master))
    assert refused["idTokenInfo"] == {"status": "Invalid", "groupIdToken": {"idToken": "POLICE", "type": "Central"}}
    # ... also when it is presented after the cable (plug-in first)
    await client.result("TransactionEvent", started("mp-late", 3))
    late = await client.result("TransactionEvent", {**started("mp-late", 3, master, seq=1), "eventType": "Updated"})
    assert late["idTokenInfo"]["status"] == "Invalid"

    # C16.FR.02/04: it stops a transaction somebody else started (stoppedReason MasterPass)
    assert (await client.result("TransactionEvent", started("mp-1", 1, driver)))["idTokenInfo"]["status"] == "Accepted"
    stop = await client.result("TransactionEvent", ended("mp-1", 1, master, reason="MasterPass"))
    assert stop["idTokenInfo"] == {"status": "Accepted", "groupIdToken": {"idToken": "POLICE", "type": "Central"}}
    tx = await transaction(csms, client.cp_id, "mp-1")
    assert (tx["status"], tx["id_tag"], tx["stop_id_tag"], tx["stop_reason"]) == \
        ("Completed", driver, master, "MasterPass")


async def test_TC_C_49_master_pass_stop_announced_on_an_updated_event(csms, open_client):
    client = await client_of(open_client, csms, V201)
    await set_master_pass_group(csms, client, "TOWING")
    master, driver = await csms.an_id_tag(group_id="TOWING"), await csms.an_id_tag()
    await client.result("TransactionEvent", started("mp-2", 1, driver))
    # StopAuthorized on an Updated event: the master pass is the stopping token, not the driver
    stopping = {**ended("mp-2", 1, master), "eventType": "Updated", "transactionInfo": {"transactionId": "mp-2"}}
    assert (await client.result("TransactionEvent", stopping))["idTokenInfo"]["status"] == "Accepted"
    # without a UI the station ends it with the original token (TC_C_49)
    stop = await client.result("TransactionEvent", ended("mp-2", 2, driver, reason="MasterPass"))
    assert stop["idTokenInfo"]["status"] == "Accepted"
    assert (await transaction(csms, client.cp_id, "mp-2"))["id_tag"] == driver


async def test_master_pass_group_from_a_report_and_only_on_its_station(csms, open_client):
    client = await client_of(open_client, csms, V201)
    elsewhere = await client_of(open_client, csms, V201)
    report = {"requestId": 1, "generatedAt": a_time(0), "seqNo": 0, "tbc": False, "reportData": [
        {"component": {"name": "AuthCtrlr"}, "variable": {"name": "MasterPassGroupId"},
         "variableAttribute": [{"type": "Actual", "value": "FIRE", "mutability": "ReadWrite"}]}]}
    assert await client.result("NotifyReport", report) == {}
    master = await csms.an_id_tag(group_id="FIRE")
    assert (await client.result("TransactionEvent", started("fire-1", 1, master)))["idTokenInfo"]["status"] == "Invalid"
    await client.result("TransactionEvent", ended("fire-1", 1, trigger="Deauthorized"))    # as told
    # a station without that MasterPassGroupId: an ordinary group member
    assert (await elsewhere.result("TransactionEvent", started("fire-2", 1, master)))["idTokenInfo"]["status"] \
        == "Accepted"
    # the group changed (SetVariables accepted): the old master pass starts again
    await set_master_pass_group(csms, client, "POLICE-2")
    start = await client.result("TransactionEvent", started("fire-3", 2, await csms.an_id_tag(group_id="FIRE")))
    assert start["idTokenInfo"]["status"] == "Accepted"
    _, model = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/device-model?variable=MasterPassGroupId")
    assert [v["value"] for v in model] == ["POLICE-2"]


# -- ConcurrentTx -------------------------------------------------------------------------------------------
async def test_TC_concurrent_tx_16_a_tag_charging_elsewhere_is_refused_until_it_stops(csms, open_client):
    a, b = await client_of(open_client, csms, V16), await client_of(open_client, csms, V16)
    tag = await csms.an_id_tag()
    start = {"connectorId": 1, "idTag": tag, "meterStart": 0, "timestamp": a_time(1)}
    first = await a.result("StartTransaction", start)
    assert first["idTagInfo"]["status"] == "Accepted"
    assert (await a.result("StartTransaction", start)) == first              # a retry is the same start
    # Authorize stays Accepted (it may be the tag stopping its own transaction)
    assert (await b.result("Authorize", {"idTag": tag}))["idTagInfo"]["status"] == "Accepted"
    elsewhere = await b.result("StartTransaction", {**start, "timestamp": a_time(2)})
    assert elsewhere["idTagInfo"]["status"] == "ConcurrentTx"
    other_connector = await a.result("StartTransaction", {**start, "connectorId": 2, "timestamp": a_time(2)})
    assert other_connector["idTagInfo"]["status"] == "ConcurrentTx"
    for client, refused in ((b, elsewhere), (a, other_connector)):     # the stations stop them, as told
        await client.result("StopTransaction", {"transactionId": refused["transactionId"], "meterStop": 0,
                                                "timestamp": a_time(3), "reason": "DeAuthorized"})
    # a new start on the same connector replaces the one never stopped (Abandoned): no conflict
    again = await a.result("StartTransaction", {**start, "timestamp": a_time(3), "meterStart": 10})
    assert again["idTagInfo"]["status"] == "Accepted"
    await a.result("StopTransaction", {"transactionId": again["transactionId"], "meterStop": 50,
                                       "timestamp": a_time(4)})
    later = await b.result("StartTransaction", {**start, "timestamp": a_time(5)})
    assert later["idTagInfo"]["status"] == "Accepted"


async def test_TC_concurrent_tx_201_and_across_versions(csms, open_client):
    v201, v16 = await client_of(open_client, csms, V201), await client_of(open_client, csms, V16)
    tag = await csms.an_id_tag(group_id="FLEET-C")
    assert (await v201.result("TransactionEvent", started("c-1", 1, tag)))["idTokenInfo"]["status"] == "Accepted"
    busy = await v201.result("TransactionEvent", started("c-2", 2, tag))
    assert busy["idTokenInfo"] == {"status": "ConcurrentTx", "groupIdToken": {"idToken": "FLEET-C", "type": "Central"}}
    # plug-in first, identified later
    await v201.result("TransactionEvent", started("c-3", 3))
    late = await v201.result("TransactionEvent", {**started("c-3", 3, tag, seq=1), "eventType": "Updated"})
    assert late["idTokenInfo"]["status"] == "ConcurrentTx"
    on_16 = await v16.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                  "timestamp": a_time(2)})
    assert on_16["idTagInfo"]["status"] == "ConcurrentTx"
    # its own transaction: stopping with it is fine, and then it may start elsewhere
    assert (await v201.result("TransactionEvent", ended("c-1", 1, tag)))["idTokenInfo"]["status"] == "Accepted"
    for tx in ("c-2", "c-3"):
        await v201.result("TransactionEvent", ended(tx, 5, trigger="EVDeparted"))
    await v16.result("StopTransaction", {"transactionId": on_16["transactionId"], "meterStop": 5,
                                         "timestamp": a_time(3)})
    assert (await v201.result("TransactionEvent", started("c-4", 4, tag)))["idTokenInfo"]["status"] == "Accepted"


async def test_transactions_on_connector_1_of_two_evses_both_stay_active(csms, open_client):
    """2.0.1 numbers connectors per EVSE: a start on EVSE 2 abandons nothing on EVSE 1."""
    client = await client_of(open_client, csms, V201)
    await client.result("TransactionEvent", started("e-1", 1))
    await client.result("TransactionEvent", started("e-2", 2))
    _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    assert sorted((t["ocpp_transaction_id"], t["evse_id"], t["status"]) for t in txs) == [
        ("e-1", 1, "Active"), ("e-2", 2, "Active")]
