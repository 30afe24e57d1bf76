"""In-memory stand-in for csms.domain.profile.StationMapRepository: a read view over the other fakes
(stations, charge points, connectors, transactions, reservations and their holders, users), as the
SQL one is a read over their tables; tests/contract/ runs both against the same rules. The driver
rank of a connector is csms.domain.profile.connector_rank, which the SQL repository computes in SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from csms.domain.live_status import LiveChargePoint, LiveStatus
from csms.domain.models import ChargePoint, Connector
from csms.domain.profile import (
    ConnectorRow,
    GeoPoint,
    StationCounts,
    StationDetails,
    StationSummary,
    connector_kind,
    connector_rank,
    station_counts,
)
from tests.fakes import (
    FakeChargePointRepository,
    FakeClock,
    FakeConnectorRepository,
    FakeStationRepository,
    FakeTransactionRepository,
)
from tests.fakes_drivers import FakeDriverReservationRepository, FakeUserRepository, contains
from tests.fakes_reservations import FakeReservationRepository


class FakeStationMapRepository:
    def __init__(self, *, stations: FakeStationRepository, charge_points: FakeChargePointRepository,
                 connectors: FakeConnectorRepository, transactions: FakeTransactionRepository,
                 reservations: FakeReservationRepository, holders: FakeDriverReservationRepository,
                 users: FakeUserRepository, clock: FakeClock | None = None):
        # private: ``connectors`` is also one of the map's reads
        self._stations, self._charge_points, self._connectors = stations, charge_points, connectors
        self._transactions, self._reservations, self._holders, self._users = transactions, reservations, holders, users
        self.clock = clock or stations.clock
        self.details_rows: dict[int, StationDetails] = {}

    # -- places --------------------------------------------------------------------------------------
    async def geo_candidates(self, min_lat: float, max_lat: float, min_lng: float, max_lng: float) -> list[GeoPoint]:
        return [GeoPoint(s.id, s.lat, s.lng) for s in self._stations.rows.values()
                if s.lat is not None and s.lng is not None
                and min_lat <= s.lat <= max_lat and min_lng <= s.lng <= max_lng]

    async def summaries(self, station_ids: Iterable[int]) -> dict[int, StationSummary]:
        found = (self._stations.rows.get(sid) for sid in station_ids)
        return {s.id: StationSummary(s.id, s.name, s.address, s.lat, s.lng, s.timezone) for s in found if s}

    async def matching(self, q: str) -> list[GeoPoint]:
        return [GeoPoint(s.id, s.lat, s.lng) for _, s in sorted(self._stations.rows.items())
                if contains(s.name, q) or contains(s.address, q)]

    # -- live connectors -----------------------------------------------------------------------------
    def _rank(self, c: Connector) -> int:
        on_evse = (c.charge_point_id, c.evse_id)
        has_tx = any((tx.charge_point_id, tx.evse_id) == on_evse and tx.status == "Active"
                     for tx in self._transactions.rows.values())
        # a reservation names the driver-facing connector, which is the EVSE id of the row
        reserved = any((r.charge_point_id, r.connector_id) == on_evse and r.status == "Accepted"
                       for r in self._reservations.rows.values())
        return connector_rank(c.status, has_tx, reserved)

    def _driver_connectors(self, keep: Callable[[ChargePoint], bool]) -> list[ConnectorRow]:
        evses: dict[tuple[str, int], list[Connector]] = {}
        for key, c in sorted(self._connectors.rows.items()):
            cp = self._charge_points.rows.get(c.charge_point_id)
            if c.evse_id > 0 and cp is not None and keep(cp):
                evses.setdefault(key[:2], []).append(c)
        rows = []
        for (cp_id, evse_id), members in evses.items():
            cp = self._charge_points.rows[cp_id]
            ranks = [self._rank(c) for c in members]
            top = members[ranks.index(max(ranks))]
            powers = [c.max_power_w for c in members if c.max_power_w is not None]
            dc = any(connector_kind(c.type, c.max_power_w) == "dc" for c in members)
            rows.append(ConnectorRow(cp.station_id, cp_id, evse_id, bool(cp.online), max(ranks), top.status,
                                     tuple(dict.fromkeys(c.type for c in members if c.type)), "dc" if dc else "ac",
                                     max(powers, default=None)))
        return rows

    async def counts(self, now: datetime, *, station_ids: Iterable[int] | None = None,
                     box: tuple[float, float, float, float] | None = None) -> dict[int, StationCounts]:
        ids = None if station_ids is None else set(station_ids)
        in_box = None if box is None else {p.station_id for p in await self.geo_candidates(*box)}
        rows = self._driver_connectors(lambda cp: cp.station_id is not None and (ids is None or cp.station_id in ids)
                                       and (in_box is None or cp.station_id in in_box))
        return station_counts(rows)

    async def connectors(self, now: datetime, *, station_id: int | None = None,
                         charge_point_id: str | None = None) -> list[ConnectorRow]:
        return self._driver_connectors(lambda cp: (station_id is None or cp.station_id == station_id)
                                       and (charge_point_id is None or cp.id == charge_point_id))

    async def charge_point(self, cp_id: str) -> tuple[int | None, str | None] | None:
        cp = self._charge_points.rows.get(cp_id)
        return None if cp is None else (cp.station_id, cp.protocol)

    # -- what operators keep -------------------------------------------------------------------------
    async def details(self, station_id: int) -> StationDetails | None:
        return self.details_rows.get(station_id)

    async def put_details(self, station_id: int, **f: Any) -> StationDetails | None:
        if station_id not in self._stations.rows:
            return None                      # the SQL row's station must exist (a foreign key)
        kept = self.details_rows.get(station_id, StationDetails(station_id))
        changes = {k: (tuple(v) if k == "photos" else v) for k, v in f.items() if k in ("opening_hours", "photos")}
        self.details_rows[station_id] = replace(kept, **changes, updated_at=self.clock.now())
        return self.details_rows[station_id]

    async def patch_connector(self, cp_id: str, connector_id: int, protocol: str | None, **f: Any) -> int:
        keys = [k for k in self._connectors.rows if k[:2] == (cp_id, connector_id)]
        for k in keys:
            self._connectors.rows[k] = replace(self._connectors.rows[k], **f)
        if keys or cp_id not in self._charge_points.rows:
            return len(keys)
        inner = 1 if protocol == "ocpp2.0.1" else connector_id
        self._connectors.rows[(cp_id, connector_id, inner)] = Connector(cp_id, connector_id, inner, **f)
        return 1

    # -- the driver ----------------------------------------------------------------------------------
    async def reserved_for(self, user_id: int, cp_id: str, connector_id: int, now: datetime) -> bool:
        for r in list(self._reservations.rows.values()):
            if (r.charge_point_id, r.connector_id, r.status) == (cp_id, connector_id, "Accepted") \
                    and r.expiry_date > now and await self._holders.holder(r.id) == user_id:
                return True
        return False

    async def station_exists(self, station_id: int) -> bool:
        return station_id in self._stations.rows

    async def balance(self, user_id: int) -> int:
        user = self._users.rows.get(user_id)
        return user.balance_fen if user is not None else 0


class FakeLiveStatusStore:
    """csms.domain.live_status.LiveStatusStore in memory: what a test puts is what it answers;
    ``away`` (Redis down, not warmed) answers None, as the Redis one does."""

    def __init__(self):
        self.charge_points: dict[str, LiveChargePoint] = {}
        self.away = False

    def put(self, cp_id: str, evse_id: int, connector_id: int, status: LiveStatus) -> None:
        self.charge_points.setdefault(cp_id, LiveChargePoint(False)).connectors[(evse_id, connector_id)] = status

    async def read(self, cp_ids) -> dict[str, LiveChargePoint] | None:
        if self.away:
            return None
        return {cp_id: self.charge_points.get(cp_id, LiveChargePoint(False)) for cp_id in cp_ids}
