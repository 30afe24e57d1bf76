"""Pure 2.0.1 payload builders and the mapping of the shared connector model onto 2.0.1 values."""

import pytest

from chargepoint_sim import schemas
from chargepoint_sim import v201_messages as msg
from chargepoint_sim.station import Connector, Meter
from chargepoint_sim.v201_sessions import Transaction201


def connector(state, plugged=False, tx=False):
    c = Connector(1, Meter(22000))
    c.state, c.plugged = state, plugged
    if tx:
        c.transaction = Transaction201(1, "T", 0, "2024-01-01T00:00:00.000Z", 1, id="tx-1")
    return c


@pytest.mark.parametrize("state, plugged, tx, status, charging", [
    ("Available", False, False, "Available", "Idle"),
    ("Preparing", False, False, "Available", "Idle"),  # waiting for the EV after a remote start
    ("Preparing", True, False, "Occupied", "EVConnected"),
    ("Charging", True, True, "Occupied", "Charging"),
    ("SuspendedEV", True, True, "Occupied", "SuspendedEV"),
    ("SuspendedEVSE", True, True, "Occupied", "SuspendedEVSE"),
    ("Finishing", True, False, "Occupied", "EVConnected"),
    ("Reserved", False, False, "Reserved", "Idle"),
    ("Unavailable", False, False, "Unavailable", "Idle"),
    ("Faulted", True, True, "Faulted", "SuspendedEVSE"),
])
def test_connector_status_and_charging_state(state, plugged, tx, status, charging):
    c = connector(state, plugged, tx)
    assert msg.connector_status(c) == status
    assert msg.charging_state(c) == charging


def test_stop_reasons_and_their_triggers():
    assert msg.stop_reason("Local") == "Local" and msg.stop_reason("HardReset") == "ImmediateReset"
    assert msg.stop_reason("UnlockCommand") == "Other"
    with pytest.raises(ValueError):
        msg.stop_reason("Bored")
    assert set(msg.STOP_TRIGGERS) <= msg.STOP_REASONS


def test_payloads_are_schema_valid():
    meter = Meter(60000)
    meter.begin(0.0, soc=30)
    meter.update(60.0)
    tx = Transaction201(1, "T", 0, "2024-01-01T00:00:00.000Z", 1, id="tx-1")
    value = msg.meter_value(meter, list(msg.MEASURAND_UNITS), "Sample.Periodic")
    assert {type(v["value"]) for v in value["sampledValue"]} <= {int, float}
    payloads = [
        ("BootNotification", msg.boot_notification("PowerUp", "v" * 60, "m" * 30, "s" * 30, "1.0")),
        ("StatusNotification", msg.status_notification(2, "Occupied")),
        ("MeterValues", msg.meter_values(1, [value])),
        ("TransactionEvent", msg.transaction_event("Started", tx, "Authorized", 0, charging_state="Charging",
                                                   remote_start_id=5, evse_id=1, token=msg.id_token("T"),
                                                   meter=[value], offline=True)),
        ("TransactionEvent", msg.transaction_event("Ended", tx, "StopAuthorized", 1, stopped_reason="Local")),
        ("NotifyEvent", msg.problem_event(0, 1, 1, True, tech_code="GroundFailure", transaction_id="tx-1")),
        ("NotifyEvent", msg.problem_event(1, 2, 0, False)),
    ]
    for action, payload in payloads:
        schemas.validate("2.0.1", action, payload)
    assert msg.meter_value(meter, ["SoC"], "Trigger", ev_connected=False) is None  # nothing to sample
