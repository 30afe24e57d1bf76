"""The 2.0.1 device model (pure): lookup, GetVariables / SetVariables statuses, reports, standard components."""

import pytest

from chargepoint_sim import schemas
from chargepoint_sim.device_model import DeviceModel, Variable
from chargepoint_sim.v201_components import standard_device_model
from chargepoint_sim.v201_messages import notify_reports


def model(**kw) -> DeviceModel:
    options = {"evses": 2, "cp_id": "CP1", "vendor": "acme", "model": "X1", "serial": "SN1", "firmware": "1.0", "max_power_w": 60000,
                   "password": "secret-password-1"}
    return standard_device_model(**{**options, **kw})


def cv(component, variable, evse=None, connector=None, instance=None, **extra):
    comp = {"name": component}
    if evse is not None:
        comp["evse"] = {"id": evse, **({"connectorId": connector} if connector is not None else {})}
    var = {"name": variable, **({"instance": instance} if instance else {})}
    return {"component": comp, "variable": var, **extra}


def test_standard_components_a_real_station_has():
    dm = model()
    for key in ("OCPPCommCtrlr.HeartbeatInterval", "SampledDataCtrlr.TxUpdatedInterval",
                "SampledDataCtrlr.TxUpdatedMeasurands", "SampledDataCtrlr.TxEndedMeasurands", "AlignedDataCtrlr.Interval",
                "TxCtrlr.EVConnectionTimeOut", "TxCtrlr.StopTxOnEVSideDisconnect", "TxCtrlr.TxStartPoint",
                "TxCtrlr.TxStopPoint", "AuthCtrlr.AuthorizeRemoteStart", "AuthCtrlr.LocalAuthorizeOffline",
                "AuthCtrlr.LocalPreAuthorize", "AuthCacheCtrlr.Enabled", "SecurityCtrlr.BasicAuthPassword",
                "SecurityCtrlr.SecurityProfile", "DeviceDataCtrlr.ItemsPerMessage.GetReport",
                "DeviceDataCtrlr.ItemsPerMessage.GetVariables", "ChargingStation.AvailabilityState"):
        assert key in dm, key
    assert dm.find_key("EVSE.AvailabilityState", evse=2).actual == "Available"
    assert dm.find_key("Connector.AvailabilityState", evse=1, connector=1) is not None
    assert dm.find_key("EVSE.AvailabilityState", evse=3) is None and "EVSE.AvailabilityState" not in dm
    assert dm.get_int("OCPPCommCtrlr.HeartbeatInterval") == 300
    assert dm.get_list("TxCtrlr.TxStopPoint") == ["EVConnected", "Authorized"]
    assert dm.get_bool("AuthCacheCtrlr.Enabled") is True and dm.get("No.Such", "d") == "d"


def test_get_variables_statuses():
    dm = model()
    results = dm.get_variables([
        cv("OCPPCommCtrlr", "HeartbeatInterval"),
        cv("ocppcommctrlr", "heartbeatinterval", attributeType="Actual"),  # names are case-insensitive
        cv("NoSuchCtrlr", "HeartbeatInterval"),
        cv("OCPPCommCtrlr", "NoSuchVariable"),
        cv("SecurityCtrlr", "BasicAuthPassword"),
        cv("OCPPCommCtrlr", "HeartbeatInterval", attributeType="Target"),
        cv("EVSE", "AvailabilityState", evse=1),
        cv("EVSE", "AvailabilityState"),  # an EVSE component needs its evse
        cv("DeviceDataCtrlr", "ItemsPerMessage", instance="GetVariables"),
    ])
    assert [r["attributeStatus"] for r in results] == [
        "Accepted", "Accepted", "UnknownComponent", "UnknownVariable", "Rejected", "NotSupportedAttributeType",
        "Accepted", "UnknownComponent", "Accepted"]
    assert results[0]["attributeValue"] == "300" and "attributeType" not in results[0]
    assert results[1]["attributeType"] == "Actual"
    assert "attributeValue" not in results[4]  # write-only: never read back
    assert results[6]["attributeValue"] == "Available" and results[8]["attributeValue"] == "50"
    schemas.validate("2.0.1", "GetVariables", {"getVariableResult": results}, response=True)


def test_set_variables_statuses_and_listeners():
    dm = model()
    seen = []
    dm.listeners.append(lambda v: seen.append((v.key, v.value)))
    requests = [
        {"attributeValue": "30", **cv("OCPPCommCtrlr", "HeartbeatInterval")},
        {"attributeValue": "abc", **cv("OCPPCommCtrlr", "HeartbeatInterval")},
        {"attributeValue": "-5", **cv("SampledDataCtrlr", "TxUpdatedInterval")},
        {"attributeValue": "2", **cv("SecurityCtrlr", "SecurityProfile")},  # read-only
        {"attributeValue": "Busy", **cv("EVSE", "AvailabilityState", evse=1)},  # read-only, live
        {"attributeValue": "new-password-123", **cv("SecurityCtrlr", "BasicAuthPassword")},  # write-only
        {"attributeValue": "1,0", **cv("OCPPCommCtrlr", "NetworkConfigurationPriority")},
        {"attributeValue": "Energy.Active.Import.Register, SoC", **cv("SampledDataCtrlr", "TxUpdatedMeasurands")},
        {"attributeValue": "Energy.Active.Import.Register,Nonsense", **cv("SampledDataCtrlr", "TxEndedMeasurands")},
        {"attributeValue": "TRUE", **cv("AuthCtrlr", "AuthorizeRemoteStart")},
        {"attributeValue": "1", **cv("Nope", "X")},
        {"attributeValue": "1", **cv("TxCtrlr", "Nope")},
        {"attributeValue": "1", **cv("TxCtrlr", "EVConnectionTimeOut", attributeType="MaxSet")},
    ]
    results = dm.set_variables(requests)
    assert [r["attributeStatus"] for r in results] == [
        "Accepted", "Rejected", "Rejected", "Rejected", "Rejected", "Accepted", "RebootRequired", "Accepted",
        "Rejected", "Accepted", "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType"]
    assert dm.get("OCPPCommCtrlr.HeartbeatInterval") == "30"
    assert dm.get("SecurityCtrlr.BasicAuthPassword") == "new-password-123"
    assert dm.get("OCPPCommCtrlr.NetworkConfigurationPriority") == "1,0"  # stored, effective after reboot
    assert dm.get_list("SampledDataCtrlr.TxUpdatedMeasurands") == ["Energy.Active.Import.Register", "SoC"]
    assert dm.get("AuthCtrlr.AuthorizeRemoteStart") == "true"
    assert [k for k, _ in seen] == ["OCPPCommCtrlr.HeartbeatInterval", "SecurityCtrlr.BasicAuthPassword",
                                    "OCPPCommCtrlr.NetworkConfigurationPriority",
                                    "SampledDataCtrlr.TxUpdatedMeasurands", "AuthCtrlr.AuthorizeRemoteStart"]
    schemas.validate("2.0.1", "SetVariables", {"setVariableResult": results}, response=True)


