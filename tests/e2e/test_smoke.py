"""The shortest end-to-end path: boot and a transaction by hand-written frames, seen over REST."""

from tests.support.ocpp_client import RawClient


async def test_boot_and_transaction_visible_over_rest(csms_any_db):
    csms = csms_any_db
    cp = await csms.a_charge_point("SMOKE-1")
    tag = await csms.an_id_tag()
    client = await RawClient.open(csms.ocpp_url, cp["id"])
    try:
        boot = await client.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X1"})
        assert boot["status"] == "Accepted"
        start = await client.result("StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": 100,
                                                         "timestamp": "2026-01-01T00:00:00Z"})
        assert start["idTagInfo"]["status"] == "Accepted"
        await client.result("StopTransaction", {"transactionId": start["transactionId"], "meterStop": 2600,
                                                "timestamp": "2026-01-01T00:30:00Z"})
    finally:
        await client.close()
    status, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={cp['id']}")
    assert status == 200
    assert [(t["id"], t["energy_wh"], t["status"]) for t in txs] == [(start["transactionId"], 2500, "Completed")]
