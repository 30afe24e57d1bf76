"""Driver profile and map records (no I/O): vehicles with Chinese plate rules, favourites, feedback
and its lifecycle, order ratings, station details, the driver view of connectors and station cards,
and the repository interfaces the services use."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from csms.domain.models import Page
from csms.domain.states import StateMachine


class ProfileError(Exception):
    """A refused profile operation: ``status`` and ``code`` become the API error."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def not_found(what: str) -> ProfileError:
    return ProfileError(404, "not_found", f"{what} not found")


def invalid(field_name: str, message: str) -> ProfileError:
    return ProfileError(400, "validation_error", message, field_name)


# -- plates -------------------------------------------------------------------------------------------
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"                 # I and O are never used on plates
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9][0-9]{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$")
_SEPARATORS = re.compile(r"[\s·•.\-]")


def normalise_plate(text: str) -> str:
    """Upper case without separators: ``"粤b·12345"`` -> ``"粤B12345"``."""
    return _SEPARATORS.sub("", text).upper()


def valid_plate(plate: str) -> bool:
    """A mainland plate: 7 characters, or 8 for new-energy vehicles (D/F after the city letter for
    small cars, D/F last for large ones)."""
    return bool(_ORDINARY.match(plate) or _NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate))


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8


# -- connector kinds and the driver status ------------------------------------------------------------
DC_TYPES = ("CCS1", "CCS2", "CHADEMO", "GBT_DC", "CCCS1", "CCCS2", "CG105")     # upper case; 2.0.1 names too
AC_TYPES = ("TYPE1", "TYPE2", "GBT_AC", "CTYPE1", "CTYPE2", "STYPE2", "STYPE3")
DC_POWER_ABOVE_W = 22000


def connector_kind(type_: str | None, max_power_w: int | None) -> str:
    """"dc" or "ac" from the connector type; an unknown type is dc above 22 kW.
    csms.db.repositories_profile.kind_sql is the same rule in SQL."""
    t = (type_ or "").upper()
    if t in DC_TYPES or t.startswith("DC"):
        return "dc"
    if t in AC_TYPES or t.startswith("AC"):
        return "ac"
    return "dc" if (max_power_w or 0) > DC_POWER_ABOVE_W else "ac"


# What a driver sees, ranked: a 2.0.1 EVSE with several connectors shows its highest-ranked one, so
# it is faulted only when all its connectors are, occupied when any is busy or a transaction runs.
# "offline" (charge point not connected) overrides all. Preparing / 2.0.1 Occupied without an
# active transaction is a car plugged in and waiting to be started: free; so is Unknown (connected,
# not reported yet). The same rule as csms.services.availability (sessions), rank by rank.
RANK_FAULTED, RANK_UNAVAILABLE, RANK_FREE, RANK_RESERVED, RANK_OCCUPIED = 1, 2, 3, 4, 5
RANK_STATUS = {RANK_UNAVAILABLE: "unavailable", RANK_FAULTED: "faulted", RANK_FREE: "free",
               RANK_RESERVED: "reserved", RANK_OCCUPIED: "occupied"}
BUSY = ("Charging", "SuspendedEV", "SuspendedEVSE", "Finishing")
STARTABLE = ("Available", "Preparing", "Occupied", "Unknown", "Reserved")
DRIVER_STATUSES = ("free", "occupied", "reserved", "faulted", "offline", "unavailable")


def connector_rank(ocpp_status: str, has_transaction: bool, reserved: bool) -> int:
    """The driver rank of one connector. csms.db.repositories_profile.rank_sql is the same in SQL."""
    if ocpp_status == "Faulted":
        return RANK_FAULTED
    if ocpp_status not in BUSY and ocpp_status not in STARTABLE:
        return RANK_UNAVAILABLE           # Unavailable (or anything unexpected)
    if ocpp_status in BUSY or has_transaction:
        return RANK_OCCUPIED
    if ocpp_status == "Reserved" or reserved:
        return RANK_RESERVED
    return RANK_FREE


def driver_status(online: bool, rank: int) -> str:
    return RANK_STATUS[rank] if online else "offline"


