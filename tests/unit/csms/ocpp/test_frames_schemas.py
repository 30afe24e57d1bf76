from __future__ import annotations

from pathlib import Path

import ocpp
import pytest

from csms.ocpp import frames
from csms.ocpp.errors import OcppError

V16, V201 = "ocpp1.6", "ocpp2.0.1"
BOOT = {"chargePointVendor": "ACME", "chargePointModel": "Fast-50"}


def refusal(version, action, payload, response=False) -> OcppError:
    with pytest.raises(OcppError) as caught:
        frames.validate(version, action, payload, response=response)
    return caught.value


# -- OCPP 1.6: each rule its code (OCPP-J 1.6 section 4.2.3) ----------------------------------------
@pytest.mark.parametrize("rule,action,payload,code,field", [
    ("type", "BootNotification", {**BOOT, "chargePointVendor": 7}, "TypeConstraintViolation", "chargePointVendor"),
    ("type", "StartTransaction", {"connectorId": "1", "idTag": "T", "meterStart": 0,
                                  "timestamp": "2024-05-01T08:00:00Z"}, "TypeConstraintViolation", "connectorId"),
    ("maxLength", "BootNotification", {**BOOT, "chargePointVendor": "v" * 21}, "TypeConstraintViolation",
     "chargePointVendor"),
    ("required", "BootNotification", {"chargePointModel": "Fast-50"}, "ProtocolError", "payload"),
    ("additionalProperties", "BootNotification", {**BOOT, "colour": "red"}, "FormationViolation", "payload"),
    ("enum", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"},
     "PropertyConstraintViolation", "status"),
    ("format", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available",
                                      "timestamp": "yesterday at noon"}, "PropertyConstraintViolation", "timestamp"),
    ("minItems", "MeterValues", {"connectorId": 1, "meterValue": []}, "OccurenceConstraintViolation", "meterValue"),
])
def test_a_16_payload_breaking_a_rule_gets_that_rules_code(rule, action, payload, code, field):
    error = refusal(V16, action, payload)

    assert error.code == code
    assert error.details == {"field": field, "rule": rule}
    assert error.description.startswith(action + ":")


def test_a_nested_field_is_named_by_its_path():
    error = refusal(V16, "MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": "2024-05-01T08:00:00Z", "sampledValue": [{"value": "1", "unit": "Litres"}]}]})

    assert error.code == "PropertyConstraintViolation"
    assert "unit" in error.details["field"] and "meterValue" in error.details["field"]


def test_the_201_builder_alone_is_valid():
    frames.validate(V201, "NotifyEVChargingNeeds", a_201_dc_need())


def test_a_valid_16_payload_passes():
    frames.validate(V16, "BootNotification", BOOT)
    frames.validate(V16, "BootNotification", {"status": "Accepted", "currentTime": "2024-05-01T08:00:00.000Z",
                                               "interval": 300}, response=True)


def test_responses_are_checked_against_the_response_schema():
    error = refusal(V16, "BootNotification", {"status": "Accepted", "interval": 300}, response=True)

    assert error.code == "ProtocolError"


def a_201_dc_need(**dc: int) -> dict:
    return {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC", "dcChargingParameters": {
        "evMaxCurrent": 100, "evMaxVoltage": 400, **dc}}}


# -- OCPP 2.0.1 spellings, and the rules only 2.0.1 schemas use --------------------------------------
@pytest.mark.parametrize("rule,action,payload,code", [
    ("required", "BootNotification", {"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
    ("additionalProperties", "Heartbeat", {"extra": 1}, "FormatViolation"),
    ("maxItems", "Authorize", {"idToken": {"idToken": "T", "type": "ISO14443"}, "iso15118CertificateHashData": [
        {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c",
         "responderURL": "http://x"}] * 5}, "OccurrenceConstraintViolation"),
    ("minimum", "NotifyEVChargingNeeds", a_201_dc_need(stateOfCharge=-1), "PropertyConstraintViolation"),
    ("maximum", "NotifyEVChargingNeeds", a_201_dc_need(fullSoC=101), "PropertyConstraintViolation"),
])
def test_a_201_payload_breaking_a_rule_gets_the_201_spelling(rule, action, payload, code):
    error = refusal(V201, action, payload)

    assert (error.code, error.details["rule"]) == (code, rule)


# -- multipleOf: binary floats ------------------------------------------------------------------------
def a_16_charging_profile(limit: float, min_rate: float | None = None) -> dict:
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
    if min_rate is not None:
        schedule["minChargingRate"] = min_rate
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": schedule}}


@pytest.mark.parametrize("limit", [2.5, 0.3, 16.1, 7.7, 32.0, 10])
def test_charging_limits_with_one_decimal_are_accepted(limit):
    frames.validate(V16, "SetChargingProfile", a_16_charging_profile(limit, min_rate=limit / 2))


def test_a_remote_start_with_a_profile_limit_of_2_5_is_accepted():
    profile = a_16_charging_profile(2.5)["csChargingProfiles"]
    profile["chargingProfilePurpose"] = "TxProfile"

    frames.validate(V16, "RemoteStartTransaction", {"idTag": "T", "chargingProfile": profile})


def test_a_charging_limit_that_is_not_a_number_is_still_refused():
    assert refusal(V16, "SetChargingProfile", a_16_charging_profile("2.5")).code == "TypeConstraintViolation"


# -- actions and warm-up -------------------------------------------------------------------------------
def schema_files(version: str) -> list[Path]:
    folder = {"ocpp1.6": "v16", "ocpp2.0.1": "v201"}[version]
    return sorted((Path(ocpp.__file__).parent / folder / "schemas").glob("*.json"))


@pytest.mark.parametrize("version", [V16, V201])
def test_warm_compiles_every_schema_of_the_version(version):
    compiled = frames.warm(version)

    assert compiled == len(schema_files(version))
    for action in frames.actions(version):
        assert callable(frames.validator(version, action, False))
        assert callable(frames.validator(version, action, True))


def test_the_16_actions_are_the_request_schemas():
    expected = {p.stem for p in schema_files(V16) if not p.stem.endswith("Response")}

    assert frames.actions(V16) == expected
    assert {"BootNotification", "StartTransaction", "SignCertificate"} <= frames.actions(V16)


def test_the_201_actions_drop_the_request_suffix():
    assert {"TransactionEvent", "BootNotification", "NotifyReport"} <= frames.actions(V201)
    assert not any(a.endswith(("Request", "Response")) for a in frames.actions(V201))
