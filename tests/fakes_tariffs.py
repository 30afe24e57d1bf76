"""In-memory stand-in for csms.domain.tariffs.TariffRepository, with the SQL one's rules: one
version per (station, effective_from) or Conflict, versions oldest first, unknown stations absent.
``loads`` counts round trips, so tests can see batching and caching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from csms.domain.repositories import Conflict
from csms.domain.tariffs import StationTariffs, TariffVersion
from tests.fakes import FakeClock


class FakeTariffRepository:
    def __init__(self, clock: FakeClock | None = None, stations: dict[int, str] | None = None):
        self.clock = clock or FakeClock()
        self.stations: dict[int, str] = dict(stations or {})     # station id -> time zone
        self.rows: list[TariffVersion] = []
        self.loads: list[list[int]] = []
        self._next = 1

    def a_station(self, station_id: int, tz: str = "Asia/Shanghai") -> int:
        self.stations[station_id] = tz
        return station_id

    async def add(self, version: TariffVersion) -> TariffVersion:
        if any(v.station_id == version.station_id and v.effective_from == version.effective_from for v in self.rows):
            raise Conflict("version exists")
        stored = replace(version, id=self._next, created_at=self.clock.now())
        self._next += 1
        self.rows.append(stored)
        return stored

    async def load(self, station_ids: Sequence[int]) -> dict[int, StationTariffs]:
        self.loads.append(list(station_ids))
        return {sid: StationTariffs(self.stations[sid], tuple(sorted(
                    (v for v in self.rows if v.station_id == sid), key=lambda v: v.effective_from)))
                for sid in station_ids if sid in self.stations}
