"""Durable before answered, over a real socket: a CALLRESULT for MeterValues, StopTransaction and
TransactionEvent goes out only once what it acknowledges is committed (read back through another
connection the moment the answer arrives, with the write-behind interval set to an hour so only the
group commit can have written it); a failed commit is answered InternalError, and the charger's
resend is stored once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db import tables as t
from tests.e2e.helpers import a_time, new_id

HOUR = {"ocpp.flush_interval": 3600}


async def count(csms, table, **where) -> int:
    engine = create_async_engine(str(csms.container.engine.url))    # another connection: only commits show
    try:
        async with engine.connect() as conn:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(table.c[column] == value)
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


def meter(minute: int, wh: int, number=str) -> list[dict]:
    """A sample of two values (1.6 sends them as strings, 2.0.1 as numbers: ``number=int``)."""
    return [{"timestamp": a_time(minute), "sampledValue": [
        {"value": number(wh), "measurand": "Energy.Active.Import.Register"},
        {"value": number(7000), "measurand": "Power.Active.Import"}]}]


async def test_v16_meter_values_and_stop_are_committed_before_their_answer(csms_with, open_client):
    csms = await csms_with(**HOUR)
    client = await open_client(csms)
    tag = await csms.an_id_tag(new_id("TAG"))
    tx_id = (await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 1000,
                                                      "timestamp": a_time(0)}))["transactionId"]
    assert await count(csms, t.transactions, id=tx_id) == 1

    await client.result("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": meter(1, 1500)})
    assert await count(csms, t.meter_values, transaction_id=tx_id) == 2

    await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 2500, "timestamp": a_time(5),
                                            "transactionData": meter(4, 2400)})
    assert await count(csms, t.meter_values, transaction_id=tx_id) == 4
    assert await count(csms, t.transactions, id=tx_id, status="Completed") == 1


async def test_v201_transaction_event_is_committed_before_its_answer(csms_with, open_client):
    csms = await csms_with(**HOUR)
    client = await open_client(csms, protocol="ocpp2.0.1", boot=False)
    await client.result("BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}})
    event = {"eventType": "Started", "timestamp": a_time(0), "triggerReason": "CablePluggedIn", "seqNo": 0,
             "transactionInfo": {"transactionId": "TX-DUR-1"}, "evse": {"id": 1, "connectorId": 1},
             "meterValue": meter(0, 1000, int)}
    await client.result("TransactionEvent", event)
    await client.result("TransactionEvent", {**event, "eventType": "Updated", "seqNo": 1,
                                             "triggerReason": "MeterValuePeriodic", "timestamp": a_time(1),
                                             "meterValue": meter(1, 1800, int)})
    assert await count(csms, t.meter_values, charge_point_id=client.cp_id) == 4
    await client.result("TransactionEvent", {**event, "eventType": "Updated", "seqNo": 2, "offline": True,
                                             "triggerReason": "ChargingStateChanged", "timestamp": a_time(2)})
    engine = create_async_engine(str(csms.container.engine.url))
    try:
        async with engine.connect() as conn:
            seq_no, offline = (await conn.execute(select(t.transactions.c.seq_no, t.transactions.c.offline).where(
                t.transactions.c.ocpp_tx_id == "TX-DUR-1"))).one()
    finally:
        await engine.dispose()
    assert (seq_no, bool(offline)) == (2, True)


async def test_a_failed_commit_is_not_acknowledged_and_the_resend_is_stored_once(csms_with, open_client):
    csms = await csms_with(**HOUR)
    client = await open_client(csms)
    batch = csms.container.batch
    write = batch._commit
    away = True

    async def database_away(inserts, updates):       # the fault: the database refuses the commit
        if away:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        await write(inserts, updates)
    batch._commit = database_away
    try:
        payload = {"connectorId": 1, "meterValue": meter(3, 1234)}
        frame = await client.call("MeterValues", payload)
        assert frame[0] == 4 and frame[2] == "InternalError", frame     # no CALLRESULT: the charger keeps it
        away = False
        frame = await client.call("MeterValues", payload)               # the charger's resend
        assert frame[0] == 3, frame
        frame = await client.call("MeterValues", payload)               # and once more, answered before
        assert frame[0] == 3, frame
    finally:
        batch._commit = write
    assert await count(csms, t.meter_values, charge_point_id=client.cp_id) == 2     # two values, once each
