"""The composite schedule computed from stored profiles: stacking, purposes, recurrence, validity,
unit conversion; and properties that hold for any set of profiles (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from csms.services.smart_charging_composite import ActiveTransaction, CompositePeriod, composite, convert, limit_at
from tests.unit.csms.services.smart_charging_builders import T0, a_profile, installed, periods


def _limits(schedule) -> list[tuple[int, float | None]]:
    return [(p.start_period, p.limit) for p in schedule.periods]


def test_no_profile_means_no_limit():
    s = composite([], 1, T0, 600)
    assert s.periods == (CompositePeriod(0, None),) and s.charging_rate_unit == "A"


def test_highest_stack_level_wins_while_it_runs_then_the_lower_one_again():
    low = installed(a_profile(id=1, stack_level=0, periods=periods((0, 16))))
    high = installed(a_profile(id=2, stack_level=5, periods=periods((0, 10)), duration=300))
    assert _limits(composite([low, high], 1, T0, 900)) == [(0, 10), (300, 16)]


def test_evse_profile_beats_evse_0_at_equal_stack_level():
    everywhere = installed(a_profile(id=1, periods=periods((0, 16))), evse_id=0)
    mine = installed(a_profile(id=2, periods=periods((0, 12))), evse_id=2)
    assert _limits(composite([everywhere, mine], 2, T0, 60)) == [(0, 12)]
    assert _limits(composite([everywhere, mine], 1, T0, 60)) == [(0, 16)]


def test_the_charge_point_max_caps_the_transaction_limit():
    tx_default = installed(a_profile(id=1, periods=periods((0, 32), (600, 8))))
    cap = installed(a_profile(id=2, purpose="ChargePointMaxProfile", periods=periods((0, 20))))
    assert _limits(composite([tx_default, cap], 1, T0, 1200)) == [(0, 20), (600, 8)]


def test_a_tx_profile_overrides_the_default_only_for_its_transaction():
    tx_default = installed(a_profile(id=1, periods=periods((0, 16))))
    tx_profile = installed(a_profile(id=2, purpose="TxProfile", kind="Relative", transaction_id=7,
                                     periods=periods((0, 6), (120, 10))), evse_id=1)
    started = T0 - timedelta(seconds=60)
    assert _limits(composite([tx_default, tx_profile], 1, T0, 600, tx=ActiveTransaction(7, started))) == [
        (0, 6), (60, 10)]
    assert _limits(composite([tx_default, tx_profile], 1, T0, 600, tx=ActiveTransaction(8, started))) == [(0, 16)]
    assert _limits(composite([tx_default, tx_profile], 1, T0, 600)) == [(0, 16)]


def test_daily_recurrence_repeats_each_day():
    daily = installed(a_profile(kind="Recurring", recurrency_kind="Daily", start_schedule=T0 - timedelta(days=3),
                                periods=periods((0, 16), (3600 * 18, 8))))
    s = composite([daily], 1, T0 + timedelta(hours=12), 86400)
    assert _limits(s) == [(0, 16), (6 * 3600, 8), (12 * 3600, 16)]


def test_validity_bounds_the_profile():
    bounded = installed(a_profile(valid_from=T0 + timedelta(minutes=10), valid_to=T0 + timedelta(minutes=20)))
    assert _limits(composite([bounded], 1, T0, 1800)) == [(0, None), (600, 16), (1200, None)]


def test_units_are_converted_at_230_v_per_phase():
    watts = installed(a_profile(unit="W", periods=periods((0, 11040))))
    assert _limits(composite([watts], 1, T0, 60, "A")) == [(0, 16.0)]
    assert convert(16, "A", "W", 1, 230) == 3680 and convert(3680, "W", "A", 1, 230) == 16


def test_limit_at_outside_the_schedule_is_none():
    p = a_profile(duration=60)
    assert limit_at(p, T0 - timedelta(seconds=1), None) is None
    assert limit_at(p, T0 + timedelta(seconds=59), None) == (16, None)
    assert limit_at(p, T0 + timedelta(seconds=60), None) is None


_profiles = st.lists(st.builds(
    lambda pid, level, purpose, starts, limits, evse: installed(
        a_profile(id=pid, stack_level=level, purpose=purpose,
                  periods=periods(*zip([0] + sorted(set(starts) - {0}), limits))), evse_id=evse),
    st.integers(1, 10_000), st.integers(0, 3), st.sampled_from(["TxDefaultProfile", "ChargePointMaxProfile"]),
    st.lists(st.integers(0, 3000), max_size=4), st.lists(st.integers(0, 64), min_size=5, max_size=5),
    st.sampled_from([0, 1])), max_size=5,
    unique_by=lambda ip: (ip.profile.purpose, ip.profile.stack_level, ip.evse_id))   # the stacking rule


@settings(max_examples=60, deadline=None)
@given(_profiles, st.integers(1, 7200))
def test_properties_of_any_composite(profiles, duration):
    s = composite(profiles, 1, T0, duration)
    starts = [p.start_period for p in s.periods]
    assert starts[0] == 0 and starts == sorted(set(starts)) and starts[-1] < duration
    assert all(a != b for a, b in zip(s.periods, s.periods[1:]))     # merged: no repeated neighbour
    for p in s.periods:
        at = T0 + timedelta(seconds=p.start_period)
        active = [ip for ip in profiles if limit_at(ip.profile, at, None) is not None]
        if not active:
            assert p.limit is None
            continue
        # never above what the winning ChargePointMaxProfile allows, and always one of the profiles' limits
        caps = [ip for ip in active if ip.profile.purpose == "ChargePointMaxProfile"]
        if caps:
            cap = max(caps, key=lambda ip: (ip.profile.stack_level, ip.evse_id == 1))
            assert p.limit <= limit_at(cap.profile, at, None)[0]
        assert p.limit in {limit_at(ip.profile, at, None)[0] for ip in active}


@settings(max_examples=40, deadline=None)
@given(_profiles, st.integers(60, 3600))
def test_a_longer_window_starts_with_the_shorter_one(profiles, duration):
    short = composite(profiles, 1, T0, duration)
    long = composite(profiles, 1, T0, duration * 2)
    assert [p for p in long.periods if p.start_period < duration] == list(short.periods)
