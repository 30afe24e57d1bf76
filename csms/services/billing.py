"""Pure time-of-use billing: what a session's energy costs under a station's tariff versions, the
price at a moment, a local day's schedule, the idle fee. No I/O, no clock: everything is an argument.

How a bill is made
- The time between the first and the last sample is cut where the price may change: local segment
  edges of the version in force (across midnight, both sides of a DST change), DST transitions
  themselves (a local edge inside a spring-forward gap takes effect at the jump), version changes.
- A meter interval's energy (cumulative Wh; a reading below the previous one adds 0) is spread
  linearly in time over the pieces it covers, then rounded to whole Wh per piece by the Webster
  (Sainte-Laguë) divisor method: the pieces of an interval sum exactly to its energy, and, unlike
  largest remainder (Alabama paradox), more energy never gives any piece less. Intervals are rounded
  on their own, so a bill split at a sample has exactly the same Wh per piece as the whole.
- Contiguous pieces of the same period at the same prices make one line; a line's money is
  round-half-up(energy_wh x price / 1000) fen, per component; totals are sums of the lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from csms.domain.tariffs import (
    Bill,
    BillLine,
    NoTariff,
    Price,
    ScheduleEntry,
    TariffVersion,
    hhmm,
)

_US = timedelta(microseconds=1)
_PRICE_HORIZON = timedelta(hours=26)   # a period that does not change within a day ends with its segment

Key = tuple[str, int, int]             # (period, energy price, service price)


@dataclass(frozen=True)
class _Piece:
    start: datetime
    end: datetime
    key: Key


# -- the timeline: [lo, hi] cut wherever the price may change ------------------------------------------
def _local_minute(at: datetime, tz: ZoneInfo) -> int:
    local = at.astimezone(tz)
    return local.hour * 60 + local.minute


def _key(v: TariffVersion, tz: ZoneInfo, at: datetime) -> Key:
    seg = v.segment_at(_local_minute(at, tz))
    p = v.prices[seg.period]
    return seg.period, p.energy_fen_per_kwh, p.service_fen_per_kwh


def _edges(v: TariffVersion, tz: ZoneInfo, lo: datetime, hi: datetime) -> set[datetime]:
    """UTC instants strictly inside (lo, hi) at which a segment of ``v`` starts on the local clock
    (both occurrences of a repeated local time; none for a time the clock skips)."""
    starts = {s.start_min for s in v.segments}
    out: set[datetime] = set()
    # without a UTC offset change in between, local dates only move forward: no margin needed
    steady = hi - lo <= timedelta(days=7) and _offset(lo, tz) == _offset(hi, tz)
    margin = timedelta(0) if steady else timedelta(days=1)
    day = lo.astimezone(tz).date() - margin
    last = hi.astimezone(tz).date() + margin
    while day <= last:
        for m in starts:
            naive = datetime.combine(day, time(m // 60, m % 60))
            local = naive.replace(tzinfo=tz)
            folds = (local,) if local.utcoffset() == local.replace(fold=1).utcoffset() else \
                (local, local.replace(fold=1))
            for candidate in folds:
                u = candidate.astimezone(UTC)
                if lo < u < hi and (len(folds) == 1 or u.astimezone(tz).replace(tzinfo=None) == naive):
                    out.add(u)
        day += timedelta(days=1)
    return out


def _offset(at: datetime, tz: ZoneInfo) -> timedelta | None:
    return at.astimezone(tz).utcoffset()


def _transition(tz: ZoneInfo, a: datetime, b: datetime) -> datetime:
    """The first instant in (a, b] with b's UTC offset (a and b differ; at most one change between)."""
    target = _offset(b, tz)
    low, high = 0, (b - a) // _US
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(a + mid * _US, tz) == target:
            high = mid
        else:
            low = mid
    return a + high * _US


def _cuts(v: TariffVersion, tz: ZoneInfo, lo: datetime, hi: datetime) -> list[datetime]:
    points = sorted({lo, hi, *_edges(v, tz, lo, hi)})
    out = [points[0]]
    for a, b in pairwise(points):
        if _offset(a, tz) != _offset(b, tz):   # consecutive points are at most ~2 days apart
            out.append(_transition(tz, a, b))
        if b != out[-1]:
            out.append(b)
    return out


def _sorted(versions: Sequence[TariffVersion]) -> list[TariffVersion]:
    return sorted(versions, key=lambda v: v.effective_from)


def _index_at(versions: list[TariffVersion], at: datetime) -> int:
    i = -1
    for j, v in enumerate(versions):
        if v.effective_from <= at:
            i = j
        else:
            break
    return i