@dataclass(frozen=True)
class ConnectorRow:
    """One driver-facing connector (1.6 connector, 2.0.1 EVSE) as read from the database."""
    station_id: int | None
    charge_point_id: str
    connector_id: int
    online: bool
    rank: int
    ocpp_status: str
    types: tuple[str, ...]
    kind: str
    max_power_w: int | None


@dataclass(frozen=True)
class StationCounts:
    total: int = 0
    free: int = 0
    occupied: int = 0
    faulted: int = 0
    offline: int = 0
    free_dc: int = 0
    free_ac: int = 0
    dc: int = 0
    ac: int = 0
    max_power_w: int | None = None

    @property
    def kinds(self) -> list[str]:
        return [k for k, n in (("dc", self.dc), ("ac", self.ac)) if n]


def station_counts(rows: list[ConnectorRow]) -> dict[int, StationCounts]:
    """Live counts per station of its driver-facing connectors (the SQL aggregate of
    csms.db.repositories_station_map, in Python)."""
    tally: dict[int, dict] = {}
    for r in rows:
        if r.station_id is None:
            continue
        t = tally.setdefault(r.station_id, dict.fromkeys(
            ("total", "free", "occupied", "faulted", "offline", "free_dc", "free_ac", "dc", "ac"), 0))
        free = r.online and r.rank == RANK_FREE
        for name, hit in (("total", True), ("free", free), ("occupied", r.online and r.rank >= RANK_RESERVED),
                          ("faulted", r.online and r.rank == RANK_FAULTED),
                          ("offline", not r.online or r.rank == RANK_UNAVAILABLE),
                          ("free_dc", free and r.kind == "dc"), ("free_ac", free and r.kind == "ac"),
                          ("dc", r.kind == "dc"), ("ac", r.kind == "ac")):
            t[name] += int(bool(hit))
        if r.max_power_w is not None:
            t["max_power_w"] = max(t.get("max_power_w") or 0, r.max_power_w)
    return {sid: StationCounts(**t) for sid, t in tally.items()}


@dataclass(frozen=True)
class GeoPoint:
    station_id: int
    lat: float
    lng: float


@dataclass(frozen=True)
class StationSummary:
    id: int
    name: str
    address: str
    lat: float | None
    lng: float | None
    timezone: str


@dataclass(frozen=True)
class RatingSummary:
    average: float | None = None
    count: int = 0


@dataclass(frozen=True)
class StationDetails:
    station_id: int
    opening_hours: str = ""
    photos: tuple[str, ...] = ()
    updated_at: datetime | None = None


# -- vehicles, favourites ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Vehicle:
    id: int
    user_id: int
    plate: str
    model: str = ""
    connector_type: str | None = None
    is_default: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


MAX_VEHICLES = 20
MAX_FAVOURITES = 200


# -- feedback ------------------------------------------------------------------------------------------
FEEDBACK_CATEGORIES = ("fault", "payment", "station", "app", "other")
FEEDBACK_STATES = ("open", "processing", "resolved", "closed")
FEEDBACK = StateMachine("feedback", {
    "open": {"processing", "closed"},
    "processing": {"resolved"},
    "resolved": {"closed"},
    "closed": set(),
})
MAX_PHOTOS = 9


@dataclass(frozen=True)
class Feedback:
    id: int
    user_id: int
    category: str
    content: str
    photos: tuple[str, ...] = ()
    order_id: int | None = None
    station_id: int | None = None
    status: str = "open"
    reply: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# -- ratings -------------------------------------------------------------------------------------------
RATEABLE_ORDER_STATES = ("paid", "unpaid", "refunded")


@dataclass(frozen=True)
class OrderRef:
    """What rating needs of an order."""
    id: int
    user_id: int
    state: str
    station_id: int | None


@dataclass(frozen=True)
class Rating:
    order_id: int
    user_id: int
    station_id: int | None
    station_stars: int
    experience_stars: int
    comment: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Review:
    order_id: int
    station_stars: int
    experience_stars: int
    comment: str
    nickname: str
    created_at: datetime | None
    avatar_url: str = ""


