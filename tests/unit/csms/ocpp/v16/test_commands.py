from __future__ import annotations

import pytest

from csms.domain import commands as c
from csms.ocpp import frames
from csms.ocpp.v16.commands import ENCODERS

V16 = "ocpp1.6"

PROFILE = {"chargingProfileId": 3, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
           "chargingProfileKind": "Relative",
           "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 2.5}]}}

# every neutral command, in its plain and its fullest form
EXAMPLES = [
    c.RemoteStart("TAG1"),
    c.RemoteStart("TAG1", connector_id=2, charging_profile=PROFILE),
    c.RemoteStop(17, ocpp_tx_id="17"),
    c.Reset(), c.Reset("Hard"),
    c.UnlockConnector(1),
    c.ChangeAvailability(operative=True), c.ChangeAvailability(operative=False, connector_id=2),
    c.GetConfiguration(), c.GetConfiguration(("HeartbeatInterval", "MeterValueSampleInterval")),
    c.ChangeConfiguration("HeartbeatInterval", "120"),
    c.TriggerMessage("StatusNotification", connector_id=1), c.TriggerMessage("Heartbeat"),
    c.ClearCache(),
    c.DataTransfer("com.acme"), c.DataTransfer("com.acme", message_id="price", data='{"fen": 120}'),
]


def test_every_encoded_command_has_examples():
    assert {type(cmd) for cmd in EXAMPLES} == set(ENCODERS)


@pytest.mark.parametrize("command", EXAMPLES, ids=repr)
def test_each_command_encodes_to_a_valid_16_call(command):
    action, payload = ENCODERS[type(command)][0](command)

    assert action in frames.actions(V16)
    frames.validate(V16, action, payload)


def test_remote_start_carries_what_was_asked():
    action, payload = ENCODERS[c.RemoteStart][0](c.RemoteStart("TAG1", connector_id=2, charging_profile=PROFILE))

    assert (action, payload) == ("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 2,
                                                            "chargingProfile": PROFILE})
    assert "connectorId" not in ENCODERS[c.RemoteStart][0](c.RemoteStart("TAG1"))[1]


def test_remote_stop_names_the_transaction_the_charge_point_was_given():
    # 1.6 charge points know a transaction by the id StartTransaction.conf gave them: ours
    action, payload = ENCODERS[c.RemoteStop][0](c.RemoteStop(17, ocpp_tx_id="17"))

    assert (action, payload) == ("RemoteStopTransaction", {"transactionId": 17})


@pytest.mark.parametrize("operative,expected", [(True, "Operative"), (False, "Inoperative")])
def test_change_availability_spells_operative(operative, expected):
    _, payload = ENCODERS[c.ChangeAvailability][0](c.ChangeAvailability(operative=operative, connector_id=3))

    assert payload == {"connectorId": 3, "type": expected}


def test_get_configuration_asks_for_all_keys_or_the_named_ones():
    encode = ENCODERS[c.GetConfiguration][0]

    assert encode(c.GetConfiguration()) == ("GetConfiguration", {})
    assert encode(c.GetConfiguration(("A", "B"))) == ("GetConfiguration", {"key": ["A", "B"]})


# -- answers back to neutral results -------------------------------------------------------------------
ANSWERS = [
    (c.RemoteStop(1), {"status": "Accepted"}),
    (c.Reset(), {"status": "Accepted"}),
    (c.UnlockConnector(1), {"status": "UnlockFailed"}),
    (c.ChangeAvailability(True), {"status": "Scheduled"}),
    (c.ChangeConfiguration("K", "V"), {"status": "RebootRequired"}),
    (c.TriggerMessage("Heartbeat"), {"status": "NotImplemented"}),
    (c.ClearCache(), {"status": "Accepted"}),
]


def test_a_remote_start_answer_carries_the_remote_start_id_for_correlation():
    command = c.RemoteStart("T", remote_start_id=77)
    assert ENCODERS[c.RemoteStart][1](command, {"status": "Rejected"}) == {"status": "Rejected", "remote_start_id": 77}


@pytest.mark.parametrize("command,response", ANSWERS, ids=lambda x: type(x).__name__)
def test_a_status_answer_becomes_its_status(command, response):
    action, _ = ENCODERS[type(command)][0](command)
    frames.validate(V16, action, response, response=True)          # a real 1.6 answer

    assert ENCODERS[type(command)][1](command, response) == {"status": response["status"]}


def test_a_configuration_answer_lists_keys_and_unknown_keys():
    response = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                                     {"key": "NumberOfConnectors", "readonly": True}],
                "unknownKey": ["Colour"]}
    frames.validate(V16, "GetConfiguration", response, response=True)

    result = ENCODERS[c.GetConfiguration][1](c.GetConfiguration(), response)

    assert result == {"status": "Accepted", "unknown_keys": ["Colour"], "configuration": [
        {"key": "HeartbeatInterval", "value": "300", "readonly": False},
        {"key": "NumberOfConnectors", "value": None, "readonly": True}]}


def test_an_empty_configuration_answer_is_an_empty_list():
    assert ENCODERS[c.GetConfiguration][1](c.GetConfiguration(), {}) == \
        {"status": "Accepted", "configuration": [], "unknown_keys": []}


@pytest.mark.parametrize("response", [{"status": "Accepted", "data": "ok"}, {"status": "UnknownVendorId"}])
def test_a_data_transfer_answer_keeps_its_data_when_there_is_some(response):
    frames.validate(V16, "DataTransfer", response, response=True)

    assert ENCODERS[c.DataTransfer][1](c.DataTransfer("v"), response) == response
