"""OCPP 2.0.1 provisioning and security payloads <-> neutral values (pure functions)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from csms.domain import provisioning as p
from csms.domain import security as s
from csms.ocpp.errors import OcppError
from csms.ocpp.v16 import security as v16
from csms.ocpp.v201 import provisioning as v201p
from csms.ocpp.v201 import security as v201s


def test_report_attributes_become_variables_with_defaults():
    req = {"requestId": 4, "reportData": [{
        "component": {"name": "Connector", "instance": "left", "evse": {"id": 2, "connectorId": 1}},
        "variable": {"name": "Enabled"},
        "variableAttribute": [{"value": "true"}, {"type": "Target", "value": "false", "mutability": "WriteOnly"}],
        "variableCharacteristics": {"dataType": "boolean", "supportsMonitoring": True, "customData": {"vendorId": "x"}}}]}
    actual, target = v201p.variables_of_report("CP1", req)
    assert (actual.attribute_type, actual.mutability, actual.persistent, actual.constant) == ("Actual", "ReadWrite",
                                                                                              False, False)
    assert (actual.component_instance, actual.evse_id, actual.connector_id) == ("left", 2, 1)
    assert actual.characteristics == {"dataType": "boolean", "supportsMonitoring": True}
    assert (target.attribute_type, target.value, target.request_id) == ("Target", "false", 4)


def test_component_variable_encoding():
    ref = p.VariableRef("EVSE", "Power", evse_id=1, connector_id=2, variable_instance="L1")
    assert v201p.component_variable(ref) == {"component": {"name": "EVSE", "evse": {"id": 1, "connectorId": 2}},
                                             "variable": {"name": "Power", "instance": "L1"}}
    assert v201p.component_variable(p.VariableRef("EVSE")) == {"component": {"name": "EVSE"}}


def test_event_problem_rules():
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    e = p.DeviceEvent("CP1", 1, at, "Alerting", "true", "HardWiredMonitor", "Connector", "Problem", evse_id=1)
    assert e.is_problem() and e.problem_active() and e.problem_key == "Connector/evse1/Problem"
    assert not p.DeviceEvent("CP1", 1, at, "Periodic", "true", "CustomMonitor", "Connector", "Problem").is_problem()
    assert not p.DeviceEvent("CP1", 1, at, "Delta", "false", "CustomMonitor", "X", "Tripped").problem_active()


def test_certificate_types_per_version():
    assert v16.certificate_type("csms_root") == "CentralSystemRootCertificate"
    assert v201s.certificate_type("csms_root") == "CSMSRootCertificate"
    with pytest.raises(OcppError):
        v16.certificate_type("mo_root")
    assert s.neutral_certificate_type("V2GCertificateChain") == "v2g_chain"


def test_network_profile_needs_a_url_and_chains_the_priority():
    with pytest.raises(OcppError):
        v201s._network_profile(s.UpgradeSecurityProfile(2))
    cmd = s.UpgradeSecurityProfile(3, 1, {"ocppCsmsUrl": "wss://x"})
    assert v201s._network_profile_result(cmd, {"status": "Accepted"})["next"] == [s.SetNetworkPriority("1")]
    assert "next" not in v201s._network_profile_result(cmd, {"status": "Rejected"})


def test_critical_list_follows_the_brief():
    assert not s.is_critical("FirmwareUpdated")
    assert all(s.is_critical(t) for t in ("InvalidFirmwareSignature", "TamperDetectionActivated",
                                          "InvalidCentralSystemCertificate", "InvalidChargePointCertificate"))
