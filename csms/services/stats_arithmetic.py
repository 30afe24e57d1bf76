"""The arithmetic of the daily roll-ups, pure: a local day as a UTC window (DST days are 23 or 25
hours), a bill line's share of a day (lines are cut where a tariff period changes, which need not be
at midnight: the same period before and after midnight makes one line), a session's energy spread
over days, and connector time by state. Shares are whole Wh and fen that add up exactly to the whole
over the days (csms/services/billing.py apportion), so the days of an order sum to the order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

from csms.domain.states import BUSY_STATES
from csms.domain.stats import Activity, ChargePointDay, Figures, StationDay, Unit
from csms.domain.tariffs import BillLine
from csms.services.billing import apportion

OCCUPIED = BUSY_STATES | {"Reserved"}


def day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day."""
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def day_pieces(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """``start``..``end`` cut at local midnights: (local day, from, to) in time order."""
    out = []
    at = start
    while at < end:
        day = local_day(at, tz)
        cut = min(day_window(day, tz)[1], end)
        out.append((day, at, cut))
        at = cut
    return out


def _ms(a: datetime, b: datetime) -> int:
    return max(0, (b - a) // timedelta(milliseconds=1))


def spread(total: int, start: datetime, end: datetime, tz: ZoneInfo) -> dict[date, int]:
    """``total`` spread over the local days of start..end in proportion to time, summing to ``total``."""
    pieces = [(d, a, b) for d, a, b in day_pieces(start, end, tz) if b > a]
    if not pieces:
        return {local_day(start, tz): total}
    weights = [max(1, _ms(a, b)) for _, a, b in pieces]
    return {d: n for (d, _, _), n in zip(pieces, apportion(total, weights))}


def line_days(line: BillLine, tz: ZoneInfo) -> dict[date, tuple[int, int, int]]:
    """A bill line by local day: (energy Wh, energy fen, service fen). Energy is spread in proportion
    to time (as billing spreads an interval's energy), money in proportion to the energy."""
    energy = spread(line.energy_wh, line.start, line.end, tz)
    days = list(energy)
    weights = [energy[d] for d in days]
    if sum(weights) == 0:
        weights = [1] * len(days)
    efen = apportion(line.energy_fen, weights)
    sfen = apportion(line.service_fen, weights)
    return {d: (energy[d], e, s) for d, e, s in zip(days, efen, sfen)}


def _minutes(seconds: float) -> int:
    return int((seconds + 30) // 60)


def _timeline(initial: str, changes: list[tuple[datetime, str]], start: datetime, end: datetime):
    """(from, to, state) segments covering start..end."""
    state, at, out = initial, start, []
    for when, new in changes:
        if when > at:
            out.append((at, min(when, end), state))
            at = min(when, end)
        state = new
    if end > at:
        out.append((at, end, state))
    return out


def _state_at(segments, t: datetime) -> str:
    for a, b, state in segments:
        if a <= t < b:
            return state
    return segments[-1][2] if segments else "Unknown"


def unit_figures(unit: Unit, a: Activity, tz: ZoneInfo, day: date) -> Figures:
    """One charge point's figures for the day ``a`` covers (``a.start``..``a.end`` is that day)."""
    start, end = a.start, a.end
    # presence: the last change before the day, else the opposite of the first change in it, else now
    mine = sorted((p for p in a.presence if p.charge_point_id == unit.charge_point_id), key=lambda p: p.at)
    before = [p for p in mine if p.at <= start]
    inside = [p for p in mine if start < p.at < end]
    online0 = before[-1].online if before else (not inside[0].online if inside else unit.online)
    presence = _timeline("online" if online0 else "offline",
                         [(p.at, "online" if p.online else "offline") for p in inside], start, end)
    offline = sum((b - x).total_seconds() for x, b, s in presence if s == "offline")

    seconds: dict[str, float] = defaultdict(float)
    faults = 0
    for evse, conn, status_now, status_at in unit.connectors:
        changes = sorted((c for c in a.status if (c.charge_point_id, c.evse_id, c.connector_id)
                          == (unit.charge_point_id, evse, conn)), key=lambda c: c.at)
        before_s = [c for c in changes if c.at <= start]
        inside_s = [(c.at, c.status) for c in changes if start < c.at < end]
        if before_s:
            initial = before_s[-1].status
        elif status_at is not None and status_at <= start and not inside_s:
            initial = status_now
        else:
            initial = "Unknown"
        segments = _timeline(initial, inside_s, start, end)
        previous = initial
        for _, status in inside_s:
            faults += status == "Faulted" and previous != "Faulted"
            previous = status
        cuts = sorted({start, end, *(x for x, _, _ in presence), *(x for x, _, _ in segments)})
        for x, y in pairwise(cuts):
            if _state_at(presence, x) == "offline":
                continue
            status = _state_at(segments, x)
            kind = "faulted" if status == "Faulted" else "occupied" if status in OCCUPIED else \
                "available" if status == "Available" else None
            if kind:
                seconds[kind] += (y - x).total_seconds()

    energy = revenue = service = sessions = charging = 0
    for s in (s for s in a.sessions if s.charge_point_id == unit.charge_point_id):
        sessions += start <= s.started_at < end
        stop = s.stopped_at or s.last_at or s.started_at
        charging += max(0.0, (min(stop, end) - max(s.started_at, start)).total_seconds())
        if s.lines:
            energy += sum(line_days(ln, tz).get(day, (0, 0, 0))[0] for ln in s.lines)
        else:
            energy += spread(s.energy_wh, s.started_at, stop, tz).get(day, 0)
    for b in (b for b in a.billed if b.charge_point_id == unit.charge_point_id):
        for ln in b.lines:
            _, efen, sfen = line_days(ln, tz).get(day, (0, 0, 0))
            revenue += efen + sfen
            service += sfen
        if start <= b.stopped_at < end:
            revenue += b.idle_fee_fen + b.adjustment_fen
    return Figures(energy_wh=energy, revenue_fen=revenue, service_fen=service, sessions=sessions,
                   charging_minutes=_minutes(charging), occupied_minutes=_minutes(seconds["occupied"]),
                   available_minutes=_minutes(seconds["available"]),
                   faulted_minutes=_minutes(seconds["faulted"]), offline_minutes=_minutes(offline),
                   connector_minutes=len(unit.connectors) * _minutes((end - start).total_seconds()), faults=faults)


def _by_charge_point(items) -> dict[str, tuple]:
    out: dict[str, list] = defaultdict(list)
    for item in items:
        out[item.charge_point_id].append(item)
    return {k: tuple(v) for k, v in out.items()}


def rollup(a: Activity, day: date, tz: ZoneInfo) -> tuple[list[ChargePointDay], list[StationDay]]:
    """The day's rows: one per charge point of ``a.units``, one per station (sums)."""
    status, presence = _by_charge_point(a.status), _by_charge_point(a.presence)
    sessions, billed = _by_charge_point(a.sessions), _by_charge_point(a.billed)
    points = []
    for u in a.units:       # each charge point sees its own part of the day only
        k = u.charge_point_id
        mine = replace(a, status=status.get(k, ()), presence=presence.get(k, ()), sessions=sessions.get(k, ()),
                       billed=billed.get(k, ()))
        points.append(ChargePointDay(day, k, u.station_id, unit_figures(u, mine, tz, day)))
    station_of = {u.charge_point_id: u.station_id for u in a.units}
    users: dict[int, set[int]] = defaultdict(set)
    for cp, user in a.drivers:
        if cp in station_of:
            users[station_of[cp]].add(user)
    stations: dict[int, StationDay] = {}
    for p in points:
        row = stations.get(p.station_id) or StationDay(day, p.station_id, Figures(),
                                                       active_users=len(users[p.station_id]))
        stations[p.station_id] = replace(row, figures=row.figures + p.figures, charge_points=row.charge_points + 1)
    return points, sorted(stations.values(), key=lambda s: s.station_id)
