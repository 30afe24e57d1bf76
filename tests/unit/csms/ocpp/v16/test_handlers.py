from __future__ import annotations

from datetime import datetime, timezone

import pytest

from csms.domain.models import IdTagInfo
from csms.ocpp import frames
from csms.ocpp.v16 import handlers as mapping


@pytest.mark.parametrize("status", ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx", "Unknown"])
def test_every_neutral_tag_status_becomes_a_valid_16_answer(status):
    answer = {"idTagInfo": mapping.id_tag_info(IdTagInfo(status))}

    frames.validate("ocpp1.6", "Authorize", answer, response=True)
    assert answer["idTagInfo"]["status"] == ("Invalid" if status == "Unknown" else status)


def test_expiry_and_group_are_passed_on():
    info = IdTagInfo("Accepted", datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=timezone.utc), "FLEET")

    assert mapping.id_tag_info(info) == {"status": "Accepted", "expiryDate": "2024-05-01T08:00:00.123Z",
                                         "parentIdTag": "FLEET"}


def test_meter_values_become_neutral_samples_in_utc():
    [sample] = mapping.samples([{"timestamp": "2024-05-01T16:00:00+08:00", "sampledValue": [
        {"value": "12.5", "unit": "kWh", "context": "Sample.Periodic"}, {"value": "40", "measurand": "SoC"}]}])

    assert sample.timestamp == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    energy, soc = sample.values
    assert (energy.measurand, energy.value, energy.unit, energy.context) == \
        ("Energy.Active.Import.Register", "12.5", "kWh", "Sample.Periodic")
    assert (soc.measurand, soc.value) == ("SoC", "40")
