"""The bundled simulator speaking OCPP 2.0.1 (ChargePoint201) against the real CSMS over real sockets:
boot, a full session, remote start/stop and configuration through the REST API, store-and-forward."""

from __future__ import annotations

import asyncio


from chargepoint_sim import ChargePoint201


async def until(predicate, timeout: float = 8.0, step: float = 0.05):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


def sim(csms, cp_id: str, **kw) -> ChargePoint201:
    options = {"connectors": 2, "meter_interval": 1.0, "time_scale": 60, "ramp_s": 0, "call_timeout": 5,
               "reconnect_min_delay": 0.1, "reconnect_max_delay": 0.5}
    return ChargePoint201(url=csms.ocpp_url, cp_id=cp_id, **{**options, **kw})


def commands(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


async def transactions(csms, cp_id: str) -> list[dict]:
    status, body = await csms.get(f"/api/v1/admin/transactions?charge_point_id={cp_id}")
    assert status == 200, body
    return body


async def test_boot_and_full_session_energy_matches(csms):
    await csms.a_charge_point("SIM201-1")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM201-1")
    try:
        boot = await cp.connect()
        assert boot["status"] == "Accepted" and cp.boot_status == "Accepted"
        _, view = await csms.get("/api/v1/admin/charge-points/SIM201-1")
        assert view["protocol"] == "ocpp2.0.1" and view["vendor"] == "csms-sim" and view["online"] is True
        await cp.plug_in(1)
        tx_id = await cp.start_session(1, tag)
        assert isinstance(tx_id, str) and cp.connectors[1].transaction_id == tx_id
        await asyncio.sleep(2.3)  # two periodic TransactionEvent Updated at 1 s
        assert cp.connectors[1].meter_wh > 0
        await cp.stop_session(1)
        delivered = cp.connectors[1].last_transaction.energy_wh
        await cp.unplug(1)
    finally:
        await cp.close()
    assert cp.protocol_errors == []
    [tx] = await transactions(csms, "SIM201-1")
    assert tx["status"] == "Completed" and tx["ocpp_transaction_id"] == tx_id and tx["id_tag"] == tag
    assert (tx["evse_id"], tx["stop_reason"]) == (1, "Local")
    assert tx["energy_wh"] == delivered > 0
    _, detail = await csms.get(f"/api/v1/admin/transactions/{tx['id']}")
    periodic = [int(float(v["value"])) for v in detail["meter_values"]
                if v["context"] == "Sample.Periodic" and v["measurand"] == "Energy.Active.Import.Register"]
    assert len(periodic) >= 2 and periodic == sorted(periodic)
    assert tx["meter_start_wh"] <= periodic[0] <= periodic[-1] <= tx["meter_stop_wh"]


async def test_remote_start_and_stop_through_the_api(csms):
    await csms.a_charge_point("SIM201-2")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM201-2")
    try:
        await cp.connect()
        status, result = await csms.post(commands("SIM201-2", "remote-start"), {"id_tag": tag, "connector_id": 1})
        assert (status, result["status"]) == (200, "Accepted"), result
        await cp.wait_for(lambda cp: cp.connectors[1].state == "Charging", timeout=5)
        assert cp.connectors[1].transaction.remote_start_id == result["remote_start_id"] is not None

        async def active():
            return [t for t in await transactions(csms, "SIM201-2") if t["status"] == "Active"]
        [tx] = await until(active)
        assert (tx["evse_id"], tx["id_tag"], tx["ocpp_transaction_id"]) == (1, tag, cp.connectors[1].transaction_id)
        assert tx["remote_start_id"] == result["remote_start_id"]  # correlated through the TransactionEvent
        status, result = await csms.post(commands("SIM201-2", "remote-stop"), {"transaction_id": tx["id"]})
        assert (status, result["status"]) == (200, "Accepted"), result
        await cp.wait_for(lambda cp: cp.connectors[1].transaction is None, timeout=5)

        async def completed():
            _, t = await csms.get(f"/api/v1/admin/transactions/{tx['id']}")
            return t if t["status"] == "Completed" else None
        done = await until(completed)
        assert done["stop_reason"] == "Remote"
        assert done["energy_wh"] == cp.connectors[1].last_transaction.energy_wh
    finally:
        await cp.close()
    assert cp.protocol_errors == []
    remote = [p for a, p in cp.received if a == "RequestStartTransaction"]
    assert remote[0]["evseId"] == 1 and remote[0]["idToken"]["idToken"] == tag


async def test_configuration_is_answered_from_the_device_model(csms):
    await csms.a_charge_point("SIM201-3")
    cp = sim(csms, "SIM201-3")
    try:
        await cp.connect()
        status, got = await csms.post(commands("SIM201-3", "get-configuration"), {"keys": ["HeartbeatInterval"]})
        assert status == 200, got
        assert [(k["key"], k["value"]) for k in got["configuration"]] == [
            ("HeartbeatInterval", cp.config.get("OCPPCommCtrlr.HeartbeatInterval"))]
        assert got["unknown_keys"] == []
        assert [a for a, _ in cp.received] == ["GetVariables"]
        status, changed = await csms.post(commands("SIM201-3", "change-configuration"),
                                          {"key": "MeterValueSampleInterval", "value": "15"})
        assert (status, changed["status"]) == (200, "Accepted"), changed
        assert cp.config.get("SampledDataCtrlr.TxUpdatedInterval") == "15"
    finally:
        await cp.close()
    assert cp.protocol_errors == []


async def test_get_configuration_answers_with_the_keys_asked_for(csms):
    await csms.a_charge_point("SIM201-5")
    cp = sim(csms, "SIM201-5")
    try:
        await cp.connect()
        status, got = await csms.post(commands("SIM201-5", "get-configuration"),
                                      {"keys": ["NoSuchKey", "SampledDataCtrlr.TxUpdatedInterval"]})
        assert status == 200, got
        assert got["unknown_keys"] == ["NoSuchKey"]
        assert [k["key"] for k in got["configuration"]] == ["SampledDataCtrlr.TxUpdatedInterval"]
    finally:
        await cp.close()
    assert cp.protocol_errors == []


async def test_transaction_while_offline_is_forwarded_after_reconnect(csms):
    await csms.a_charge_point("SIM201-4")
    tag = await csms.an_id_tag()
    cp = sim(csms, "SIM201-4", meter_interval=0.3)
    try:
        await cp.connect()
        await cp.authorize(tag)  # cached: allowed offline
        await cp.disconnect()
        tx_id = await cp.start_session(1, tag)
        await asyncio.sleep(0.7)
        await cp.stop_session(1)
        assert all(p["offline"] for a, p in cp.outbox)
        await cp.reconnect()
        await cp.wait_for(lambda cp: not cp.outbox)

        async def forwarded():
            txs = await transactions(csms, "SIM201-4")
            return txs if txs and txs[0]["status"] == "Completed" else None
        [tx] = await until(forwarded)
    finally:
        await cp.close()
    assert cp.protocol_errors == []
    assert tx["ocpp_transaction_id"] == tx_id and tx["id_tag"] == tag and tx["offline"] is True
    assert tx["energy_wh"] == cp.connectors[1].last_transaction.energy_wh > 0
