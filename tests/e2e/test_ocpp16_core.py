"""OCPP 1.6J Core profile, inbound: hand-written frames from a charge point over a real socket,
the answers checked frame by frame and the outcome checked over REST. Named after the OCPP 1.6
conformance (OCTT) test cases where one applies."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.helpers import BOOT, a_time, eventually, new_id
from tests.support.ocpp_client import RawClient

# Most tests here bring their own charge point and look at nothing server-wide: they share one
# server and run in the module's event loop (see shared_csms in conftest.py). The transaction flow
# also runs on MariaDB, on a server of its own (csms_any_db, fresh_client).
pytestmark = pytest.mark.asyncio(loop_scope="module")
own_server = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ocpp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def _status(client: RawClient, connector: int, status: str, error: str = "NoError", **extra) -> None:
    assert await client.result("StatusNotification", {"connectorId": connector, "errorCode": error,
                                                      "status": status, **extra}) == {}


async def _cp(csms, cp_id: str) -> dict:
    code, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert code == 200, body
    return body


async def _tx(csms, tx_id: int) -> dict:
    code, body = await csms.get(f"/api/v1/admin/transactions/{tx_id}")
    assert code == 200, body
    return body


def _connectors(cp: dict) -> list[tuple]:
    return [(c["evse_id"], c["connector_id"], c["status"], c["error_code"]) for c in cp["connectors"]]


# -- boot -----------------------------------------------------------------------------------------

async def test_TC_001_cold_boot(csms, open_client):
    client = await open_client(csms, boot=False)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    boot = await client.result("BootNotification", {**BOOT, "chargePointSerialNumber": "SN-1",
                                                    "firmwareVersion": "1.2.3"})
    assert boot["status"] == "Accepted"
    assert boot["interval"] == 300
    assert before <= _utc(boot["currentTime"]) <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert boot["currentTime"].endswith("Z")
    for connector in (0, 1, 2):
        await _status(client, connector, "Available")

    cp = await _cp(csms, client.cp_id)
    assert (cp["vendor"], cp["model"], cp["serial_number"], cp["firmware_version"]) == ("Acme", "X1", "SN-1", "1.2.3")
    assert cp["protocol"] == "ocpp1.6" and cp["online"] is True and cp["last_boot_at"] is not None
    assert cp["registration_status"] == "Accepted"
    assert (cp["status"], cp["error_code"]) == ("Available", "NoError")   # connector 0: the charge point itself
    assert _connectors(cp) == [(1, 1, "Available", "NoError"), (2, 2, "Available", "NoError")]


async def test_TC_002_cold_boot_pending_then_accepted(csms, open_client):
    client = await open_client(csms, boot=False)
    code, body = await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Pending"})
    assert code == 200 and body["registration_status"] == "Pending"
    boot = await client.result("BootNotification", BOOT)
    assert (boot["status"], boot["interval"]) == ("Pending", 30)

    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Accepted"})
    boot = await client.result("BootNotification", BOOT)
    assert (boot["status"], boot["interval"]) == ("Accepted", 300)


async def test_boot_rejected_other_calls_get_security_error(csms, open_client):
    client = await open_client(csms, boot=False)
    tag = await csms.an_id_tag()
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Rejected"})
    boot = await client.result("BootNotification", BOOT)
    assert (boot["status"], boot["interval"]) == ("Rejected", 30)

    for action, payload in (
        ("Authorize", {"idTag": tag}),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
        ("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0, "timestamp": a_time()}),
    ):
        answer = await client.call(action, payload)
        assert answer[0] == 4 and answer[2] == "SecurityError", (action, answer)

    # nothing was recorded, and the socket lives on: a new boot is still answered
    cp = await _cp(csms, client.cp_id)
    assert cp["connectors"] == []
    code, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    assert (code, txs) == (200, [])
    assert (await client.result("BootNotification", BOOT))["status"] == "Rejected"


async def test_boot_rejected_every_other_call_gets_security_error(csms, open_client):
    client = await open_client(csms, boot=False)
    await csms.patch(f"/api/v1/admin/charge-points/{client.cp_id}", {"registration_status": "Rejected"})
    assert (await client.result("BootNotification", BOOT))["status"] == "Rejected"
    for action, payload in (
        ("Heartbeat", {}),
        ("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": a_time(), "sampledValue": [{"value": "1"}]}]}),
        ("StopTransaction", {"transactionId": 1, "meterStop": 1, "timestamp": a_time()}),
        ("DataTransfer", {"vendorId": "com.example"}),
        ("FirmwareStatusNotification", {"status": "Idle"}),
        ("DiagnosticsStatusNotification", {"status": "Idle"}),
    ):
        answer = await client.call(action, payload)
        assert answer[0] == 4 and answer[2] == "SecurityError", (action, answer)


async def test_heartbeat_answers_current_time(csms, open_client):
    client = await open_client(csms)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    answer = await client.result("Heartbeat", {})
    assert list(answer) == ["currentTime"]
    assert answer["currentTime"].endswith("Z")
    assert before <= _utc(answer["currentTime"]) <= datetime.now(timezone.utc) + timedelta(seconds=1)


# -- status -------------------------------------------------------------------------------------

async def test_status_notification_for_every_connector(csms, open_client):
    client = await open_client(csms)
    await _status(client, 0, "Available")
    await _status(client, 1, "Available", timestamp=a_time(1))
    await _status(client, 2, "Faulted", "GroundFailure", timestamp=a_time(1), info="RCD tripped",
                  vendorErrorCode="E42")
    await _status(client, 3, "Unavailable")
    await _status(client, 1, "Preparing", timestamp=a_time(2))

    cp = await _cp(csms, client.cp_id)
    assert (cp["status"], cp["error_code"]) == ("Available", "NoError")
    assert _connectors(cp) == [(1, 1, "Preparing", "NoError"), (2, 2, "Faulted", "GroundFailure"),
                               (3, 3, "Unavailable", "NoError")]
    faulted = cp["connectors"][1]
    assert (faulted["info"], faulted["vendor_error_code"]) == ("RCD tripped", "E42")
    assert faulted["status_at"] == "2026-01-01T00:01:00.000Z"

    await _status(client, 0, "Faulted", "PowerMeterFailure")
    cp = await _cp(csms, client.cp_id)
    assert (cp["status"], cp["error_code"]) == ("Faulted", "PowerMeterFailure")


async def test_status_notification_older_than_stored_is_ignored(csms, open_client):
    client = await open_client(csms)
    await _status(client, 1, "Charging", timestamp=a_time(5))
    await _status(client, 1, "Preparing", timestamp=a_time(4))   # delivered late: answered, not applied
    cp = await _cp(csms, client.cp_id)
    assert _connectors(cp) == [(1, 1, "Charging", "NoError")]


# -- authorization ------------------------------------------------------------------------------

async def test_authorize_accepted_with_expiry_and_parent(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag(expiry_date="2099-01-01T00:00:00Z", group_id="FLEET-1")
    answer = await client.result("Authorize", {"idTag": tag})
    info = answer["idTagInfo"]
    assert info["status"] == "Accepted"
    assert _utc(info["expiryDate"]) == datetime(2099, 1, 1, tzinfo=timezone.utc)
    assert info["parentIdTag"] == "FLEET-1"


async def test_TC_023_1_authorize_invalid(csms, open_client):
    client = await open_client(csms)
    answer = await client.result("Authorize", {"idTag": "NEVER-SEEN-TAG"})
    assert answer == {"idTagInfo": {"status": "Invalid"}}
    invalid = await csms.an_id_tag(status="Invalid")
    assert (await client.result("Authorize", {"idTag": invalid}))["idTagInfo"]["status"] == "Invalid"


async def test_TC_023_2_authorize_expired(csms, open_client):
    client = await open_client(csms)
    past = await csms.an_id_tag(status="Accepted", expiry_date="2020-01-01T00:00:00Z")
    answer = await client.result("Authorize", {"idTag": past})
    assert answer["idTagInfo"]["status"] == "Expired"
    marked = await csms.an_id_tag(status="Expired")
    assert (await client.result("Authorize", {"idTag": marked}))["idTagInfo"]["status"] == "Expired"


async def test_TC_023_3_authorize_blocked(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag(status="Blocked")
    assert (await client.result("Authorize", {"idTag": tag}))["idTagInfo"]["status"] == "Blocked"
    # a transaction started offline with that tag is recorded, and answered Blocked
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time()})
    assert start["idTagInfo"]["status"] == "Blocked"
    assert isinstance(start["transactionId"], int)


# -- transactions -------------------------------------------------------------------------------

@own_server
async def test_TC_003_regular_charging_session_plugin_first(csms_any_db, fresh_client):
    csms = csms_any_db
    client = await fresh_client(csms)
    tag = await csms.an_id_tag()
    await _status(client, 1, "Available", timestamp=a_time(0))
    await _status(client, 1, "Preparing", timestamp=a_time(0, 10))
    assert (await client.result("Authorize", {"idTag": tag}))["idTagInfo"]["status"] == "Accepted"
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 1000,
                                                     "timestamp": a_time(0, 30)})
    assert start["idTagInfo"]["status"] == "Accepted"
    tx_id = start["transactionId"]
    await _status(client, 1, "Charging", timestamp=a_time(0, 31))
    assert await client.result("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": [
        {"timestamp": a_time(5), "sampledValue": [
            {"value": "1.75", "unit": "kWh", "measurand": "Energy.Active.Import.Register",
             "context": "Sample.Periodic"},
            {"value": "7.2", "unit": "kW", "measurand": "Power.Active.Import", "context": "Sample.Periodic"},
            {"value": "40", "unit": "Percent", "measurand": "SoC", "context": "Sample.Periodic"}]}]}) == {}

    code, active = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}&status=Active")
    assert code == 200 and [t["id"] for t in active] == [tx_id]
    live = active[0]
    assert (live["status"], live["id_tag"], live["connector_id"], live["meter_start_wh"]) == ("Active", tag, 1, 1000)
    assert (live["last_meter_wh"], live["energy_wh"], live["power_w"], live["soc"]) == (1750, 750, 7200, 40)
    assert live["started_at"] == "2026-01-01T00:00:30.000Z" and live["stopped_at"] is None

    stop = await client.result("StopTransaction", {
        "transactionId": tx_id, "meterStop": 3500, "timestamp": a_time(30), "idTag": tag, "reason": "Local",
        "transactionData": [{"timestamp": a_time(30), "sampledValue": [
            {"value": "3.5", "unit": "kWh", "measurand": "Energy.Active.Import.Register",
             "context": "Transaction.End"}]}]})
    assert stop == {"idTagInfo": {"status": "Accepted"}}
    await _status(client, 1, "Finishing", timestamp=a_time(30, 1))
    await _status(client, 1, "Available", timestamp=a_time(31))

    tx = await _tx(csms, tx_id)
    assert (tx["status"], tx["meter_start_wh"], tx["meter_stop_wh"], tx["energy_wh"]) == ("Completed", 1000, 3500, 2500)
    assert (tx["stop_reason"], tx["stop_id_tag"], tx["anomaly"]) == ("Local", tag, None)
    assert tx["stopped_at"] == "2026-01-01T00:30:00.000Z"
    values = [(v["timestamp"], v["measurand"], v["unit"], v["context"], v["value"]) for v in tx["meter_values"]]
    assert values == [
        ("2026-01-01T00:05:00.000Z", "Energy.Active.Import.Register", "kWh", "Sample.Periodic", "1.75"),
        ("2026-01-01T00:05:00.000Z", "Power.Active.Import", "kW", "Sample.Periodic", "7.2"),
        ("2026-01-01T00:05:00.000Z", "SoC", "Percent", "Sample.Periodic", "40"),
        ("2026-01-01T00:30:00.000Z", "Energy.Active.Import.Register", "kWh", "Transaction.End", "3.5"),
    ]
    code, done = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}&status=Completed")
    assert code == 200 and [t["id"] for t in done] == [tx_id]
    assert _connectors(await _cp(csms, client.cp_id)) == [(1, 1, "Available", "NoError")]


@own_server
async def test_start_transaction_retried_gets_the_same_transaction_id(csms_any_db, fresh_client):
    csms = csms_any_db
    client = await fresh_client(csms)
    tag = await csms.an_id_tag()
    request = {"connectorId": 2, "idTag": tag, "meterStart": 42, "timestamp": "2026-01-01T08:00:00.123Z"}
    first = await client.result("StartTransaction", request)
    again = await client.result("StartTransaction", request)
    assert again["transactionId"] == first["transactionId"]
    assert again["idTagInfo"] == first["idTagInfo"] == {"status": "Accepted"}
    code, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    assert code == 200 and [(t["id"], t["status"]) for t in txs] == [(first["transactionId"], "Active")]


async def test_duplicate_stop_transaction_changes_nothing(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time()})
    stop = {"transactionId": start["transactionId"], "meterStop": 800, "timestamp": a_time(10), "reason": "Local"}
    assert await client.result("StopTransaction", stop) == {}
    first = await _tx(csms, start["transactionId"])
    repeat = {**stop, "meterStop": 999_999, "timestamp": a_time(50), "reason": "PowerLoss", "idTag": tag}
    assert await client.result("StopTransaction", repeat) == {"idTagInfo": {"status": "Accepted"}}
    assert await _tx(csms, start["transactionId"]) == first
    assert (first["meter_stop_wh"], first["energy_wh"], first["stop_reason"]) == (800, 800, "Local")


async def test_stop_of_unknown_transaction_is_answered_and_records_nothing(csms, open_client):
    client = await open_client(csms)
    answer = await client.result("StopTransaction", {"transactionId": 987654, "meterStop": 10,
                                                     "timestamp": a_time()})
    assert answer == {}
    code, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    assert (code, txs) == (200, [])


async def test_meter_stop_below_meter_start_is_flagged_and_zero(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 5000,
                                                     "timestamp": a_time()})
    await client.result("StopTransaction", {"transactionId": start["transactionId"], "meterStop": 4000,
                                            "timestamp": a_time(20)})
    tx = await _tx(csms, start["transactionId"])
    assert (tx["status"], tx["meter_stop_wh"], tx["energy_wh"], tx["anomaly"]) == \
        ("Completed", 4000, 0, "meter_stop_below_start")


async def test_TC_005_1_ev_side_disconnected(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    await _status(client, 1, "Preparing", timestamp=a_time(0))
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time(0, 5)})
    await _status(client, 1, "Charging", timestamp=a_time(0, 6))
    await _status(client, 1, "SuspendedEV", timestamp=a_time(10))
    assert (await _cp(csms, client.cp_id))["connectors"][0]["status"] == "SuspendedEV"
    await client.result("StopTransaction", {"transactionId": start["transactionId"], "meterStop": 1200,
                                            "timestamp": a_time(11), "reason": "EVDisconnected"})
    await _status(client, 1, "Finishing", timestamp=a_time(11, 1))
    tx = await _tx(csms, start["transactionId"])
    assert (tx["status"], tx["stop_reason"], tx["energy_wh"]) == ("Completed", "EVDisconnected", 1200)
    assert _connectors(await _cp(csms, client.cp_id)) == [(1, 1, "Finishing", "NoError")]


async def test_TC_037_1_offline_start_transaction(csms, open_client):
    """The charge point started a transaction while offline and reports it after reconnecting."""
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    started = datetime.now(timezone.utc) - timedelta(hours=3)
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 250,
                                                     "timestamp": _ocpp(started)})
    assert start["idTagInfo"]["status"] == "Accepted"
    await _status(client, 1, "Charging")
    tx = await _tx(csms, start["transactionId"])
    assert tx["status"] == "Active"
    assert _utc(tx["started_at"]) == started.replace(microsecond=started.microsecond // 1000 * 1000)


async def test_TC_039_offline_transaction(csms, open_client):
    """Start, meter values and stop all queued while offline, delivered in order on reconnect."""
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 100,
                                                     "timestamp": a_time(0)})
    tx_id = start["transactionId"]
    await client.result("MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": [
        {"timestamp": a_time(10), "sampledValue": [{"value": "600"}]}]})
    await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 1100, "timestamp": a_time(20),
                                            "reason": "Local"})
    tx = await _tx(csms, tx_id)
    assert (tx["status"], tx["energy_wh"]) == ("Completed", 1000)
    # a sampled value without measurand/unit is the energy register in Wh
    assert [(v["measurand"], v["unit"], v["value"]) for v in tx["meter_values"]] == \
        [("Energy.Active.Import.Register", None, "600")]


async def test_new_start_on_a_busy_connector_abandons_the_unstopped_one(csms, open_client):
    client = await open_client(csms)
    tag = await csms.an_id_tag()
    first = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 0,
                                                     "timestamp": a_time(0)})
    second = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 500,
                                                      "timestamp": a_time(40)})
    assert second["transactionId"] != first["transactionId"]
    assert (await _tx(csms, first["transactionId"]))["status"] == "Abandoned"
    assert (await _tx(csms, second["transactionId"]))["status"] == "Active"


async def test_meter_values_outside_a_transaction_are_answered(csms, open_client):
    client = await open_client(csms)
    answer = await client.result("MeterValues", {"connectorId": 0, "meterValue": [
        {"timestamp": a_time(), "sampledValue": [{"value": "230.1", "measurand": "Voltage", "unit": "V"}]}]})
    assert answer == {}


# -- other Core inbound actions -------------------------------------------------------------------

async def test_TC_064_data_transfer_unknown_vendor(csms, open_client):
    client = await open_client(csms)
    answer = await client.result("DataTransfer", {"vendorId": "com.example.unknown", "messageId": "No-Idea",
                                                  "data": "There should be some data here"})
    assert answer == {"status": "UnknownVendorId"}


async def test_firmware_and_diagnostics_status_are_stored(csms, open_client):
    client = await open_client(csms)
    cp = await _cp(csms, client.cp_id)
    assert (cp["firmware_status"], cp["diagnostics_status"]) == (None, None)
    assert await client.result("FirmwareStatusNotification", {"status": "Downloading"}) == {}
    assert await client.result("DiagnosticsStatusNotification", {"status": "Uploading"}) == {}
    cp = await _cp(csms, client.cp_id)
    assert (cp["firmware_status"], cp["diagnostics_status"]) == ("Downloading", "Uploading")
    await client.result("FirmwareStatusNotification", {"status": "Installed"})
    await client.result("DiagnosticsStatusNotification", {"status": "Uploaded"})
    cp = await _cp(csms, client.cp_id)
    assert (cp["firmware_status"], cp["diagnostics_status"]) == ("Installed", "Uploaded")


# -- presence ---------------------------------------------------------------------------------------

async def test_online_while_connected_and_offline_right_after_disconnect(csms, open_client):
    cp_id = new_id()
    await csms.a_charge_point(cp_id)
    cp = await _cp(csms, cp_id)
    assert (cp["online"], cp["last_seen"]) == (False, None)

    client = await open_client(csms, cp_id, register=False)
    cp = await _cp(csms, cp_id)
    assert cp["online"] is True and cp["last_seen"] is not None
    code, listed = await csms.get("/api/v1/admin/charge-points?online=true")
    assert code == 200 and cp_id in [c["id"] for c in listed]

    await client.close()

    async def offline():
        return (await _cp(csms, cp_id))["online"] is False
    await eventually(offline, what="online false after disconnect")
    code, listed = await csms.get("/api/v1/admin/charge-points?online=false")
    assert code == 200 and cp_id in [c["id"] for c in listed]


async def test_last_seen_follows_the_frames(csms, open_client):
    client = await open_client(csms)
    first = _utc((await _cp(csms, client.cp_id))["last_seen"])
    await asyncio.sleep(0.01)
    await client.result("Heartbeat", {})
    second = _utc((await _cp(csms, client.cp_id))["last_seen"])
    assert second > first
    assert abs(datetime.now(timezone.utc) - second) < timedelta(seconds=5)
