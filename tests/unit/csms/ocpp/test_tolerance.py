"""Tolerant mode's repairs, one known deviation at a time, and what it never repairs."""

from __future__ import annotations

import pytest

from csms.ocpp.errors import OcppError
from csms.ocpp.tolerance import normalise

V16, V201 = "ocpp1.6", "ocpp2.0.1"


def status(**overrides) -> dict:
    return {"connectorId": 1, "errorCode": "NoError", "status": "Available", **overrides}


@pytest.mark.parametrize("overrides,kind,field,repaired", [
    ({"connectorId": "2"}, "string_number", "connectorId", 2),
    ({"status": "charging"}, "enum_case", "status", "Charging"),
    ({"timestamp": "2026-03-01 12:00:00"}, "naive_timestamp", "timestamp", "2026-03-01T12:00:00.000Z"),
    ({"timestamp": "2026-03-01T12:00:00"}, "naive_timestamp", "timestamp", "2026-03-01T12:00:00.000Z"),
    ({"info": "x" * 80}, "truncated", "info", "x" * 50),
])
def test_each_known_deviation_is_repaired(overrides, kind, field, repaired):
    fixed, kinds = normalise(V16, "StatusNotification", status(**overrides))
    assert kinds == [kind] and fixed[field] == repaired


def test_the_16_error_code_error_becomes_other_error_keeping_the_original():
    fixed, kinds = normalise(V16, "StatusNotification", status(errorCode="Error"))
    assert kinds == ["unknown_error_code"]
    assert (fixed["errorCode"], fixed["vendorErrorCode"]) == ("OtherError", "Error")


def test_extra_fields_are_dropped_at_any_depth():
    payload = {"connectorId": 1, "vendorX": 1, "meterValue": [
        {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "1", "temperatureC": 40}]}]}
    fixed, kinds = normalise(V16, "MeterValues", payload)
    assert kinds == ["extra_field", "extra_field"]
    assert fixed == {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z",
                                                       "sampledValue": [{"value": "1"}]}]}
    assert payload["vendorX"] == 1          # the caller's payload is not touched


def test_a_201_numeric_meter_value_sent_as_a_string():
    payload = {"evseId": "1", "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "12.5"}]}]}
    fixed, kinds = normalise(V201, "MeterValuesRequest".removesuffix("Request"), payload)
    assert fixed["evseId"] == 1 and fixed["meterValue"][0]["sampledValue"][0]["value"] == 12.5
    assert sorted(kinds) == ["string_number", "string_number"]


@pytest.mark.parametrize("payload,code", [
    ({"connectorId": 1, "idTag": "T", "timestamp": "2026-01-01T00:00:00Z"}, "ProtocolError"),          # missing
    ({"connectorId": "one", "idTag": "T", "meterStart": 1, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),                                                                          # not a number
    ({"connectorId": 1, "idTag": "T" * 21, "meterStart": 1, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),                                                                          # id never cut
    ({"connectorId": 1, "idTag": "T", "meterStart": 1.5, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),                                                                          # not integral
    ({"connectorId": 1, "idTag": "T", "meterStart": 1, "timestamp": "yesterday"}, "PropertyConstraintViolation"),
])
def test_what_is_not_a_known_deviation_is_refused_with_the_strict_code(payload, code):
    with pytest.raises(OcppError) as caught:
        normalise(V16, "StartTransaction", payload)
    assert caught.value.code == code
