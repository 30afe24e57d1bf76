"""The roll-up arithmetic, in Asia/Shanghai unless said: local days as UTC windows, bill lines and
sessions cut at local midnight into whole Wh and fen that add up to the order, and connector time by
state with the charge point's presence."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from csms.domain.stats import Activity, Billed, PresenceChange, Session, StatusChange, Unit
from csms.domain.tariffs import BillLine
from csms.services.stats_arithmetic import day_window, line_days, rollup, spread, unit_figures

SH = ZoneInfo("Asia/Shanghai")
DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH).astimezone(timezone.utc)


def a_line(period: str, start: datetime, end: datetime, wh: int, energy_price: int, service_price: int) -> BillLine:
    return BillLine(period, start, end, wh, energy_price, service_price, (wh * energy_price + 500) // 1000,
                    (wh * service_price + 500) // 1000)


def test_a_local_day_is_its_utc_window_and_dst_days_are_shorter_or_longer():
    assert day_window(DAY1, SH) == (datetime(2026, 2, 28, 16, tzinfo=timezone.utc),
                                    datetime(2026, 3, 1, 16, tzinfo=timezone.utc))
    berlin = ZoneInfo("Europe/Berlin")
    start, end = day_window(date(2026, 3, 29), berlin)           # clocks go forward: 23 hours
    assert end - start == timedelta(hours=23)
    start, end = day_window(date(2026, 10, 25), berlin)          # back: 25 hours
    assert end - start == timedelta(hours=25)


def test_a_line_across_midnight_is_split_by_time_and_its_money_by_energy_exactly():
    # valley 21:00 -> 01:00: three hours before midnight, one after
    line = a_line("valley", local(DAY1, 21), local(DAY2, 1), 4001, 31, 53)
    days = line_days(line, SH)
    assert days[DAY1][0] == 3001 and days[DAY2][0] == 1000                # quotas 3000.75 / 1000.25
    for i, total in enumerate((line.energy_wh, line.energy_fen, line.service_fen)):
        assert days[DAY1][i] + days[DAY2][i] == total
    assert (days[DAY1][1], days[DAY2][1]) == (93, 31)                     # 124 fen by 3001 : 1000
    # a line within one day stays whole
    inside = a_line("peak", local(DAY1, 10), local(DAY1, 12), 14000, 120, 60)
    assert line_days(inside, SH) == {DAY1: (14000, 1680, 840)}


def test_energy_without_a_bill_is_spread_over_the_days_by_time():
    assert spread(1000, local(DAY1, 23), local(DAY2, 1), SH) == {DAY1: 500, DAY2: 500}
    assert sum(spread(999, local(DAY1, 23, 20), local(DAY2, 0, 40), SH).values()) == 999


def an_order_across_periods_and_midnight() -> tuple[Billed, Session]:
    """20:00-22:00 peak, 22:00-02:00 valley (one line across midnight), idle fee after the stop."""
    lines = (a_line("peak", local(DAY1, 20), local(DAY1, 22), 14000, 120, 60),
             a_line("valley", local(DAY1, 22), local(DAY2, 2), 8000, 30, 50))
    billed = Billed(1, "CP-1", local(DAY2, 2), lines, idle_fee_fen=40, adjustment_fen=-15)
    session = Session(10, "CP-1", local(DAY1, 20), local(DAY2, 2), 22000, None, lines)
    return billed, session


def a_day(day: date, *, units=(), status=(), presence=(), sessions=(), billed=(), drivers=()) -> Activity:
    start, end = day_window(day, SH)
    return Activity(start, end, tuple(units), tuple(status), tuple(presence), tuple(sessions), tuple(billed),
                    tuple(drivers))


UNIT = Unit("CP-1", 7, ((1, 1, "Available", None),), online=True)


def test_the_days_of_an_order_across_periods_and_midnight_add_up_to_the_order():
    billed, session = an_order_across_periods_and_midnight()
    one = unit_figures(UNIT, a_day(DAY1, sessions=[session], billed=[billed]), SH, DAY1)
    two = unit_figures(UNIT, a_day(DAY2, sessions=[session], billed=[billed]), SH, DAY2)
    # peak: 1680 + 840; valley 8000 Wh, half before midnight: 120 + 200 each day
    assert (one.energy_wh, one.revenue_fen, one.service_fen) == (18000, 1680 + 840 + 120 + 200, 840 + 200)
    assert (two.energy_wh, two.revenue_fen, two.service_fen) == (4000, 120 + 200 + 40 - 15, 200)
    order_total = sum(ln.amount_fen for ln in billed.lines) + billed.idle_fee_fen + billed.adjustment_fen
    assert one.revenue_fen + two.revenue_fen == order_total
    assert one.energy_wh + two.energy_wh == session.energy_wh
    assert (one.sessions, two.sessions) == (1, 0)                          # counted the day it started
    assert (one.charging_minutes, two.charging_minutes) == (240, 120)


def test_connector_time_by_state_with_the_charge_point_offline_for_part_of_the_day():
    status = [StatusChange("CP-1", 1, 1, "Available", local(DAY1, 0) - timedelta(days=1)),   # before the day
              StatusChange("CP-1", 1, 1, "Charging", local(DAY1, 8)),
              StatusChange("CP-1", 1, 1, "Available", local(DAY1, 10)),
              StatusChange("CP-1", 1, 1, "Faulted", local(DAY1, 12)),
              StatusChange("CP-1", 1, 1, "Faulted", local(DAY1, 12, 30)),                   # the same again
              StatusChange("CP-1", 1, 1, "Available", local(DAY1, 13))]
    presence = [PresenceChange("CP-1", False, local(DAY1, 20)), PresenceChange("CP-1", True, local(DAY1, 22))]
    f = unit_figures(UNIT, a_day(DAY1, status=status, presence=presence), SH, DAY1)
    assert (f.occupied_minutes, f.faulted_minutes, f.offline_minutes) == (120, 60, 120)
    assert f.available_minutes == 1440 - 120 - 60 - 120
    assert (f.faults, f.connector_minutes, f.utilisation) == (1, 1440, round(120 / (1440 - 180), 4))
    assert f.fault_rate == round(60 / 1440, 4)


def test_without_history_the_current_status_counts_if_it_held_the_whole_day():
    held = Unit("CP-1", 7, ((1, 1, "Faulted", local(DAY1, 0) - timedelta(hours=3)),), online=True)
    later = Unit("CP-1", 7, ((1, 1, "Faulted", local(DAY2, 9)),), online=True)
    assert unit_figures(held, a_day(DAY1), SH, DAY1).faulted_minutes == 1440
    assert unit_figures(later, a_day(DAY1), SH, DAY1).faulted_minutes == 0      # unknown that day


def test_a_station_is_the_sum_of_its_charge_points_with_its_distinct_drivers():
    billed, session = an_order_across_periods_and_midnight()
    other = Unit("CP-2", 7, ((1, 1, "Available", None), (2, 2, "Available", None)), online=True)
    lone = Unit("CP-3", 0, (), online=False)
    points, stations = rollup(a_day(DAY1, units=[UNIT, other, lone], sessions=[session], billed=[billed],
                                    drivers=[("CP-1", 5), ("CP-2", 5), ("CP-2", 6)]), DAY1, SH)
    assert [p.charge_point_id for p in points] == ["CP-1", "CP-2", "CP-3"]
    assert [(s.station_id, s.charge_points, s.active_users) for s in stations] == [(0, 1, 0), (7, 2, 2)]
    seven = stations[1].figures
    assert seven.energy_wh == points[0].figures.energy_wh and seven.connector_minutes == 3 * 1440