def _timeline(versions: list[TariffVersion], tz: ZoneInfo, lo: datetime, hi: datetime) -> list[_Piece]:
    """Contiguous pieces covering [lo, hi] (one empty piece if lo == hi), each a maximal run of one
    price."""
    i = _index_at(versions, lo)
    if i < 0:
        raise NoTariff(f"no tariff in force at {lo.isoformat()}")
    if lo == hi:
        return [_Piece(lo, lo, _key(versions[i], tz, lo))]
    out: list[_Piece] = []
    while True:
        v = versions[i]
        nxt = versions[i + 1].effective_from if i + 1 < len(versions) else None
        span_lo = max(lo, v.effective_from)
        span_hi = hi if nxt is None else min(hi, nxt)
        for a, b in pairwise(_cuts(v, tz, span_lo, span_hi)):
            key = _key(v, tz, a)
            if out and out[-1].key == key:      # same price on both sides: no cut
                out[-1] = _Piece(out[-1].start, b, key)
            else:
                out.append(_Piece(a, b, key))
        if nxt is None or nxt >= hi:
            return out
        i += 1


# -- apportioning ------------------------------------------------------------------------------------
def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` Wh over pieces in proportion to ``weights`` (> 0), as whole Wh summing to ``total``:
    the Webster divisor method, ties to the earlier piece. The result for ``total`` is the top
    ``total`` of one fixed ranking of seats, so it is house-monotone: no piece loses when the total
    grows (largest remainder is not: Alabama paradox). A piece is within 1/2 + n/2 x its share of
    the weight of its exact quota (n pieces); with two pieces, within 1 Wh."""
    n = len(weights)
    if total <= 0 or n == 0:
        return [0] * n
    if n == 1:
        return [total]
    w_sum = sum(weights)
    alloc = [(2 * total * w + w_sum) // (2 * w_sum) for w in weights]     # round half up of the quota
    given = sum(alloc)
    while given < total:      # the best seat not yet given: highest w / (a + 1/2), earliest on ties
        best = max(range(n), key=lambda i: (Fraction(2 * weights[i], 2 * alloc[i] + 1), -i))
        alloc[best] += 1
        given += 1
    while given > total:      # the worst seat given: lowest w / (a - 1/2), latest on ties
        worst = min((i for i in range(n) if alloc[i] > 0),
                    key=lambda i: (Fraction(2 * weights[i], 2 * alloc[i] - 1), -i))
        alloc[worst] -= 1
        given -= 1
    return alloc


def fen(energy_wh: int, fen_per_kwh: int) -> int:
    """Round half up of energy_wh x price / 1000 (both non-negative)."""
    return (energy_wh * fen_per_kwh + 500) // 1000


# -- public ------------------------------------------------------------------------------------------
def _check_samples(samples: Sequence[tuple[datetime, int]]) -> None:
    if not samples:
        raise ValueError("a bill needs at least one sample")
    for (t, _), (u, _) in pairwise(samples):
        if u < t:
            raise ValueError(f"samples out of time order at {u.isoformat()}")
    for t, _ in samples:
        if t.tzinfo is None:
            raise ValueError("naive sample time; the domain uses UTC-aware times")


def bill(samples: Sequence[tuple[datetime, int]], versions: Sequence[TariffVersion], tz: ZoneInfo) -> Bill:
    """Bill a session from its meter samples ((UTC time, cumulative Wh), time order, first = start).

    Raises NoTariff when no version is in force at the first sample (no tariff at all, or only later
    ones). The total energy is the sum of the intervals' rises: last - first for a meter that never
    goes back. One sample: no lines, nothing to pay."""
    _check_samples(samples)
    ordered = _sorted(versions)
    if not ordered:
        raise NoTariff("the station has no tariff")
    timeline = _timeline(ordered, tz, samples[0][0], samples[-1][0])
    acc: list[list] = []            # [period, start, end, wh, energy_price, service_price]

    def add(start: datetime, end: datetime, key: Key, wh: int) -> None:
        if acc and (acc[-1][0], acc[-1][4], acc[-1][5]) == key and acc[-1][2] == start:
            acc[-1][2] = end
            acc[-1][3] += wh
        else:
            acc.append([key[0], start, end, wh, key[1], key[2]])

    j = 0
    for (t0, r0), (t1, r1) in pairwise(samples):
        delta = max(0, r1 - r0)
        while j < len(timeline) - 1 and timeline[j].end <= t0:
            j += 1
        if t1 == t0:                # a jump with no time: priced at that instant
            add(t0, t0, _key(ordered[_index_at(ordered, t0)], tz, t0), delta)
            continue
        parts: list[_Piece] = []
        k = j
        while k < len(timeline) and timeline[k].start < t1:
            p = timeline[k]
            parts.append(_Piece(max(p.start, t0), min(p.end, t1), p.key))
            k += 1
        j = max(j, k - 1)
        for p, wh in zip(parts, apportion(delta, [(p.end - p.start) // _US for p in parts])):
            add(p.start, p.end, p.key, wh)

    return _total([_line(*a) for a in acc])


def _line(period: str, start: datetime, end: datetime, wh: int, energy_price: int, service_price: int) -> BillLine:
    return BillLine(period=period, start=start, end=end, energy_wh=wh, energy_price=energy_price,
                    service_price=service_price, energy_fen=fen(wh, energy_price), service_fen=fen(wh, service_price))


def _total(lines: Sequence[BillLine]) -> Bill:
    energy_fen = sum(line.energy_fen for line in lines)
    service_fen = sum(line.service_fen for line in lines)
    return Bill(lines=tuple(lines), energy_wh=sum(line.energy_wh for line in lines), energy_fen=energy_fen,
                service_fen=service_fen, total_fen=energy_fen + service_fen)


def merge(first: Bill, then: Bill) -> Bill:
    """The bill of a session from the bills of its two parts split at a sample (``then`` starting
    where ``first`` ends): exactly ``bill`` of the whole, since each interval is rounded on its own;
    the line running through the split is joined and its money rounded once. Lets a running cost
    grow one meter interval at a time."""
    if not first.lines or not then.lines:
        return then if not first.lines else first
    a, b = first.lines[-1], then.lines[0]
    if (a.period, a.energy_price, a.service_price, a.end) == (b.period, b.energy_price, b.service_price, b.start):
        joined = _line(a.period, a.start, b.end, a.energy_wh + b.energy_wh, a.energy_price, a.service_price)
        return _total((*first.lines[:-1], joined, *then.lines[1:]))
    return _total((*first.lines, *then.lines))


def idle_fee(stopped_at: datetime, unplugged_at: datetime, version: TariffVersion) -> int:
    """Fen for the time the car stayed plugged in after charging stopped, beyond the grace: every
    started minute counts."""
    over = (unplugged_at - stopped_at) - timedelta(minutes=version.idle_grace_minutes)
    if over <= timedelta(0) or version.idle_fee_fen_per_min == 0:
        return 0
    minutes = -(-over // timedelta(minutes=1))
    return minutes * version.idle_fee_fen_per_min


def price_at(versions: Sequence[TariffVersion], tz: ZoneInfo, at: datetime) -> Price | None:
    """The price in force at ``at``, None if no version is. ``until`` is when the period or its price
    next changes; a price that does not change for a whole day ends with its current segment (a
    one-period tariff: the next local midnight) or at a version change."""
    ordered = _sorted(versions)
    i = _index_at(ordered, at)
    if i < 0:
        return None
    horizon = at + _PRICE_HORIZON
    timeline = _timeline(ordered, tz, at, horizon)
    first = timeline[0]
    until = next((p.start for p in timeline[1:] if p.key != first.key), None)
    if until is None:               # the same all day: the current segment's end
        nxt = ordered[i + 1].effective_from if i + 1 < len(ordered) else horizon
        until = _cuts(ordered[i], tz, at, min(horizon, nxt))[1]
    period, energy, service = first.key
    return Price(period, energy, service, energy + service, until)


def day_schedule(versions: Sequence[TariffVersion], tz: ZoneInfo, day: date) -> list[ScheduleEntry]:
    """The local day's prices, in local HH:MM ("24:00" ends the day), split where a version starts
    during the day; the part of the day before the first version is left out."""
    ordered = _sorted(versions)
    lo = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    if not ordered or ordered[0].effective_from >= hi:
        return []
    lo = max(lo, ordered[0].effective_from)
    runs: list[list] = []            # [start, end, key]
    for p in _timeline(ordered, tz, lo, hi):
        if runs and runs[-1][2] == p.key:
            runs[-1][1] = p.end
        else:
            runs.append([p.start, p.end, p.key])

    def local(at: datetime) -> str:
        return "24:00" if at == hi else hhmm(_local_minute(at, tz))

    return [ScheduleEntry(local(a), local(b), k[0], k[1], k[2], k[1] + k[2]) for a, b, k in runs]