@pytest.mark.parametrize("data_type, extra, good, bad", [
    ("integer", {"min_limit": 1, "max_limit": 10}, ["1", "10", " 5 "], ["0", "11", "1.5", "x"]),
    ("decimal", {}, ["1.5", "-2", "3"], ["x", ""]),
    ("boolean", {}, ["true", "False"], ["yes", "1"]),
    ("dateTime", {}, ["2024-01-01T00:00:00Z"], ["yesterday"]),
    ("OptionList", {"values_list": ("A", "B")}, ["A"], ["A,B", "C", ""]),
    ("MemberList", {"values_list": ("A", "B")}, ["A", "B,A", ""], ["A,A", "C"]),
    ("string", {"max_limit": 3}, ["abc"], ["abcd", "x" * 2000]),
])
def test_value_validation_by_data_type(data_type, extra, good, bad):
    variable = Variable("C", "V", data_type=data_type, **extra)
    assert all(variable.valid(v) for v in good)
    assert not any(variable.valid(v) for v in bad)


def test_live_values_follow_the_station():
    state = {"status": "Available", "faulted": False}
    dm = model(availability=lambda evse: state["status"] if evse == 1 else "Available",
               problem=lambda evse: state["faulted"], enabled=lambda evse: evse != 2)
    state.update(status="Faulted", faulted=True)
    assert dm.get("EVSE.AvailabilityState", evse=1) == "Faulted"
    assert dm.get("Connector.Problem", evse=1, connector=1) == "true"
    assert dm.get("EVSE.Enabled", evse=2) == "false" and dm.get("ChargingStation.Enabled") == "true"
    assert dm.get("ClockCtrlr.DateTime").endswith("Z")


def test_base_reports():
    dm = model()
    full = dm.base_report("FullInventory")
    config = dm.base_report("ConfigurationInventory")
    summary = dm.base_report("SummaryInventory")
    assert len(full) == len(dm) > len(config) > len(summary) > 0
    assert all(r["variableAttribute"][0]["mutability"] != "ReadOnly" for r in config)
    assert {r["variable"]["name"] for r in summary} == {"AvailabilityState", "Problem"}
    password = next(r for r in full if r["variable"]["name"] == "BasicAuthPassword")
    assert "value" not in password["variableAttribute"][0]  # write-only
    interval = next(r for r in full if r["variable"]["name"] == "HeartbeatInterval")
    assert interval["variableAttribute"][0] == {"type": "Actual", "mutability": "ReadWrite", "persistent": True,
                                                "constant": False, "value": "300"}
    assert interval["variableCharacteristics"] == {"dataType": "integer", "supportsMonitoring": False, "unit": "s",
                                                   "minLimit": 0}
    for payload in notify_reports(7, full, 25):
        schemas.validate("2.0.1", "NotifyReport", payload)


def test_get_report_selection_and_criteria():
    faulted = {2}
    dm = model(problem=lambda evse: evse in faulted)
    evse_all = dm.report([{"component": {"name": "EVSE"}}])
    assert {r["component"]["evse"]["id"] for r in evse_all} == {1, 2}
    one = dm.report([{"component": {"name": "EVSE", "evse": {"id": 2}}, "variable": {"name": "AvailabilityState"}}])
    assert [(r["component"], r["variable"]) for r in one] == [
        ({"name": "EVSE", "evse": {"id": 2}}, {"name": "AvailabilityState"})]
    instance = dm.report([{"component": {"name": "DeviceDataCtrlr"},
                           "variable": {"name": "ItemsPerMessage", "instance": "GetReport"}}])
    assert len(instance) == 1
    problems = dm.report(None, ["Problem"])
    assert {(r["component"]["name"], r["component"].get("evse", {}).get("id")) for r in problems} == {
        ("EVSE", 2), ("Connector", 2)}
    assert dm.report([{"component": {"name": "Nothing"}}]) == []


def test_notify_reports_split_with_tbc_and_seq_no():
    data = [{"n": i} for i in range(7)]
    reports = notify_reports(3, data, 3)
    assert [(r["seqNo"], r["tbc"], len(r["reportData"])) for r in reports] == [(0, True, 3), (1, True, 3), (2, False, 1)]
    assert all(r["requestId"] == 3 for r in reports)
    assert [len(r["reportData"]) for r in notify_reports(3, data, 7)] == [7]
