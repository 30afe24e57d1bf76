"""The pure billing module: worked examples (21:59 -> 22:30, midnight, DST changes, version changes),
and properties over random sessions, tariffs and time zones (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from csms.domain.tariffs import NoTariff
from csms.services.billing import (
    apportion,
    bill,
    day_schedule,
    fen,
    idle_fee,
    merge,
    price_at,
)
from tests.unit.csms.services.billing_builders import SHANGHAI, UTC, a_version, local, sessions

PROPS = settings(max_examples=int(__import__("os").environ.get("H_EX", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
US = timedelta(microseconds=1)
PEAK_VALLEY = (("00:00", "valley"), ("08:00", "peak"), ("22:00", "valley"))


def _lines(b):
    return [(l.period, l.start, l.end, l.energy_wh, l.energy_price, l.service_price) for l in b.lines]


# -- examples ----------------------------------------------------------------------------------------
def test_a_session_from_21_59_to_22_30_bills_each_part_at_its_own_price():
    v = a_version(PEAK_VALLEY, prices={"peak": (100, 80), "valley": (30, 40)})
    start, split, stop = local(SHANGHAI, 2024, 5, 1, 21, 59), local(SHANGHAI, 2024, 5, 1, 22), local(SHANGHAI, 2024, 5, 1, 22, 30)
    b = bill([(start, 5000), (stop, 5000 + 31_000)], [v], SHANGHAI)    # 1 kWh a minute

    assert _lines(b) == [("peak", start, split, 1000, 100, 80), ("valley", split, stop, 30_000, 30, 40)]
    assert [(l.energy_fen, l.service_fen) for l in b.lines] == [(100, 80), (900, 1200)]
    assert (b.energy_wh, b.energy_fen, b.service_fen, b.total_fen) == (31_000, 1000, 1280, 2280)


def test_a_session_across_midnight_splits_at_the_local_edges():
    v = a_version((("00:00", "valley"), ("07:00", "flat"), ("23:00", "peak")))
    start, stop = local(SHANGHAI, 2024, 5, 1, 22), local(SHANGHAI, 2024, 5, 2, 8)   # 10 h, 1 kWh an hour
    b = bill([(start, 0), (stop, 10_000)], [v], SHANGHAI)
    assert [(l.period, l.energy_wh) for l in b.lines] == [("flat", 1000), ("peak", 1000), ("valley", 7000),
                                                          ("flat", 1000)]
    assert b.lines[1].start == local(SHANGHAI, 2024, 5, 1, 23) and b.lines[2].start == local(SHANGHAI, 2024, 5, 2)


def test_an_edge_the_clock_skips_takes_effect_at_the_spring_forward_jump():
    berlin = ZoneInfo("Europe/Berlin")       # 2024-03-31 02:00 CET -> 03:00 CEST (01:00 UTC)
    v = a_version((("00:00", "valley"), ("02:30", "peak")))
    b = bill([(local(berlin, 2024, 3, 31, 1), 0), (local(berlin, 2024, 3, 31, 4), 2000)], [v], berlin)
    jump = datetime(2024, 3, 31, 1, tzinfo=UTC)
    assert [(l.period, l.start, l.end, l.energy_wh) for l in b.lines] == [
        ("valley", local(berlin, 2024, 3, 31, 1), jump, 1000), ("peak", jump, local(berlin, 2024, 3, 31, 4), 1000)]


def test_a_repeated_hour_bills_both_occurrences_of_each_local_edge():
    berlin = ZoneInfo("Europe/Berlin")       # 2024-10-27 03:00 CEST -> 02:00 CET: 02:00-03:00 twice
    v = a_version((("00:00", "valley"), ("02:30", "peak"), ("03:00", "flat")))
    start, stop = local(berlin, 2024, 10, 27, 2, fold=0), local(berlin, 2024, 10, 27, 3)   # 2 real hours
    b = bill([(start, 0), (stop, 4000)], [v], berlin)
    assert [(l.period, l.energy_wh) for l in b.lines] == [("valley", 1000), ("peak", 1000), ("valley", 1000),
                                                          ("peak", 1000)]
    assert b.lines[1].start == local(berlin, 2024, 10, 27, 2, 30, fold=0)
    assert b.lines[2].start == datetime(2024, 10, 27, 1, tzinfo=UTC)     # the fall back
    assert b.lines[3].start == local(berlin, 2024, 10, 27, 2, 30, fold=1)


def test_a_new_version_during_the_session_prices_the_rest():
    first = a_version(PEAK_VALLEY, prices={"peak": (100, 80), "valley": (30, 40)})
    change = local(SHANGHAI, 2024, 5, 1, 12)
    second = a_version(PEAK_VALLEY, change, prices={"peak": (150, 80), "valley": (30, 40)})
    b = bill([(local(SHANGHAI, 2024, 5, 1, 11), 0), (local(SHANGHAI, 2024, 5, 1, 13), 2000)], [second, first], SHANGHAI)
    assert [(l.period, l.energy_price, l.energy_wh, l.start) for l in b.lines] == [
        ("peak", 100, 1000, local(SHANGHAI, 2024, 5, 1, 11)), ("peak", 150, 1000, change)]


def test_a_version_with_the_same_prices_does_not_split_a_line():
    v1 = a_version(PEAK_VALLEY)
    v2 = a_version(PEAK_VALLEY, local(SHANGHAI, 2024, 5, 1, 12))
    b = bill([(local(SHANGHAI, 2024, 5, 1, 11), 0), (local(SHANGHAI, 2024, 5, 1, 13), 2000)], [v1, v2], SHANGHAI)
    assert [(l.period, l.energy_wh) for l in b.lines] == [("peak", 2000)]


def test_a_meter_reset_adds_nothing_and_never_subtracts():
    v = a_version(PEAK_VALLEY)
    t = local(SHANGHAI, 2024, 5, 1, 12)
    b = bill([(t, 9000), (t + timedelta(minutes=10), 9500), (t + timedelta(minutes=20), 100),
              (t + timedelta(minutes=30), 400)], [v], SHANGHAI)
    assert b.energy_wh == 500 + 0 + 300
    assert all(l.energy_wh >= 0 for l in b.lines)


def test_energy_reported_with_no_time_passing_is_priced_at_that_instant():
    v = a_version(PEAK_VALLEY)
    t = local(SHANGHAI, 2024, 5, 1, 22)       # the valley starts here
    b = bill([(t - timedelta(minutes=1), 0), (t, 10), (t, 1010)], [v], SHANGHAI)
    assert [(l.period, l.energy_wh) for l in b.lines] == [("peak", 10), ("valley", 1000)]


def test_one_sample_is_an_empty_bill():
    b = bill([(local(SHANGHAI, 2024, 5, 1, 12), 500)], [a_version()], SHANGHAI)
    assert b.lines == () and (b.energy_wh, b.total_fen) == (0, 0)


def test_without_a_tariff_in_force_billing_refuses():
    t = local(SHANGHAI, 2024, 5, 1, 12)
    with pytest.raises(NoTariff):
        bill([(t, 0), (t + timedelta(hours=1), 1000)], [], SHANGHAI)
    with pytest.raises(NoTariff):      # the only version starts after the session did
        bill([(t, 0), (t + timedelta(hours=1), 1000)], [a_version(effective_from=t + timedelta(minutes=1))], SHANGHAI)


def test_samples_out_of_order_or_naive_are_a_programming_error():
    t = local(SHANGHAI, 2024, 5, 1, 12)
    with pytest.raises(ValueError):
        bill([(t, 0), (t - timedelta(seconds=1), 10)], [a_version()], SHANGHAI)
    with pytest.raises(ValueError):
        bill([(t.replace(tzinfo=None), 0)], [a_version()], SHANGHAI)


def test_money_is_rounded_half_up_per_line():
    assert fen(5, 100) == 1 and fen(4, 100) == 0 and fen(15, 100) == 2 and fen(0, 999) == 0


# -- apportioning ------------------------------------------------------------------------------------
def test_the_alabama_paradox_cannot_happen():
    # largest remainder gives piece 2 one Wh at 10 and none at 11 (the classic paradox) for these weights
    weights = [600, 300, 100]
    for total in range(200):
        before, after = apportion(total, weights), apportion(total + 1, weights)
        assert sum(before) == total and all(a >= b for a, b in zip(after, before))


@given(st.integers(0, 10**6), st.lists(st.integers(1, 10**10), min_size=1, max_size=8), st.integers(0, 1000))
@PROPS
def test_apportioning_sums_exactly_and_no_piece_loses_when_the_total_grows(total, weights, more):
    a, b = apportion(total, weights), apportion(total + more, weights)
    assert sum(a) == total and sum(b) == total + more
    assert all(y >= x >= 0 for x, y in zip(a, b))


# -- properties --------------------------------------------------------------------------------------
@given(sessions())
@PROPS
def test_lines_sum_to_the_energy_and_the_money(case):
    samples, versions, tz = case
    b = bill(samples, versions, tz)
    rises = sum(max(0, r1 - r0) for (_, r0), (_, r1) in pairwise(samples))
    assert b.energy_wh == sum(l.energy_wh for l in b.lines) == rises
    assert b.energy_fen == sum(l.energy_fen for l in b.lines)
    assert b.service_fen == sum(l.service_fen for l in b.lines)
    assert b.total_fen == sum(l.amount_fen for l in b.lines) == b.energy_fen + b.service_fen
    # lines tile the session in order, and two neighbours never share a period and prices
    assert len(b.lines) >= 1 or len(samples) == 1
    assert not b.lines or b.lines[0].start == samples[0][0] and b.lines[-1].end == samples[-1][0]
    for x, y in zip(b.lines, b.lines[1:]):
        assert x.end == y.start and x.start <= x.end
        assert (x.period, x.energy_price, x.service_price) != (y.period, y.energy_price, y.service_price)
    for l in b.lines:
        assert l.energy_fen == fen(l.energy_wh, l.energy_price) and l.service_fen == fen(l.energy_wh, l.service_price)


@given(sessions(), st.integers(0, 3000), st.integers(0, 3000))
@PROPS
def test_a_single_period_session_costs_the_rounded_energy_times_the_price(case, energy_price, service_price):
    samples, _, tz = case
    v = a_version((("00:00", "flat"),), samples[0][0], prices={"flat": (energy_price, service_price)})
    b = bill(samples, [v], tz)
    e = b.energy_wh
    assert len(b.lines) == min(1, len(samples) - 1)
    assert b.energy_fen == (e * energy_price + 500) // 1000 and b.service_fen == (e * service_price + 500) // 1000
    assert b.total_fen == round_half_up(e * energy_price / 1000) + round_half_up(e * service_price / 1000)


def round_half_up(x: float) -> int:
    return int(x + 0.5)


@given(sessions(min_samples=3), st.data())
@PROPS
def test_splitting_a_session_at_a_sample_keeps_every_wh_and_moves_at_most_a_fen_per_component(case, data):
    """Proved bound: the pieces of each meter interval are apportioned on their own, so the halves
    have exactly the whole's Wh per piece; hence the same Wh per period (and per line, but the one
    line running through the split, which the halves bill as two lines of the same prices). That line's
    money is round(a x p) + round(b x p) against round((a + b) x p): each rounding is off by (-1/2, 1/2],
    so they differ by less than 3/2, i.e. by at most 1 fen for energy and 1 fen for service (2 in all)."""
    samples, versions, tz = case
    k = data.draw(st.integers(1, len(samples) - 2))
    whole, a, b = bill(samples, versions, tz), bill(samples[:k + 1], versions, tz), bill(samples[k:], versions, tz)

    def per_period(*bills):
        c = Counter()
        for x in bills:
            for l in x.lines:
                c[l.period] += l.energy_wh
        return +c
    assert per_period(whole) == per_period(a, b)
    assert abs(whole.energy_fen - a.energy_fen - b.energy_fen) <= 1
    assert abs(whole.service_fen - a.service_fen - b.service_fen) <= 1
    assert abs(whole.total_fen - a.total_fen - b.total_fen) <= 2
    # lines away from the split are the very same
    assert _lines(whole)[:len(a.lines) - 1] == _lines(a)[:-1]
    assert _lines(whole)[len(whole.lines) - len(b.lines) + 1:] == _lines(b)[1:]


@given(sessions(min_samples=3), st.data())
@PROPS
def test_merging_the_bills_of_two_halves_gives_the_bill_of_the_whole(case, data):
    samples, versions, tz = case
    k = data.draw(st.integers(1, len(samples) - 2))
    assert merge(bill(samples[:k + 1], versions, tz), bill(samples[k:], versions, tz)) == bill(samples, versions, tz)


@given(sessions(min_samples=2), st.data())
@PROPS
def test_a_running_bill_grown_one_interval_at_a_time_is_the_whole_bill(case, data):
    samples, versions, tz = case
    running = bill(samples[:1], versions, tz)
    for a, b in pairwise(samples):
        running = merge(running, bill([a, b], versions, tz))
    assert running == bill(samples, versions, tz)


@given(sessions(min_samples=2, resets=False), st.data())
@PROPS
def test_more_energy_in_the_same_time_window_never_costs_less(case, data):
    samples, versions, tz = case
    extra = data.draw(st.lists(st.integers(0, 20_000), min_size=len(samples) - 1, max_size=len(samples) - 1))
    more = [samples[0]]
    for (t, r), (_, r0), x in zip(samples[1:], samples, extra):
        more.append((t, more[-1][1] + (r - r0) + x))
    low, high = bill(samples, versions, tz), bill(more, versions, tz)
    assert high.energy_wh == low.energy_wh + sum(extra)
    assert [(l.period, l.start, l.end) for l in high.lines] == [(l.period, l.start, l.end) for l in low.lines]
    assert all(h.energy_wh >= l.energy_wh for h, l in zip(high.lines, low.lines))
    assert high.energy_fen >= low.energy_fen and high.service_fen >= low.service_fen
    assert high.total_fen >= low.total_fen


@given(sessions(min_samples=2, resets=False))
@PROPS
def test_each_line_stays_near_its_exact_share(case):
    """Exact share: each interval's energy spread linearly in time. Only intervals a line covers in
    part are rounded; Webster keeps a piece within 1/2 + n/2 x (its share of the interval's time) of
    its quota, n the pieces of the interval (proof: a = round(w/L), q = w/M, |sum(w/L) - total| <= n/2)."""
    samples, versions, tz = case
    assume(all(t1 > t0 for (t0, _), (t1, _) in pairwise(samples)))
    b = bill(samples, versions, tz)
    for l in b.lines:
        exact, bound = Fraction(0), Fraction(0)
        for (t0, r0), (t1, r1) in pairwise(samples):
            lo, hi = max(t0, l.start), min(t1, l.end)
            if hi > lo:
                share = Fraction((hi - lo) // US, (t1 - t0) // US)
                exact += (r1 - r0) * share
                if share != 1:
                    n = sum(1 for m in b.lines if min(t1, m.end) > max(t0, m.start))
                    bound += Fraction(1, 2) + n * share / 2
        assert abs(l.energy_wh - exact) <= bound


@given(st.integers(0, 10**6), st.integers(1, 10**11), st.integers(1, 10**11))
@PROPS
def test_an_interval_cut_once_puts_each_side_within_a_wh_of_its_exact_share(total, w1, w2):
    for a, w in zip(apportion(total, [w1, w2]), (w1, w2)):
        assert abs(a - Fraction(total * w, w1 + w2)) < 1


# -- price at a moment, the day's schedule, idle fee ---------------------------------------------------
def test_price_now_and_until_when_it_changes():
    v = a_version(PEAK_VALLEY, prices={"peak": (100, 80), "valley": (30, 40)})
    p = price_at([v], SHANGHAI, local(SHANGHAI, 2024, 5, 1, 21, 59))
    assert (p.period, p.energy_fen_per_kwh, p.service_fen_per_kwh, p.total_fen_per_kwh) == ("peak", 100, 80, 180)
    assert p.until == local(SHANGHAI, 2024, 5, 1, 22)
    night = price_at([v], SHANGHAI, local(SHANGHAI, 2024, 5, 1, 23))      # valley runs through midnight
    assert night.period == "valley" and night.until == local(SHANGHAI, 2024, 5, 2, 8)


def test_price_until_a_new_version_that_changes_the_price():
    v1 = a_version(PEAK_VALLEY, prices={"peak": (100, 80), "valley": (30, 40)})
    v2 = a_version(PEAK_VALLEY, local(SHANGHAI, 2024, 5, 1, 12, 30), prices={"peak": (110, 80), "valley": (30, 40)})
    assert price_at([v1, v2], SHANGHAI, local(SHANGHAI, 2024, 5, 1, 12)).until == local(SHANGHAI, 2024, 5, 1, 12, 30)
    p = price_at([v1, v2], SHANGHAI, local(SHANGHAI, 2024, 5, 1, 13))
    assert p.energy_fen_per_kwh == 110 and p.until == local(SHANGHAI, 2024, 5, 1, 22)


def test_a_one_period_tariff_is_priced_until_the_next_local_midnight():
    v = a_version((("00:00", "flat"),))
    assert price_at([v], SHANGHAI, local(SHANGHAI, 2024, 5, 1, 9)).until == local(SHANGHAI, 2024, 5, 2)


def test_no_price_without_a_version_in_force():
    at = local(SHANGHAI, 2024, 5, 1, 9)
    assert price_at([], SHANGHAI, at) is None
    assert price_at([a_version(effective_from=at + timedelta(seconds=1))], SHANGHAI, at) is None


def test_day_schedule_in_local_time_split_where_a_version_starts():
    v1 = a_version(PEAK_VALLEY, prices={"peak": (100, 80), "valley": (30, 40)})
    v2 = a_version(PEAK_VALLEY, local(SHANGHAI, 2024, 5, 1, 12, 30), prices={"peak": (110, 80), "valley": (30, 40)})
    rows = [(e.start, e.end, e.period, e.energy_fen_per_kwh, e.total_fen_per_kwh)
            for e in day_schedule([v1, v2], SHANGHAI, date(2024, 5, 1))]
    assert rows == [("00:00", "08:00", "valley", 30, 70), ("08:00", "12:30", "peak", 100, 180),
                    ("12:30", "22:00", "peak", 110, 190), ("22:00", "24:00", "valley", 30, 70)]
    assert [(e.start, e.end) for e in day_schedule([v1, v2], SHANGHAI, date(2024, 5, 2))] == [
        ("00:00", "08:00"), ("08:00", "22:00"), ("22:00", "24:00")]


def test_day_schedule_before_any_version_is_empty_and_a_first_version_mid_day_starts_there():
    v = a_version(PEAK_VALLEY, local(SHANGHAI, 2024, 5, 1, 9, 15))
    assert day_schedule([v], SHANGHAI, date(2024, 4, 30)) == []
    assert [(e.start, e.end, e.period) for e in day_schedule([v], SHANGHAI, date(2024, 5, 1))] == [
        ("09:15", "22:00", "peak"), ("22:00", "24:00", "valley")]


def test_day_schedule_on_a_spring_forward_day():
    ny = ZoneInfo("America/New_York")        # 2024-03-10 02:00 -> 03:00
    v = a_version((("00:00", "valley"), ("02:30", "peak"), ("08:00", "flat")))
    rows = [(e.start, e.end, e.period) for e in day_schedule([v], ny, date(2024, 3, 10))]
    assert rows == [("00:00", "03:00", "valley"), ("03:00", "08:00", "peak"), ("08:00", "24:00", "flat")]


def test_idle_fee_counts_every_started_minute_beyond_the_grace():
    v = a_version(idle_fee_fen_per_min=50, idle_grace_minutes=15)
    stop = local(SHANGHAI, 2024, 5, 1, 12)
    assert idle_fee(stop, stop + timedelta(minutes=15), v) == 0
    assert idle_fee(stop, stop + timedelta(minutes=15, seconds=1), v) == 50
    assert idle_fee(stop, stop + timedelta(minutes=17), v) == 100
    assert idle_fee(stop, stop + timedelta(minutes=17, microseconds=1), v) == 150
    assert idle_fee(stop, stop - timedelta(minutes=1), v) == 0
    assert idle_fee(stop, stop + timedelta(hours=5), a_version()) == 0      # no idle fee set
