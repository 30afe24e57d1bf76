"""Every encoder's payload is valid for its version's official schema, and answers map back to the
same neutral results in both versions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from csms.domain import reservations as r
from csms.ocpp import frames
from csms.ocpp.v16 import reservations as v16
from csms.ocpp.v201 import reservations as v201

AT = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
ENTRIES = (r.LocalAuthEntry("A", "Accepted", AT, "G"), r.LocalAuthEntry("B"), r.LocalAuthEntry("C", "Blocked"))
COMMANDS = [r.ReserveNow(7, 0, "TAG", AT), r.ReserveNow(8, 2, "TAG", AT, "PARENT", "cType2", "Central"),
            r.CancelReservation(7), r.SendLocalList(3, "Differential", ENTRIES), r.SendLocalList(1, "Full", ()),
            r.GetLocalListVersion()]


@pytest.mark.parametrize("version,encoders", [("ocpp1.6", v16.ENCODERS), ("ocpp2.0.1", v201.ENCODERS)])
@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: type(c).__name__)
def test_payloads_are_valid_for_the_version(version, encoders, cmd):
    action, payload = encoders[type(cmd)][0](cmd)
    frames.validate(version, action, payload)


def test_v16_reserve_now_and_lists():
    assert v16.reserve_now(COMMANDS[1]) == ("ReserveNow", {
        "connectorId": 2, "expiryDate": "2030-01-02T03:04:05.678Z", "idTag": "TAG", "reservationId": 8,
        "parentIdTag": "PARENT"})
    assert v16.send_local_list(COMMANDS[3])[1]["localAuthorizationList"] == [
        {"idTag": "A", "idTagInfo": {"status": "Accepted", "expiryDate": "2030-01-02T03:04:05.678Z",
                                     "parentIdTag": "G"}},
        {"idTag": "B"}, {"idTag": "C", "idTagInfo": {"status": "Blocked"}}]


def test_v201_reserve_now_any_evse_has_no_evse_id():
    assert "evseId" not in v201.reserve_now(COMMANDS[0])[1]
    assert v201.reserve_now(COMMANDS[1])[1]["evseId"] == 2
    assert "localAuthorizationList" not in v201.send_local_list(COMMANDS[4])[1]


def test_answers_map_to_the_same_neutral_results():
    get = r.GetLocalListVersion()
    assert v16.ENCODERS[r.GetLocalListVersion][1](get, {"listVersion": 4}) == {"status": "Accepted", "version": 4}
    assert v201.ENCODERS[r.GetLocalListVersion][1](get, {"versionNumber": 4}) == {"status": "Accepted", "version": 4}
    for encoders in (v16.ENCODERS, v201.ENCODERS):
        assert encoders[r.ReserveNow][1](COMMANDS[0], {"status": "Occupied"})["status"] == "Occupied"
