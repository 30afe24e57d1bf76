"""Message size limits (OCPP 2.0.1 B06.FR.05 and the DeviceDataCtrlr ItemsPerMessage / BytesPerMessage
variables; issue 10 item 6) against the bundled simulator, which refuses a request above its limits: the
CSMS learns the limits from GetVariables results and NotifyReport, or from the operator, splits its
GetVariables / SetVariables / GetReport requests to fit, and the typed commands answer as if one was sent."""

from __future__ import annotations

import pytest

from chargepoint_sim.v201 import ChargePoint201
from tests.e2e.helpers import eventually, new_id

RW = [("OCPPCommCtrlr", "RetryBackOffRepeatTimes"), ("OCPPCommCtrlr", "RetryBackOffRandomRange"),
      ("OCPPCommCtrlr", "RetryBackOffWaitMinimum"), ("OCPPCommCtrlr", "OfflineThreshold"),
      ("OCPPCommCtrlr", "ResetRetries"), ("TxCtrlr", "EVConnectionTimeOut"), ("AuthCacheCtrlr", "LifeTime")]


@pytest.fixture
async def station(csms):
    cp_id = new_id("LIM")
    await csms.a_charge_point(cp_id)
    cp = ChargePoint201(url=csms.ocpp_url, cp_id=cp_id, connectors=1)
    cp.config.set("DeviceDataCtrlr.ItemsPerMessage.GetVariables", 3)
    cp.config.set("DeviceDataCtrlr.BytesPerMessage.SetVariables", 450)
    cp.feature_step_delay = 0.01
    await cp.connect()
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


def _cmd(cp, name):
    return f"/api/v1/admin/charge-points/{cp.cp_id}/commands/{name}"


def _sent(cp, action):
    return [payload for name, payload in cp.received if name == action]


async def test_B06_FR_05_requests_are_split_by_the_limits_learned_from_get_variables(csms, station):
    refs = [{"component": c, "variable": v} for c, v in RW]
    status, body = await csms.post(_cmd(station, "get-variables"), {"variables": refs})
    assert (status, body["error"]["code"]) == (502, "OccurrenceConstraintViolation")     # 7 > 3, not known yet

    learn = [{"component": "DeviceDataCtrlr", "variable": v, "variable_instance": i}
             for v, i in (("ItemsPerMessage", "GetVariables"), ("BytesPerMessage", "SetVariables"))]
    status, body = await csms.post(_cmd(station, "get-variables"), {"variables": learn})
    assert status == 200 and [r["value"] for r in body["results"]] == ["3", "450"]
    _, limits = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/message-limits")
    assert limits["get_variables"]["items_per_message"] == 3
    assert limits["set_variables"]["bytes_per_message"] == 450

    before = len(_sent(station, "GetVariables"))
    status, body = await csms.post(_cmd(station, "get-variables"), {"variables": refs})
    assert status == 200 and body["status"] == "Accepted"
    assert [(r["component"], r["variable"]) for r in body["results"]] == RW          # merged, in the order asked
    assert all(r["status"] == "Accepted" for r in body["results"])
    assert [len(p["getVariableData"]) for p in _sent(station, "GetVariables")[before:]] == [3, 3, 1]

    values = [{"component": c, "variable": v, "value": str(10 + i)} for i, (c, v) in enumerate(RW)]
    status, body = await csms.post(_cmd(station, "set-variables"), {"variables": values})
    assert status == 200 and [r["status"] for r in body["results"]] == ["Accepted"] * len(RW)
    parts = _sent(station, "SetVariables")
    assert len(parts) > 1 and sum(len(p["setVariableData"]) for p in parts) == len(RW)
    assert station.config.get_int("AuthCacheCtrlr.LifeTime") == 16


async def test_B06_limits_learned_from_notify_report_and_set_by_the_operator_split_get_report(csms, station):
    status, body = await csms.post(_cmd(station, "get-base-report"), {"report_base": "FullInventory"})
    assert (status, body["status"]) == (200, "Accepted")

    async def learned():
        _, limits = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/message-limits")
        return limits if limits["get_variables"]["items_per_message"] == 3 else None
    limits = await eventually(learned, timeout=5, what="the limits from NotifyReport")
    assert limits["set_variables"]["bytes_per_message"] == 450

    status, limits = await csms.put(f"/api/v1/admin/charge-points/{station.cp_id}/message-limits",
                                    {"get_report": {"items_per_message": 2}})
    assert status == 200 and limits["get_report"]["items_per_message"] == 2
    assert limits["get_variables"]["items_per_message"] == 3                        # the others kept
    refs = [{"component": c, "variable": v} for c, v in RW[:5]]
    status, body = await csms.post(_cmd(station, "get-report"), {"component_variables": refs})
    assert status == 200 and body["status"] == "Accepted" and len(body["request_ids"]) == 3
    assert [len(p["componentVariable"]) for p in _sent(station, "GetReport")] == [2, 2, 1]
    assert body["request_id"] == body["request_ids"][0]

    status, body = await csms.put(f"/api/v1/admin/charge-points/{station.cp_id}/message-limits",
                                  {"set_variables": {"bytes_per_message": 0}})
    assert status == 400


async def test_a_single_item_larger_than_bytes_per_message_is_400(csms, station):
    await csms.put(f"/api/v1/admin/charge-points/{station.cp_id}/message-limits",
                   {"set_variables": {"bytes_per_message": 100}})
    status, body = await csms.post(_cmd(station, "set-variables"), {"variables": [
        {"component": "OCPPCommCtrlr", "variable": "OfflineThreshold", "value": "9" * 200}]})
    assert (status, body["error"]["code"]) == (400, "message_too_large")
    assert _sent(station, "SetVariables") == []
