"""OCPP 2.0.1 provisioning (block B: TC_B_*) and monitoring / customer information (block N: TC_N_*)
over real sockets; on OCPP 1.6 these typed commands are 400 (the version has no such action)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import a_time, answer
from tests.e2e.test_security import client_of, cmd

REPORT = {"requestId": 0, "generatedAt": a_time(0), "seqNo": 0, "tbc": False, "reportData": [
    {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
     "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
     "variableCharacteristics": {"dataType": "integer", "unit": "s", "supportsMonitoring": False}},
    {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"},
     "variableAttribute": [{"value": "Available", "mutability": "ReadOnly"}],
     "variableCharacteristics": {"dataType": "OptionList", "supportsMonitoring": True}}]}


async def _model(csms, cp_id, q=""):
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/device-model{q}")
    assert status == 200, body
    return body


async def test_TC_B_06_get_base_report_then_notify_report_stored(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "get-base-report"),
                                                         {"report_base": "FullInventory"}), {"status": "Accepted"})
    request_id = frame[3]["requestId"]
    assert frame[2:] == ["GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    part1 = {**REPORT, "requestId": request_id, "tbc": True, "reportData": REPORT["reportData"][:1]}
    part2 = {**REPORT, "requestId": request_id, "seqNo": 1, "reportData": REPORT["reportData"][1:]}
    assert await client.result("NotifyReport", part1) == {}
    assert await client.result("NotifyReport", part2) == {}
    model = await _model(csms, client.cp_id)
    assert [(v["component"], v["evse_id"], v["variable"], v["value"], v["mutability"]) for v in model] == [
        ("EVSE", 1, "AvailabilityState", "Available", "ReadOnly"),
        ("OCPPCommCtrlr", None, "HeartbeatInterval", "300", "ReadWrite")]
    assert model[1]["characteristics"] == {"dataType": "integer", "unit": "s", "supportsMonitoring": False}
    # a newer report replaces the value, not adds a row
    again = {**part1, "tbc": False, "reportData": [{**REPORT["reportData"][0], "variableAttribute": [
        {"type": "Actual", "value": "60", "mutability": "ReadWrite"}]}]}
    assert await client.result("NotifyReport", again) == {}
    assert [v["value"] for v in await _model(csms, client.cp_id, "?variable=HeartbeatInterval")] == ["60"]


async def test_TC_B_08_get_custom_report(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "get-report"), {
        "component_criteria": ["Problem"], "component_variables": [{"component": "EVSE", "evse_id": 1}]}),
        {"status": "EmptyResultSet"})
    assert frame[2:] == ["GetReport", {"requestId": body["request_id"], "componentCriteria": ["Problem"],
                                       "componentVariable": [{"component": {"name": "EVSE", "evse": {"id": 1}}}]}]
    assert (status, body["status"]) == (200, "EmptyResultSet")


async def test_TC_B_07_set_and_get_variables(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    await client.result("NotifyReport", REPORT)
    reply = {"setVariableResult": [
        {"attributeStatus": "Accepted", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"attributeStatus": "UnknownVariable", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}}]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "set-variables"), {"variables": [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "120"},
        {"component": "OCPPCommCtrlr", "variable": "Nope", "value": "1"}]}), reply)
    assert frame[2:] == ["SetVariables", {"setVariableData": [
        {"attributeValue": "120", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"attributeValue": "1", "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}}]}]
    assert status == 200 and [r["status"] for r in body["results"]] == ["Accepted", "UnknownVariable"]
    assert [v["value"] for v in await _model(csms, client.cp_id, "?variable=HeartbeatInterval")] == ["120"]
    reply = {"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "90",
                                    "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "get-variables"), {"variables": [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]}), reply)
    assert frame[2:] == ["GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}]
    assert body["results"] == [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval",
                                "attribute_type": "Actual", "status": "Accepted", "value": "90"}]


@pytest.mark.parametrize("name,body", [
    ("get-base-report", {"report_base": "FullInventory"}),
    ("set-variables", {"variables": [{"component": "A", "variable": "B", "value": "1"}]}),
    ("get-variables", {"variables": [{"component": "A", "variable": "B"}]}),
    ("set-monitoring-level", {"severity": 3}),
    ("customer-information", {"report": True, "clear": False}),
])
async def test_201_only_commands_on_16_are_400(csms, open_client, name, body):
    client = await open_client(csms)
    status, answer_ = await csms.post(cmd(client.cp_id, name), body)
    assert status == 400 and answer_["error"]["code"] == "unknown_action"


async def test_TC_N_01_set_and_clear_variable_monitoring(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    reply = {"setMonitoringResult": [{"id": 7, "status": "Accepted", "type": "UpperThreshold", "severity": 4,
                                      "component": {"name": "EVSE", "evse": {"id": 1}},
                                      "variable": {"name": "Power"}}]}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "set-variable-monitoring"), {"monitors": [
        {"component": "EVSE", "evse_id": 1, "variable": "Power", "type": "UpperThreshold", "value": 22000,
         "severity": 4}]}), reply)
    assert frame[2:] == ["SetVariableMonitoring", {"setMonitoringData": [
        {"value": 22000, "type": "UpperThreshold", "severity": 4, "component": {"name": "EVSE", "evse": {"id": 1}},
         "variable": {"name": "Power"}, "transaction": False}]}]     # the schema's default, filled in
    assert status == 200 and body["results"][0]["id"] == 7
    status, monitors = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/monitors")
    assert [(m["monitor_id"], m["evse_id"], m["variable"], m["value"]) for m in monitors] == [(7, 1, "Power", 22000)]
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "clear-variable-monitoring"),
                                                         {"ids": [7]}),
                                       {"clearMonitoringResult": [{"id": 7, "status": "Accepted"}]})
    assert frame[2:] == ["ClearVariableMonitoring", {"id": [7]}]
    assert body == {"status": "Accepted", "results": [{"id": 7, "status": "Accepted"}]}
    assert (await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/monitors"))[1] == []


async def test_TC_N_monitoring_base_level_and_report(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "set-monitoring-base"),
                                                         {"monitoring_base": "FactoryDefault"}), {"status": "Accepted"})
    assert frame[2:] == ["SetMonitoringBase", {"monitoringBase": "FactoryDefault"}] and body == {"status": "Accepted"}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "set-monitoring-level"), {"severity": 5}),
                                       {"status": "Rejected"})
    assert frame[2:] == ["SetMonitoringLevel", {"severity": 5}] and body == {"status": "Rejected"}
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "get-monitoring-report"),
                                                         {"monitoring_criteria": ["ThresholdMonitoring"]}),
                                       {"status": "Accepted"})
    request_id = body["request_id"]
    assert frame[2:] == ["GetMonitoringReport", {"requestId": request_id, "monitoringCriteria": ["ThresholdMonitoring"]}]
    report = {"requestId": request_id, "seqNo": 0, "generatedAt": a_time(1), "monitor": [
        {"component": {"name": "ChargingStation"}, "variable": {"name": "Temperature"},
         "variableMonitoring": [{"id": 3, "transaction": False, "value": 70, "type": "UpperThreshold",
                                 "severity": 2}]}]}
    assert await client.result("NotifyMonitoringReport", report) == {}
    status, monitors = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/monitors")
    assert [(m["monitor_id"], m["component"], m["variable"], m["severity"]) for m in monitors] == [
        (3, "ChargingStation", "Temperature", 2)]


def _event(event_id, value, trigger="Alerting", variable="Problem", cleared=None, second=0):
    e = {"eventId": event_id, "timestamp": a_time(2, second), "trigger": trigger, "actualValue": value,
         "eventNotificationType": "HardWiredNotification", "component": {"name": "Connector", "evse": {"id": 1}},
         "variable": {"name": variable}}
    if cleared is not None:
        e["cleared"] = cleared
    return e


async def test_TC_N_notify_event_problem_raises_and_clears_an_alarm(csms_with, fresh_client):
    csms = await csms_with(**{"alarms.debounce": "device_problem=0"})     # raised at once, not after a minute
    client = await client_of(fresh_client, csms, "ocpp2.0.1")
    notify = {"generatedAt": a_time(2), "seqNo": 0, "eventData": [
        _event(1, "true"), _event(2, "33.5", trigger="Periodic", variable="Temperature")]}
    assert await client.result("NotifyEvent", notify) == {}
    assert await client.result("NotifyEvent", notify) == {}        # a retry: nothing twice
    status, events = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/device-events")
    assert status == 200 and sorted(e["event_id"] for e in events) == [1, 2]
    status, alarms = await csms.get(f"/api/v1/admin/alarms?charge_point_id={client.cp_id}")
    assert len(alarms) == 1 and alarms[0]["kind"] == "device_problem" and alarms[0]["status"] == "Raised"
    assert (alarms[0]["type"], alarms[0]["evse_id"]) == ("Connector.Problem", 1)
    over = {"generatedAt": a_time(3), "seqNo": 0, "eventData": [_event(3, "false", cleared=True, second=30)]}
    assert await client.result("NotifyEvent", over) == {}
    status, alarms = await csms.get(f"/api/v1/admin/alarms?charge_point_id={client.cp_id}")
    assert [(a["status"], a["resolved_by"]) for a in alarms] == [("Resolved", "auto")]


async def test_TC_N_customer_information(csms, open_client):
    client = await client_of(open_client, csms, "ocpp2.0.1")
    frame, status, body = await answer(client, csms.post(cmd(client.cp_id, "customer-information"), {
        "report": True, "clear": False, "customer_identifier": "cust-1"}), {"status": "Accepted"})
    request_id = body["request_id"]
    assert frame[2:] == ["CustomerInformation", {"requestId": request_id, "report": True, "clear": False,
                                                 "customerIdentifier": "cust-1"}]
    for seq, (data, tbc) in enumerate((("part one", True), ("part two", False))):
        assert await client.result("NotifyCustomerInformation", {
            "data": data, "tbc": tbc, "seqNo": seq, "generatedAt": a_time(4), "requestId": request_id}) == {}
    status, parts = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/customer-information"
                                   f"?request_id={request_id}")
    assert [(p["seq_no"], p["data"], p["tbc"]) for p in parts] == [(0, "part one", True), (1, "part two", False)]
