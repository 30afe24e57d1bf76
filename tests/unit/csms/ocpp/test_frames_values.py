"""The checks after the schemas: 32-bit integers, integral floats, times the CSMS can keep."""

from __future__ import annotations

import pytest

from csms.ocpp import frames
from csms.ocpp.errors import OcppError
from csms.ocpp.frames import parse_time


def test_integers_outside_32_bits_are_refused_with_the_field_path():
    payload = {"evseId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z",
                                            "sampledValue": [{"value": 1, "unitOfMeasure": {"multiplier": 2 ** 31}}]}]}
    with pytest.raises(OcppError) as exc:
        frames.check_values("ocpp2.0.1", "MeterValues", payload)
    assert exc.value.code == "PropertyConstraintViolation"
    assert exc.value.details["field"] == "meterValue[0].sampledValue[0].unitOfMeasure.multiplier"


def test_201_integral_floats_become_ints():
    payload = {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": 2.0,
               "connectorId": -0.0}
    out = frames.check_values("ocpp2.0.1", "StatusNotification", payload)
    assert (out["evseId"], out["connectorId"]) == (2, 0) and type(out["evseId"]) is int


@pytest.mark.parametrize("when", ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00"])
def test_times_outside_the_calendar_are_refused(when):
    with pytest.raises(OcppError) as exc:
        frames.check_values("ocpp1.6", "StatusNotification",
                           {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": when})
    assert exc.value.details["field"] == "timestamp"


def test_the_leap_second_is_kept_in_its_own_minute():
    assert parse_time("2016-12-31T23:59:60Z").isoformat() == "2016-12-31T23:59:59.999999+00:00"
    assert parse_time("2016-12-31T23:59:60.5+08:00").isoformat() == "2016-12-31T15:59:59.999999+00:00"
    assert parse_time("2016-12-31T23:59:59Z") < parse_time("2016-12-31T23:59:60Z") < parse_time("2017-01-01T00:00:00Z")
