"""Events and commands survive the trip between nodes as they left; only domain types are rebuilt."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from csms.cluster import codec
from csms.domain import commands, events
from csms.domain.driver_events import ReconciliationMismatch, SessionChanged


@pytest.mark.parametrize("value", [
    events.ConnectorStatusChanged("CP-1", 1, 2, "Charging", None, "NoError", datetime(2026, 1, 1, tzinfo=UTC)),
    events.ChargePointNotice("CP-1", "security_event", {"type": "X", "n": [1, 2], "~odd": True},
                             datetime(2026, 1, 1, 0, 0, 1, 500, tzinfo=UTC)),
    commands.GetConfiguration(("A", "B")),
    commands.RemoteStart("TAG", 1, {"chargingProfileId": 1}, 7),
    SessionChanged(3, 4, {"energy_wh": 1200, "cost_fen": 55}),
    ReconciliationMismatch(date(2026, 1, 1), {"missing": ["x"]}, datetime(2026, 1, 2, tzinfo=UTC)),
    {"status": "Accepted", "keys": ("a",), 1: "int key", "at": datetime(2026, 1, 1, tzinfo=UTC)},
])
def test_round_trip(value):
    assert codec.loads(codec.dumps(value)) == value


def test_only_domain_types_are_rebuilt():
    with pytest.raises(codec.CodecError):
        codec.loads(b'{"~dc": "os:system", "f": {}}')


def test_what_cannot_travel_is_refused_at_the_sender():
    with pytest.raises(codec.CodecError):
        codec.dumps(object())
