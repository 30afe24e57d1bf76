"""Station cards and details for the mini-program map, and what a scanned QR code shows: live
connector counts, the price now, ratings, the tariff of the day, and each connector's driver status.

Prices and the day's schedule come from the tariffs (csms/services/tariffs.py); what a scanned
connector is to the driver from the start's own rule (csms/services/availability.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms.domain.models import Page
from csms.domain.profile import (
    ConnectorRow,
    ProfileError,
    RatingSummary,
    StationCard,
    StationCounts,
    StationDetails,
    StationSummary,
    driver_status,
    not_found,
)
from csms.services import qr
from csms.services.availability import Availability
from csms.services.clock import Clock
from csms.services.stations_geo import by_distance, haversine_m
from csms.services.tariffs import TariffService


@dataclass(frozen=True)
class ConnectorView:
    charge_point_id: str
    connector_id: int
    kind: str
    type: str | None
    max_power_w: int | None
    status: str
    ocpp_status: str
    qr: str


@dataclass(frozen=True)
class StationDetail:
    card: StationCard
    details: StationDetails
    favourite: bool
    idle_fee_fen_per_min: int | None
    idle_grace_minutes: int | None
    tariff_today: list = field(default_factory=list)
    connectors: list[ConnectorView] = field(default_factory=list)


@dataclass(frozen=True)
class ScanResult:
    charge_point_id: str
    connector_id: int
    station: StationSummary | None
    connector: ConnectorView | None
    price_now: Any
    balance_fen: int
    min_wallet_fen: int
    can_start: bool
    reason: str | None


def local_today(tz_name: str, at: datetime):
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("Asia/Shanghai")
    return at.astimezone(tz).date()


class StationCards:
    def __init__(self, map_repo, ratings, favourites, tariffs: TariffService, availability: Availability,
                 clock: Clock, *, qr_base_url: str, min_wallet_fen: int):
        self.repo, self.ratings, self.favourites = map_repo, ratings, favourites
        self.tariffs, self.availability, self.clock = tariffs, availability, clock
        self.qr_base_url, self.min_wallet_fen = qr_base_url, min_wallet_fen

    async def prices(self, station_ids: list[int], at: datetime) -> dict[int, Any]:
        """The price now per station; stations without a tariff are absent."""
        if not station_ids:
            return {}
        return await self.tariffs.prices_at(list(station_ids), at)

    async def cards(self, station_ids: list[int], distances: dict[int, int] | None = None, *,
                    now: datetime | None = None, counts: dict[int, StationCounts] | None = None,
                    prices: dict[int, Any] | None = None) -> list[StationCard]:
        """Cards in the order of ``station_ids`` (ids of stations that no longer exist are skipped)."""
        if not station_ids:
            return []
        now = now or self.clock.now()
        summaries = await self.repo.summaries(station_ids)
        ids = [sid for sid in station_ids if sid in summaries]
        if counts is None:
            counts = await self.repo.counts(now, station_ids=ids)
        if prices is None:
            prices = await self.prices(ids, now)
        ratings = await self.ratings.summaries(ids)
        distances = distances or {}
        return [StationCard(summaries[sid], counts.get(sid, StationCounts()), distances.get(sid),
                            prices.get(sid), ratings.get(sid, RatingSummary())) for sid in ids]

    async def search(self, q: str, lat: float | None, lng: float | None, limit: int, offset: int) -> Page:
        """Stations whose name or address contains ``q``: by distance with a position, else by id."""
        matches = await self.repo.matching(q)
        if lat is not None and lng is not None:
            ranked = by_distance(matches, lat, lng)
            located = {sid for sid, _ in ranked}
            ranked += [(p.station_id, None) for p in matches if p.station_id not in located]
        else:
            ranked = [(p.station_id, None) for p in matches]
        page = ranked[offset: offset + limit]
        return Page(await self.cards([sid for sid, _ in page], dict(page)), len(ranked), limit, offset)

    async def favourite_cards(self, user_id: int, lat: float | None = None, lng: float | None = None) -> list:
        ids = await self.favourites.station_ids(user_id)
        distances = None
        if lat is not None and lng is not None:
            points = await self.repo.summaries(ids)
            distances = {s.id: d for s in points.values() if s.lat is not None and s.lng is not None
                         for d in [round(haversine_m(lat, lng, s.lat, s.lng))]}
        return await self.cards(ids, distances)

    def connector_view(self, row: ConnectorRow) -> ConnectorView:
        return ConnectorView(row.charge_point_id, row.connector_id, row.kind, "/".join(row.types) or None,
                             row.max_power_w, driver_status(row.online, row.rank), row.ocpp_status,
                             qr.build_content(self.qr_base_url, row.charge_point_id, row.connector_id))

    async def detail(self, station_id: int, user_id: int | None = None) -> StationDetail:
        now = self.clock.now()
        cards = await self.cards([station_id], now=now)
        if not cards:
            raise not_found("station")
        card = cards[0]
        details = await self.repo.details(station_id) or StationDetails(station_id)
        favourite = user_id is not None and await self.favourites.is_favourite(user_id, station_id)
        idle_fee = idle_grace = None
        schedule: list = []
        version = await self.tariffs.version_at(station_id, now)
        if version is not None:
            idle_fee, idle_grace = version.idle_fee_fen_per_min, version.idle_grace_minutes
        schedule = list(await self.tariffs.day_schedule(station_id, local_today(card.station.timezone, now)))
        rows = await self.repo.connectors(now, station_id=station_id)
        return StationDetail(card, details, favourite, idle_fee, idle_grace, schedule,
                             [self.connector_view(r) for r in rows])

    async def scan(self, user_id: int, content: str) -> ScanResult:
        """What the scanned connector shows before a start (raises qr.InvalidQr for a foreign code)."""
        cp_id, connector_id = qr.parse_content(self.qr_base_url, content)
        cp = await self.repo.charge_point(cp_id)
        if cp is None:
            raise ProfileError(404, "not_found", f"charge point {cp_id!r} not found")
        station_id = cp[0]
        now = self.clock.now()
        rows = [r for r in await self.repo.connectors(now, charge_point_id=cp_id) if r.connector_id == connector_id]
        connector = self.connector_view(rows[0]) if rows else None
        if connector is not None and connector.status == "reserved" and await self.repo.reserved_for(
                user_id, cp_id, connector_id, now):
            connector = replace(connector, status="free")       # held for this driver: theirs to start
        station = None
        price = None
        if station_id is not None:
            station = (await self.repo.summaries([station_id])).get(station_id)
            price = (await self.prices([station_id], now)).get(station_id)
        if connector is not None:
            # the start's own rule (open orders and transactions included) decides, not only the map's counts
            state, _ = await self.availability(cp_id, connector_id, user_id)
            if state != "unknown_connector":
                connector = replace(connector, status=state)
        if connector is None:
            reason = "unknown_connector"
        elif connector.status != "free":
            reason = connector.status
        else:
            reason = None if price is not None else "no_tariff"
        return ScanResult(cp_id, connector_id, station, connector, price, await self.repo.balance(user_id),
                          self.min_wallet_fen, reason is None, reason)

    async def qr_codes(self, station_id: int) -> list[tuple[str, int, str]]:
        """(charge point id, connector id, QR content) of every connector of a station."""
        rows = await self.repo.connectors(self.clock.now(), station_id=station_id)
        return [(r.charge_point_id, r.connector_id, qr.build_content(self.qr_base_url, r.charge_point_id,
                                                                     r.connector_id)) for r in rows]

