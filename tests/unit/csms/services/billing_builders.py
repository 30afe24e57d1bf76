"""Builders for tariff tests: a version from a compact day plan, local times, hypothesis strategies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from csms.domain.tariffs import PERIODS, PeriodPrice, Segment, TariffVersion, hhmm

SHANGHAI = ZoneInfo("Asia/Shanghai")
# zones with and without DST (Lord Howe moves by 30 minutes), and dates around their changes
ZONES = ("Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
ANCHORS = (datetime(2024, 3, 10, tzinfo=UTC), datetime(2024, 3, 31, tzinfo=UTC), datetime(2024, 4, 6, tzinfo=UTC),
           datetime(2024, 10, 5, tzinfo=UTC), datetime(2024, 10, 27, tzinfo=UTC), datetime(2024, 11, 3, tzinfo=UTC),
           datetime(2024, 6, 15, tzinfo=UTC))
PRICES = {"sharp": (120, 90), "peak": (100, 80), "flat": (70, 60), "valley": (30, 40)}

# a common plan: valley 00-08, flat 08-10, peak 10-12, sharp 12-14, peak 14-17, flat 17-19, peak 19-22, valley 22-24
PLAN = (("00:00", "valley"), ("08:00", "flat"), ("10:00", "peak"), ("12:00", "sharp"), ("14:00", "peak"),
        ("17:00", "flat"), ("19:00", "peak"), ("22:00", "valley"))


def spec(plan=PLAN, prices=None, **extra) -> dict:
    """A REST-shaped tariff body from [(start, period), ...] (each segment ends where the next starts)."""
    starts = [s for s, _ in plan] + ["24:00"]
    used = {p for _, p in plan}
    prices = prices or {p: PRICES[p] for p in used}
    return {"segments": [{"start": starts[i], "end": starts[i + 1], "period": p} for i, (_, p) in enumerate(plan)],
            "prices": {p: {"energy_fen_per_kwh": e, "service_fen_per_kwh": s} for p, (e, s) in prices.items()},
            **extra}


def a_version(plan=PLAN, effective_from: datetime = datetime(2020, 1, 1, tzinfo=UTC), prices=None,
              station_id: int = 1, **fields) -> TariffVersion:
    starts = [_min(s) for s, _ in plan] + [1440]
    segments = tuple(Segment(starts[i], starts[i + 1], p) for i, (_, p) in enumerate(plan))
    prices = prices or {p: PRICES[p] for _, p in plan}
    return TariffVersion(station_id=station_id, effective_from=effective_from, segments=segments,
                         prices={p: PeriodPrice(*v) for p, v in prices.items()}, **fields)


def _min(hh_mm: str) -> int:
    h, m = hh_mm.split(":")
    return int(h) * 60 + int(m)


def local(tz: ZoneInfo, *args, fold: int = 0) -> datetime:
    """A local wall time as a UTC instant."""
    return datetime(*args, tzinfo=tz, fold=fold).astimezone(UTC)


# -- strategies --------------------------------------------------------------------------------------
@st.composite
def plans(draw):
    cuts = draw(st.lists(st.integers(1, 1439), max_size=6, unique=True))
    starts = [0, *sorted(cuts)]
    periods = [draw(st.sampled_from(PERIODS)) for _ in starts]
    return tuple((hhmm(s), p) for s, p in zip(starts, periods))


prices_st = st.fixed_dictionaries({p: st.tuples(st.integers(0, 3000), st.integers(0, 3000)) for p in PERIODS})


@st.composite
def sessions(draw, min_samples: int = 1, max_samples: int = 10, resets: bool = True, single_version: bool = False):
    """(samples, versions, tz): a session around a DST change or not, 1-3 versions, the first in force
    at the start."""
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    start = draw(st.sampled_from(ANCHORS)) + timedelta(seconds=draw(st.integers(-36 * 3600, 36 * 3600)),
                                                       microseconds=draw(st.integers(0, 999_999)))
    n = draw(st.integers(min_samples, max_samples))
    times = [start]
    for _ in range(n - 1):
        times.append(times[-1] + timedelta(seconds=draw(st.integers(0, 6 * 3600)),
                                           microseconds=draw(st.integers(0, 999_999))))
    low = -5000 if resets else 0
    readings = [draw(st.integers(0, 10**6))]
    for _ in range(n - 1):
        readings.append(max(0, readings[-1] + draw(st.integers(low, 60_000))))
    first_from = start - timedelta(seconds=draw(st.integers(0, 10**6)))
    versions = [a_version(draw(plans()), first_from, prices=draw(prices_st))]
    if not single_version:
        for _ in range(draw(st.integers(0, 2))):
            at = draw(st.datetimes(min_value=start.replace(tzinfo=None),
                                   max_value=(times[-1] + timedelta(hours=1)).replace(tzinfo=None))).replace(tzinfo=UTC)
            if all(v.effective_from != at for v in versions):
                versions.append(a_version(draw(plans()), at, prices=draw(prices_st)))
    return list(zip(times, readings)), versions, tz
