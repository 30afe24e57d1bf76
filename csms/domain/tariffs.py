"""Time-of-use tariffs (尖峰平谷), version-neutral: a station's effective-dated tariff versions, the
price at a moment, a bill, the validation of a tariff as an operator writes it, and the repository
interface (no I/O here).

A version covers the station's local day (its ``timezone``) with segments, each of one period
(sharp, peak, flat, valley); each period used has an energy price and a service fee in fen per kWh.
A version applies from its ``effective_from`` until the next version's; versions never change."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

PERIODS = ("sharp", "peak", "flat", "valley")
DAY_MINUTES = 24 * 60
MAX_SEGMENTS = 48
MAX_PRICE_FEN = 100_000           # 1000 yuan per kWh / per minute: beyond that it is a typo
MAX_GRACE_MINUTES = 24 * 60
DEFAULT_GRACE_MINUTES = 15
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)      # what every database stores
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class InvalidTariff(ValueError):
    """A tariff as written is refused; ``field`` names the offending part (``segments[2].end``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NoTariff(LookupError):
    """No tariff applies (the station has none, or none yet at that time): nothing can be priced."""


class UnknownStation(NoTariff):
    """No such station (so no tariff either)."""


# -- values ------------------------------------------------------------------------------------------
def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Segment:
    start_min: int                    # minutes after local midnight, 0..1439
    end_min: int                      # exclusive, 1..1440 (1440 = "24:00")
    period: str

    @property
    def start(self) -> str:
        return hhmm(self.start_min)

    @property
    def end(self) -> str:
        return hhmm(self.end_min)


@dataclass(frozen=True)
class PeriodPrice:
    energy_fen_per_kwh: int
    service_fen_per_kwh: int

    @property
    def total_fen_per_kwh(self) -> int:
        return self.energy_fen_per_kwh + self.service_fen_per_kwh


@dataclass(frozen=True, eq=True)
class TariffVersion:
    station_id: int
    effective_from: datetime          # UTC
    segments: tuple[Segment, ...]     # sorted, covering 00:00-24:00 local exactly
    prices: Mapping[str, PeriodPrice]  # every period a segment uses
    idle_fee_fen_per_min: int = 0
    idle_grace_minutes: int = DEFAULT_GRACE_MINUTES
    id: int | None = None
    created_at: datetime | None = None

    def segment_at(self, minute_of_day: int) -> Segment:
        for seg in self.segments:
            if seg.start_min <= minute_of_day < seg.end_min:
                return seg
        raise ValueError(f"minute {minute_of_day} outside the day")   # unreachable for a valid version


@dataclass(frozen=True)
class Price:
    """The price at a moment; ``until``: UTC time the period or its price next changes."""
    period: str
    energy_fen_per_kwh: int
    service_fen_per_kwh: int
    total_fen_per_kwh: int
    until: datetime


@dataclass(frozen=True)
class ScheduleEntry:
    """One part of a local day's schedule, in the station's local time ("24:00" ends the day)."""
    start: str
    end: str
    period: str
    energy_fen_per_kwh: int
    service_fen_per_kwh: int
    total_fen_per_kwh: int


@dataclass(frozen=True)
class BillLine:
    """A contiguous run of one period at one price: energy in Wh, prices in fen per kWh."""
    period: str
    start: datetime
    end: datetime
    energy_wh: int
    energy_price: int
    service_price: int
    energy_fen: int
    service_fen: int

    @property
    def amount_fen(self) -> int:
        return self.energy_fen + self.service_fen


@dataclass(frozen=True)
class Bill:
    lines: tuple[BillLine, ...] = ()
    energy_wh: int = 0
    energy_fen: int = 0
    service_fen: int = 0
    total_fen: int = 0


@dataclass(frozen=True)
class StationTariffs:
    """What pricing a station needs: its time zone and its versions, oldest first."""
    timezone: str
    versions: tuple[TariffVersion, ...] = field(default_factory=tuple)


def segments_doc(segments: Sequence[Segment]) -> list[dict]:
    """Segments as written: [{"start": "HH:MM", "end": "HH:MM", "period"}]."""
    return [{"start": s.start, "end": s.end, "period": s.period} for s in segments]


def prices_doc(prices: Mapping[str, PeriodPrice]) -> dict:
    """Prices as written: {period: {"energy_fen_per_kwh", "service_fen_per_kwh"}}."""
    return {k: {"energy_fen_per_kwh": p.energy_fen_per_kwh, "service_fen_per_kwh": p.service_fen_per_kwh}
            for k, p in prices.items()}


# -- validation --------------------------------------------------------------------------------------
def _int(value: Any, name: str, high: int) -> int:
    if type(value) is not int or not 0 <= value <= high:
        raise InvalidTariff(name, f"must be an integer from 0 to {high}")
    return value


def _minutes(value: Any, name: str) -> int:
    m = _HHMM.match(value) if isinstance(value, str) else None
    if m is None:
        raise InvalidTariff(name, 'must be "HH:MM" (00:00 to 24:00)')
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    if minutes > DAY_MINUTES:
        raise InvalidTariff(name, "must not be after 24:00")
    return minutes


def _time(value: Any, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidTariff(name, "not an ISO 8601 time") from None
    if not isinstance(value, datetime):
        raise InvalidTariff(name, "not a time")
    if value.tzinfo is None:
        raise InvalidTariff(name, "needs a UTC offset (e.g. 2025-01-01T00:00:00+08:00)")
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise InvalidTariff(name, "out of range") from None
    if not EARLIEST <= value < LATEST:
        raise InvalidTariff(name, f"must be from {EARLIEST.year} to {LATEST.year - 1}")
    return value


def parse_segments(raw: Any) -> tuple[Segment, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise InvalidTariff("segments", "must be a non-empty list")
    if len(raw) > MAX_SEGMENTS:
        raise InvalidTariff("segments", f"at most {MAX_SEGMENTS} segments")
    out: list[Segment] = []
    expected = 0
    for i, item in enumerate(raw):
        name = f"segments[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidTariff(name, "must be an object {start, end, period}")
        start = _minutes(item.get("start"), f"{name}.start")
        end = _minutes(item.get("end"), f"{name}.end")
        period = item.get("period")
        if period not in PERIODS:
            raise InvalidTariff(f"{name}.period", f"must be one of {', '.join(PERIODS)}")
        if start != expected:
            what = "the first segment must start at 00:00" if i == 0 else f"must start where the previous one ends ({hhmm(expected)})"
            raise InvalidTariff(f"{name}.start", what)
        if end <= start:
            raise InvalidTariff(f"{name}.end", "must be after start")
        out.append(Segment(start, end, period))
        expected = end
    if expected != DAY_MINUTES:
        raise InvalidTariff(f"segments[{len(raw) - 1}].end", "the last segment must end at 24:00")
    return tuple(out)


def parse_prices(raw: Any, used: set[str]) -> dict[str, PeriodPrice]:
    if not isinstance(raw, Mapping):
        raise InvalidTariff("prices", "must be an object {period: {energy_fen_per_kwh, service_fen_per_kwh}}")
    out: dict[str, PeriodPrice] = {}
    for period, value in raw.items():
        name = f"prices.{period}"
        if period not in PERIODS:
            raise InvalidTariff(name, f"unknown period; one of {', '.join(PERIODS)}")
        if not isinstance(value, Mapping):
            raise InvalidTariff(name, "must be an object {energy_fen_per_kwh, service_fen_per_kwh}")
        extra = set(value) - {"energy_fen_per_kwh", "service_fen_per_kwh"}
        if extra:
            raise InvalidTariff(f"{name}.{min(extra)}", "unknown field")
        out[period] = PeriodPrice(
            _int(value.get("energy_fen_per_kwh"), f"{name}.energy_fen_per_kwh", MAX_PRICE_FEN),
            _int(value.get("service_fen_per_kwh"), f"{name}.service_fen_per_kwh", MAX_PRICE_FEN))
    for period in PERIODS:
        if period in used and period not in out:
            raise InvalidTariff(f"prices.{period}", "a segment uses this period: give its prices")
    return {p: out[p] for p in PERIODS if p in out}


def version_from_spec(station_id: int, spec: Mapping[str, Any], now: datetime) -> TariffVersion:
    """Validate a tariff as written (REST body shape) into a version not yet stored."""
    if not isinstance(spec, Mapping):
        raise InvalidTariff("body", "must be an object")
    known = {"effective_from", "segments", "prices", "idle_fee_fen_per_min", "idle_grace_minutes"}
    extra = set(spec) - known
    if extra:
        raise InvalidTariff(min(extra), "unknown field")
    segments = parse_segments(spec.get("segments"))
    prices = parse_prices(spec.get("prices"), {s.period for s in segments})
    effective_from = spec.get("effective_from")
    return TariffVersion(
        station_id=station_id,
        effective_from=now if effective_from is None else _time(effective_from, "effective_from"),
        segments=segments, prices=prices,
        idle_fee_fen_per_min=_int(spec.get("idle_fee_fen_per_min", 0), "idle_fee_fen_per_min", MAX_PRICE_FEN),
        idle_grace_minutes=_int(spec.get("idle_grace_minutes", DEFAULT_GRACE_MINUTES), "idle_grace_minutes",
                                MAX_GRACE_MINUTES))


def version_at(versions: Sequence[TariffVersion], at: datetime) -> TariffVersion | None:
    """The version in force at ``at`` (versions oldest first), None before the first."""
    found = None
    for v in versions:
        if v.effective_from <= at:
            found = v
        else:
            break
    return found


# -- repository --------------------------------------------------------------------------------------
class TariffRepository(Protocol):
    async def add(self, version: TariffVersion) -> TariffVersion:
        """Store a new version (id and created_at set); raises Conflict if the station already has one
        starting at the same ``effective_from``."""

    async def load(self, station_ids: Sequence[int]) -> dict[int, StationTariffs]:
        """Time zone and versions (oldest first) of each existing station among ``station_ids``, in
        one round trip; unknown stations are absent."""
