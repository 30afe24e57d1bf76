"""The password a raw CALL set, read from the version's payloads."""

from __future__ import annotations

from csms.ocpp.credentials import accepted_password

_PW = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}


def test_16_change_configuration_authorization_key_accepted_only():
    call = {"key": "authorizationkey", "value": "p" * 20}
    assert accepted_password("ocpp1.6", "ChangeConfiguration", call, {"status": "Accepted"}) == "p" * 20
    assert accepted_password("ocpp1.6", "ChangeConfiguration", call, {"status": "RebootRequired"}) is None
    assert accepted_password("ocpp1.6", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "9"},
                             {"status": "Accepted"}) is None


def test_201_set_variables_matched_by_name_not_order():
    call = {"setVariableData": [{**_PW, "attributeValue": "q" * 20}]}
    accepted = {"setVariableResult": [{"component": {"name": "Other"}, "variable": {"name": "X"},
                                       "attributeStatus": "Accepted"}, {**_PW, "attributeStatus": "Accepted"}]}
    assert accepted_password("ocpp2.0.1", "SetVariables", call, accepted) == "q" * 20
    refused = {"setVariableResult": [{**_PW, "attributeStatus": "Rejected"}]}
    assert accepted_password("ocpp2.0.1", "SetVariables", call, refused) is None
    evse = {"setVariableData": [{**_PW, "component": {"name": "SecurityCtrlr", "evse": {"id": 1}},
                                 "attributeValue": "q" * 20}]}
    assert accepted_password("ocpp2.0.1", "SetVariables", evse, accepted) is None
