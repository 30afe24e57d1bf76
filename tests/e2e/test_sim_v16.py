"""The bundled simulator (OCPP 1.6J) against the real CSMS over real sockets."""

from __future__ import annotations

import asyncio

from chargepoint_sim import ChargePoint16


async def until(predicate, timeout: float = 10.0, step: float = 0.05):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


def sim(csms, cp_id: str, **kw) -> ChargePoint16:
    return ChargePoint16(url=csms.ocpp_url, cp_id=cp_id, connectors=2, meter_interval=0.3, time_scale=60,
                         reconnect_min_delay=0.1, reconnect_max_delay=0.5, **kw)


async def test_TC_003_regular_charging_session_energy_matches(csms_any_db):
    csms = csms_any_db
    await csms.a_charge_point("SIM16-1")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM16-1")
    try:
        boot = await cp.connect()
        assert boot["status"] == "Accepted"
        await cp.plug_in(1)
        tx_id = await cp.start_session(1, tag)
        await asyncio.sleep(1.2)               # a few MeterValues at 0.3 s
        await cp.stop_session(1, reason="EVDisconnected")
        delivered = cp.connectors[1].meter_wh - cp.connectors[1].transaction_meter_start \
            if hasattr(cp.connectors[1], "transaction_meter_start") else None
        await cp.unplug(1)
    finally:
        await cp.close()
    assert cp.protocol_errors == []
    status, tx = await csms.get(f"/api/v1/admin/transactions/{tx_id}")
    assert status == 200
    assert tx["status"] == "Completed" and tx["stop_reason"] == "EVDisconnected" and tx["id_tag"] == tag
    assert tx["energy_wh"] == tx["meter_stop_wh"] - tx["meter_start_wh"] > 0
    if delivered is not None:
        assert tx["energy_wh"] == delivered
    periodic = [v for v in tx["meter_values"] if v["context"] == "Sample.Periodic"
                and v["measurand"] == "Energy.Active.Import.Register"]
    assert len(periodic) >= 2
    readings = [int(float(v["value"])) for v in periodic]
    assert readings == sorted(readings) and tx["meter_start_wh"] <= readings[0] <= readings[-1] <= tx["meter_stop_wh"]
    _, view = await csms.get("/api/v1/admin/charge-points/SIM16-1")
    assert view["vendor"] == "csms-sim" and view["online"] is False
    assert {c["connector_id"]: c["status"] for c in view["connectors"]} == {1: "Available", 2: "Available"}


async def test_TC_010_remote_start_and_stop_through_the_api(csms):
    await csms.a_charge_point("SIM16-2")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM16-2", auto_plug=True)
    try:
        await cp.connect()
        status, result = await csms.post("/api/v1/admin/charge-points/SIM16-2/commands/remote-start",
                                         {"id_tag": tag, "connector_id": 2})
        assert (status, result["status"]) == (200, "Accepted")

        async def active():
            _, txs = await csms.get("/api/v1/admin/transactions?charge_point_id=SIM16-2&status=Active")
            return txs
        tx = (await until(active))[0]
        assert (tx["connector_id"], tx["id_tag"]) == (2, tag)
        status, result = await csms.post("/api/v1/admin/charge-points/SIM16-2/commands/remote-stop",
                                         {"transaction_id": tx["id"]})
        assert (status, result["status"]) == (200, "Accepted")

        async def completed():
            _, t = await csms.get(f"/api/v1/admin/transactions/{tx['id']}")
            return t if t["status"] == "Completed" else None
        done = await until(completed)
        assert done["stop_reason"] == "Remote"
    finally:
        await cp.close()
    assert cp.protocol_errors == []


async def test_TC_037_transaction_while_offline_is_forwarded_after_reconnect(csms):
    await csms.a_charge_point("SIM16-3")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM16-3")
    try:
        await cp.connect()
        await cp.disconnect()
        async def offline():
            _, v = await csms.get("/api/v1/admin/charge-points/SIM16-3")
            return not v["online"]
        await until(offline)
        await cp.plug_in(1)
        assert await cp.start_session(1, tag) is None       # queued: no id while offline
        await asyncio.sleep(0.7)
        await cp.stop_session(1)
        await cp.reconnect()

        async def forwarded():
            _, txs = await csms.get("/api/v1/admin/transactions?charge_point_id=SIM16-3")
            return txs if txs and txs[0]["status"] == "Completed" else None
        txs = await until(forwarded)
    finally:
        await cp.close()
    assert len(txs) == 1 and txs[0]["energy_wh"] > 0 and txs[0]["id_tag"] == tag


async def test_get_and_change_configuration_round_trip(csms):
    await csms.a_charge_point("SIM16-4")
    cp = sim(csms, "SIM16-4")
    try:
        await cp.connect()
        status, got = await csms.post("/api/v1/admin/charge-points/SIM16-4/commands/get-configuration",
                                      {"keys": ["HeartbeatInterval", "NoSuchKey"]})
        assert status == 200 and got["unknown_keys"] == ["NoSuchKey"]
        assert [k["key"] for k in got["configuration"]] == ["HeartbeatInterval"]
        status, changed = await csms.post("/api/v1/admin/charge-points/SIM16-4/commands/change-configuration",
                                          {"key": "MeterValueSampleInterval", "value": "15"})
        assert (status, changed["status"]) == (200, "Accepted")
        assert cp.config.get("MeterValueSampleInterval") in ("15", 15)
    finally:
        await cp.close()