# -- repository interfaces -----------------------------------------------------------------------------
class VehicleRepository(Protocol):
    async def list(self, user_id: int) -> list[Vehicle]: ...
    async def get(self, user_id: int, vehicle_id: int) -> Vehicle | None: ...
    async def create(self, user_id: int, *, plate: str, model: str, connector_type: str | None,
                     is_default: bool) -> Vehicle: ...            # raises Conflict on a duplicate plate
    async def update(self, user_id: int, vehicle_id: int, **f) -> Vehicle | None: ...
    async def delete(self, user_id: int, vehicle_id: int) -> bool: ...


class FavouriteRepository(Protocol):
    async def add(self, user_id: int, station_id: int) -> None: ...     # idempotent
    async def remove(self, user_id: int, station_id: int) -> bool: ...
    async def station_ids(self, user_id: int) -> list[int]: ...         # newest first
    async def is_favourite(self, user_id: int, station_id: int) -> bool: ...


class FeedbackRepository(Protocol):
    async def create(self, **f) -> Feedback: ...
    async def get(self, feedback_id: int, user_id: int | None = None) -> Feedback | None: ...
    async def list(self, *, user_id: int | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def transition(self, feedback_id: int, expected: str, **f) -> Feedback | None: ...   # compare-and-set


class RatingRepository(Protocol):
    async def order(self, order_id: int) -> OrderRef | None: ...
    async def create(self, rating: Rating) -> bool: ...                  # False: this order is rated already
    async def reviews(self, station_id: int, limit: int, offset: int) -> Page: ...
    async def summaries(self, station_ids: list[int]) -> dict[int, RatingSummary]: ...
    async def rated(self, order_ids: list[int]) -> set[int]: ...


class StationMapRepository(Protocol):
    """Stations as the driver map shows them. A driver-facing connector is a 1.6 connector or a
    2.0.1 EVSE (its connectors aggregated: the highest rank, every type, the highest power); its rank
    is ``connector_rank`` with an active transaction on the EVSE and an Accepted reservation of it."""
    async def geo_candidates(self, min_lat: float, max_lat: float, min_lng: float, max_lng: float) -> list[GeoPoint]:
        """Stations inside the box (those without a position never are)."""
    async def summaries(self, station_ids: Iterable[int]) -> dict[int, StationSummary]: ...
    async def matching(self, q: str) -> list[GeoPoint]:
        """Stations whose name or address contains ``q`` (ASCII case ignored), by id."""
    async def counts(self, now: datetime, *, station_ids: Iterable[int] | None = None,
                     box: tuple[float, float, float, float] | None = None) -> dict[int, StationCounts]:
        """Live counts of the stations among ``station_ids`` and/or inside ``box``; stations without
        a driver-facing connector are absent."""
    async def connectors(self, now: datetime, *, station_id: int | None = None,
                         charge_point_id: str | None = None) -> list[ConnectorRow]:
        """By charge point id, then connector id."""
    async def charge_point(self, cp_id: str) -> tuple[int | None, str | None] | None:
        """(station id, protocol) of a charge point, or None when unknown."""
    async def details(self, station_id: int) -> StationDetails | None: ...
    async def put_details(self, station_id: int, **fields: Any) -> StationDetails | None:
        """Set ``opening_hours`` and/or ``photos`` (others kept); None when the station is unknown."""
    async def patch_connector(self, cp_id: str, connector_id: int, protocol: str | None, **fields: Any) -> int:
        """Set ``type`` / ``max_power_w`` of a driver-facing connector (every connector of a 2.0.1
        EVSE); one never reported is created with status Unknown. The rows changed."""
    async def reserved_for(self, user_id: int, cp_id: str, connector_id: int, now: datetime) -> bool:
        """Whether an Accepted, unexpired reservation of this connector is held by this driver."""
    async def station_exists(self, station_id: int) -> bool: ...
    async def balance(self, user_id: int) -> int:
        """The driver's wallet balance (0 for an unknown driver)."""


@dataclass(frozen=True)
class StationCard:
    """A station for the map with what is live there; ``price_now`` is the tariff's Price or None."""
    station: StationSummary
    counts: StationCounts = field(default_factory=StationCounts)
    distance_m: int | None = None
    price_now: object | None = None
    rating: RatingSummary = field(default_factory=RatingSummary)
