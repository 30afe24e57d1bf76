import pytest

from chargepoint_sim.station import (
    AVAILABLE, CHARGING, FAULTED, FINISHING, PREPARING, STATES, TRANSITIONS, UNAVAILABLE, Connector,
    InvalidTransition, Meter, Transaction, can_transition, power_curve, transition_path,
)


def test_transition_table_covers_every_state_and_only_known_states():
    assert set(TRANSITIONS) == set(STATES)
    for current, targets in TRANSITIONS.items():
        assert targets <= set(STATES)
        assert current not in targets


@pytest.mark.parametrize(
    "current, new, allowed",
    [
        (AVAILABLE, PREPARING, True),
        (PREPARING, CHARGING, True),
        (CHARGING, FINISHING, True),
        (FINISHING, AVAILABLE, True),
        (FINISHING, PREPARING, True),
        (PREPARING, UNAVAILABLE, False),  # not in the 1.6 table
        (FINISHING, CHARGING, False),
        (UNAVAILABLE, FINISHING, False),
        (FAULTED, CHARGING, True),
    ],
)
def test_can_transition_follows_the_16_table(current, new, allowed):
    assert can_transition(1, current, new) is allowed


def test_connector_zero_has_only_three_states():
    cp = Connector(0)
    assert cp.transition(UNAVAILABLE)
    assert cp.transition(FAULTED, "PowerMeterFailure")
    with pytest.raises(InvalidTransition):
        cp.transition(CHARGING)


def test_transition_reports_change_and_rejects_illegal():
    c = Connector(1)
    assert c.transition(PREPARING) is True
    assert c.transition(PREPARING) is False  # same state: no new StatusNotification
    with pytest.raises(InvalidTransition):
        c.transition(UNAVAILABLE)
    with pytest.raises(InvalidTransition):
        c.transition("Sleeping")
    assert c.state == PREPARING


def test_transition_path_goes_around_missing_edges():
    assert transition_path(1, PREPARING, UNAVAILABLE) == [AVAILABLE, UNAVAILABLE]
    assert transition_path(1, CHARGING, FINISHING) == [FINISHING]
    assert transition_path(1, AVAILABLE, AVAILABLE) == []
    for path in (transition_path(1, a, b) for a in STATES for b in STATES):
        assert all(s in STATES for s in path)


def test_resting_state_from_flags():
    c = Connector(1, Meter(22000))
    assert c.resting_state() == AVAILABLE
    c.plugged = True
    assert c.resting_state() == PREPARING
    c.transaction = Transaction(1, "T", 0, "t", 1)
    assert c.resting_state() == CHARGING
    c.state = CHARGING
    c.transaction = None
    assert c.resting_state() == FINISHING
    c.operative = False
    assert c.resting_state() == UNAVAILABLE
    c.faulted = True
    assert c.resting_state() == FAULTED
    assert not c.usable()


def test_power_curve_ramp_plateau_taper_bounds():
    assert power_curve(60000, 0, 20, ramp_s=10) == 0
    assert power_curve(60000, 5, 20, ramp_s=10) == pytest.approx(30000)
    assert power_curve(60000, 50, 20, ramp_s=10) == pytest.approx(60000)  # plateau
    assert power_curve(60000, 50, 90, ramp_s=10) == pytest.approx(30000)  # taper above 80 %
    assert power_curve(60000, 50, 99.9, ramp_s=10) == pytest.approx(3000)  # floor 5 %
    assert power_curve(60000, 50, 100, ramp_s=10) == 0
    for elapsed in range(0, 100, 7):
        for soc in range(0, 101, 3):
            assert 0 <= power_curve(60000, elapsed, soc) <= 60000


def test_meter_energy_integer_monotonic_and_consistent_with_power():
    meter = Meter(60000, register_wh=1000, ramp_s=10, capacity_wh=50000)
    meter.begin(now=0.0, soc=20.0)
    last = meter.energy_wh
    for second in range(1, 601):
        meter.update(float(second))
        assert isinstance(meter.energy_wh, int)
        assert meter.energy_wh >= last
        assert 0 <= meter.power_w <= 60000
        last = meter.energy_wh
    # 10 s ramp (~83 Wh) then 590 s at 60 kW (~9833 Wh)
    assert 1000 + 9800 <= meter.energy_wh <= 1000 + 10000
    assert meter.soc == pytest.approx(20 + (meter.energy_wh - 1000) / 500, abs=0.1)
    assert meter.current_a == pytest.approx(meter.power / 400.0)


def test_meter_large_steps_equal_small_steps_and_time_scale():
    fine, coarse = Meter(22000, ramp_s=5), Meter(22000, ramp_s=5)
    fine.begin(0.0, 30.0)
    coarse.begin(0.0, 30.0)
    for t in range(1, 121):
        fine.update(float(t))
    coarse.update(120.0)
    assert abs(fine.energy_wh - coarse.energy_wh) <= 1
    fast = Meter(22000, ramp_s=5, time_scale=60.0)
    fast.begin(0.0, 30.0)
    fast.update(2.0)  # 2 real s = 2 simulated minutes
    assert abs(fast.energy_wh - fine.energy_wh) <= 1


def test_meter_taper_reaches_full_battery_and_stops():
    meter = Meter(50000, capacity_wh=10000, ramp_s=0)
    meter.begin(0.0, 70.0)
    meter.update(3600.0)
    assert meter.soc == pytest.approx(100.0, abs=0.5)
    assert meter.power_w < 50000 * 0.06  # tapered to ~5 %
    assert meter.energy_wh < 3100  # only ~30 % of 10 kWh could be added


def test_meter_paused_does_not_count_and_end_freezes():
    meter = Meter(11000, ramp_s=0)
    meter.begin(0.0, 10.0)
    meter.update(360.0)
    charged = meter.energy_wh
    assert charged == 1100
    meter.set_flowing(False, 360.0)
    meter.update(720.0)
    assert meter.energy_wh == charged and meter.power_w == 0
    meter.set_flowing(True, 720.0)
    meter.update(1080.0)
    meter.end(1080.0)
    meter.update(5000.0)
    assert meter.energy_wh == 2200 and meter.power_w == 0
