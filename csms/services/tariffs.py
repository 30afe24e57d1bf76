"""Tariffs of stations: write a new version, read versions, the price now (one station or thousands),
a local day's schedule, and bills, on the pure csms.services.billing.

Versions and time zones are cached per station (``cache_ttl`` seconds, dropped at once on this node's
``set_tariff``; another node sees a change within the TTL), and each station's current price is kept
until it changes, so pricing the map's thousands of stations costs no query and little CPU."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms.domain.repositories import Conflict
from csms.domain.tariffs import (
    Bill,
    InvalidTariff,
    NoTariff,
    Price,
    ScheduleEntry,
    StationTariffs,
    TariffRepository,
    TariffVersion,
    UnknownStation,
    version_at,
    version_from_spec,
)
from csms.services import billing
from csms.services.clock import Clock

log = logging.getLogger(__name__)
DEFAULT_TIMEZONE = "Asia/Shanghai"
_YIELD_EVERY = 500       # prices computed between two yields to the event loop (~0.1 ms each when cold)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r on a station; using %s", name, DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass
class _Entry:
    tariffs: StationTariffs | None      # None: no such station
    tz: ZoneInfo
    loaded_at: datetime
    price: tuple[datetime, Price] | None = None    # (computed at, price): valid until price.until


class TariffService:
    def __init__(self, repo: TariffRepository, clock: Clock, cache_ttl: float = 60.0):
        self.repo = repo
        self.clock = clock
        self.ttl = timedelta(seconds=cache_ttl)
        self._cache: dict[int, _Entry] = {}

    # -- cache ---------------------------------------------------------------------------------------
    async def _entries(self, station_ids: Sequence[int]) -> dict[int, _Entry]:
        now = self.clock.now()
        out: dict[int, _Entry] = {}
        missing: list[int] = []
        for sid in station_ids:
            e = self._cache.get(sid)
            if e is not None and now - e.loaded_at < self.ttl:
                out[sid] = e
            else:
                missing.append(sid)
        if missing:
            loaded = await self.repo.load(missing)
            for sid in missing:
                st = loaded.get(sid)
                e = _Entry(st, zone(st.timezone) if st else ZoneInfo(DEFAULT_TIMEZONE), now)
                self._cache[sid] = out[sid] = e
        return out

    async def _entry(self, station_id: int) -> _Entry:
        return (await self._entries([station_id]))[station_id]

    async def _known(self, station_id: int) -> _Entry:
        e = await self._entry(station_id)
        if e.tariffs is None:
            raise UnknownStation(f"station {station_id} not found")
        return e

    def forget(self, station_id: int) -> None:
        """Drop what is cached for a station (its tariff or time zone changed)."""
        self._cache.pop(station_id, None)

    # -- writing -------------------------------------------------------------------------------------
    async def set_tariff(self, station_id: int, spec: Mapping[str, Any]) -> TariffVersion:
        """Validate and store a new version (``effective_from`` defaults to now). Raises
        InvalidTariff(field, message), UnknownStation."""
        version = version_from_spec(station_id, spec, self.clock.now())
        self.forget(station_id)
        await self._known(station_id)
        try:
            stored = await self.repo.add(version)
        except Conflict:
            raise InvalidTariff("effective_from", "the station already has a version starting at this time") from None
        finally:
            self.forget(station_id)
        return stored

    # -- reading -------------------------------------------------------------------------------------
    async def versions(self, station_id: int) -> list[TariffVersion]:
        """Newest first. Raises UnknownStation."""
        return list(reversed((await self._known(station_id)).tariffs.versions))

    async def version_at(self, station_id: int, at: datetime) -> TariffVersion | None:
        e = await self._entry(station_id)
        return version_at(e.tariffs.versions, at) if e.tariffs else None

    async def timezone(self, station_id: int) -> ZoneInfo:
        return (await self._known(station_id)).tz

    def _price(self, e: _Entry, at: datetime) -> Price | None:
        if e.tariffs is None or not e.tariffs.versions:
            return None
        if e.price is not None and e.price[0] <= at < e.price[1].until:
            return e.price[1]
        price = billing.price_at(e.tariffs.versions, e.tz, at)
        if price is not None:
            e.price = (at, price)
        return price

    async def price_at(self, station_id: int, at: datetime) -> Price | None:
        """None: unknown station, no tariff, or none in force yet at ``at``."""
        return self._price(await self._entry(station_id), at)

    async def prices_at(self, station_ids: Sequence[int], at: datetime) -> dict[int, Price]:
        """Prices of many stations (one query for all those not cached); stations without a price are
        left out."""
        entries = await self._entries(list(dict.fromkeys(station_ids)))
        out: dict[int, Price] = {}
        for n, (sid, e) in enumerate(entries.items(), 1):
            if n % _YIELD_EVERY == 0:
                await asyncio.sleep(0)      # a cold batch of thousands: let other requests in between
            price = self._price(e, at)
            if price is not None:
                out[sid] = price
        return out

    async def day_schedule(self, station_id: int, day: date) -> list[ScheduleEntry]:
        """The station's local day; [] if no tariff is in force that day. Raises UnknownStation."""
        e = await self._known(station_id)
        return billing.day_schedule(e.tariffs.versions, e.tz, day)

    # -- billing -------------------------------------------------------------------------------------
    async def bill(self, station_id: int, samples: Sequence[tuple[datetime, int]]) -> Bill:
        """Bill meter samples (UTC time, cumulative Wh) of a session at this station; they are put in
        time order first. Raises NoTariff (UnknownStation is one) when nothing can price them."""
        e = await self._known(station_id)
        ordered = sorted(samples, key=lambda s: s[0])
        return billing.bill(ordered, e.tariffs.versions, e.tz)

    async def idle_fee(self, station_id: int, stopped_at: datetime, unplugged_at: datetime) -> int:
        """Fen for staying plugged in after charging stopped, under the version in force at the stop
        (0 without one)."""
        v = await self.version_at(station_id, stopped_at)
        return billing.idle_fee(stopped_at, unplugged_at, v) if v else 0


__all__ = ["InvalidTariff", "NoTariff", "TariffService", "UnknownStation"]
