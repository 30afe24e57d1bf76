"""Daily statistics: what a roll-up counts per charge point and per station for one local day, what
it is computed from (``Activity``), and the stores behind it. The arithmetic is in
csms/services/stats_arithmetic.py (pure), the job and the queries in csms/services/stats.py."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Protocol

from csms.domain.tariffs import BillLine

FIGURES = ("energy_wh", "revenue_fen", "service_fen", "sessions", "charging_minutes", "occupied_minutes",
           "available_minutes", "faulted_minutes", "offline_minutes", "connector_minutes", "faults")
METRICS = FIGURES + ("utilisation", "fault_rate", "active_users")


@dataclass(frozen=True)
class Figures:
    """One charge point's (or a sum's) day. Minutes are connector-minutes except ``offline_minutes``
    (charge-point minutes); ``connector_minutes`` is connectors x the day's minutes (the base of the
    rates)."""
    energy_wh: int = 0
    revenue_fen: int = 0              # billed: energy + service + idle fee + adjustment
    service_fen: int = 0
    sessions: int = 0                 # transactions started that day
    charging_minutes: int = 0         # time in transactions, per transaction
    occupied_minutes: int = 0         # connector busy (Preparing .. Finishing, Occupied, Reserved)
    available_minutes: int = 0        # connector Available with its charge point online
    faulted_minutes: int = 0
    offline_minutes: int = 0          # charge point not connected
    connector_minutes: int = 0
    faults: int = 0                   # connectors going Faulted

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def utilisation(self) -> float | None:
        """Busy share of the time a connector could be used: occupied / (occupied + available)."""
        base = self.occupied_minutes + self.available_minutes
        return round(self.occupied_minutes / base, 4) if base else None

    @property
    def fault_rate(self) -> float | None:
        """Faulted share of the connector time."""
        return round(self.faulted_minutes / self.connector_minutes, 4) if self.connector_minutes else None


@dataclass(frozen=True)
class ChargePointDay:
    day: date
    charge_point_id: str
    station_id: int                   # 0: no station
    figures: Figures


@dataclass(frozen=True)
class StationDay:
    day: date
    station_id: int
    figures: Figures
    charge_points: int = 0
    active_users: int = 0             # drivers with an order started that day at the station


@dataclass(frozen=True)
class NetworkDay:
    """The whole network's day: drivers (in stats.timezone), and the sum of every station's day of
    that date (kept with it so the dashboard's network series reads one row a day)."""
    day: date
    new_users: int = 0
    active_users: int = 0             # drivers with an order started that day, anywhere
    total_users: int = 0
    figures: Figures = field(default_factory=Figures)
    charge_points: int = 0


# -- what a day is computed from -------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """A charge point as the roll-up sees it: its connectors (connector 0 excluded) with their current
    status and since when, and whether it is connected now."""
    charge_point_id: str
    station_id: int
    connectors: tuple[tuple[int, int, str, datetime | None], ...] = ()    # (evse, connector, status, status_at)
    online: bool = False


@dataclass(frozen=True)
class StatusChange:
    charge_point_id: str
    evse_id: int
    connector_id: int
    status: str
    at: datetime


@dataclass(frozen=True)
class PresenceChange:
    charge_point_id: str
    online: bool
    at: datetime


@dataclass(frozen=True)
class Billed:
    """A settled order's money, by bill line (cut at local midnight by the roll-up) and at its stop."""
    order_id: int
    charge_point_id: str
    stopped_at: datetime
    lines: tuple[BillLine, ...] = ()
    idle_fee_fen: int = 0
    adjustment_fen: int = 0


@dataclass(frozen=True)
class Session:
    """A transaction that overlaps the window; ``lines`` its order's bill lines when it has them."""
    transaction_id: int
    charge_point_id: str
    started_at: datetime
    stopped_at: datetime | None
    energy_wh: int
    last_at: datetime | None = None   # of a running one: its last update
    lines: tuple[BillLine, ...] = ()


@dataclass(frozen=True)
class Activity:
    """Everything of ``start``..``end`` (UTC) the roll-up needs: status and presence changes within it
    plus the last one of each connector / charge point before it, transactions overlapping it, settled
    orders billed within it, and who started an order in it."""
    start: datetime
    end: datetime
    units: tuple[Unit, ...] = ()
    status: tuple[StatusChange, ...] = ()
    presence: tuple[PresenceChange, ...] = ()
    sessions: tuple[Session, ...] = ()
    billed: tuple[Billed, ...] = ()
    drivers: tuple[tuple[str, int], ...] = ()      # (charge point, user id) of orders started in the window


@dataclass(frozen=True)
class Point:
    """One row of a series: a day (YYYY-MM-DD) or a month (YYYY-MM), a station or a charge point."""
    period: str
    figures: Figures = field(default_factory=Figures)
    charge_points: int = 0
    active_users: int = 0
    station_id: int | None = None
    charge_point_id: str | None = None


class StatsSource(Protocol):
    async def stations(self) -> dict[int, str]:
        """Station id -> its time zone."""
    async def activity(self, start: datetime, end: datetime) -> Activity:
        """What happened between ``start`` and ``end`` at every charge point (see Activity)."""
    async def users(self, start: datetime, end: datetime) -> NetworkDay:
        """New drivers (created in the window), active ones (an order started in it) and all created
        before its end; ``day`` is left for the caller."""


class StatsRepository(Protocol):
    async def replace_day(self, day: date, station_ids: list[int], charge_points: list[ChargePointDay],
                          stations: list[StationDay]) -> None:
        """The roll-up of ``day`` for these stations, replacing what was stored (idempotent); the
        stations' sums of that month follow."""
    async def replace_network_day(self, row: NetworkDay) -> None: ...
    async def series(self, start: date, end: date, *, by: str = "day", station_id: int | None = None,
                     charge_point_id: str | None = None) -> list[Point]:
        """Sums per day or month (``by``) from ``start`` to ``end`` inclusive, oldest first: of the
        network (its days' figures, ``active_users`` the network's distinct drivers of each day), of
        one station, or of one charge point."""
    async def per_station(self, start: date, end: date) -> list[Point]:
        """Each station's sums over the range (``period`` empty)."""
    async def network(self, start: date, end: date, *, by: str = "day") -> list[NetworkDay]:
        """The network per day or month (a month: sums, ``total_users`` and ``charge_points`` at most;
        ``day`` is the first of the month)."""
