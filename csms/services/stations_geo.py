"""Nearby search: a bounding box on the (lat, lng) index, then the exact great-circle distance,
sorted by distance; then the filters that need live counts (kind, free) and prices (max price).

GCJ-02 offsets WGS-84 by a few hundred metres but smoothly, so distances between two GCJ-02 points
are as good as WGS-84 ones at map scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

from csms.domain.models import Page
from csms.domain.profile import GeoPoint, StationCounts

EARTH_RADIUS_M = 6371008.8
MAX_RADIUS_M = 50000


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) containing every point within ``radius_m``. Near the
    poles or the antimeridian the longitude span is widened to the whole circle (never wrong, only
    less selective)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = min(math.cos(math.radians(min_lat)), math.cos(math.radians(max_lat)))
    if cos_lat <= 1e-9 or max_lat >= 90.0 or min_lat <= -90.0:
        return min_lat, max_lat, -180.0, 180.0
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat))
    if lng - dlng < -180.0 or lng + dlng > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lng - dlng, lng + dlng


def by_distance(points: list[GeoPoint], lat: float, lng: float,
                radius_m: float | None = None) -> list[tuple[int, int]]:
    """(station id, distance in whole metres) sorted by distance, then id; beyond ``radius_m`` left out."""
    out = []
    for p in points:
        if p.lat is None or p.lng is None:
            continue
        d = haversine_m(lat, lng, p.lat, p.lng)
        if radius_m is None or d <= radius_m:
            out.append((p.station_id, round(d)))
    out.sort(key=lambda x: (x[1], x[0]))
    return out


@dataclass(frozen=True)
class NearbyQuery:
    lat: float
    lng: float
    radius_m: int = 5000
    kind: str | None = None              # "dc" | "ac"
    free: bool = False
    max_price_fen: int | None = None
    limit: int = 20
    offset: int = 0


def passes(counts: StationCounts, kind: str | None, free: bool) -> bool:
    """The count filters: a station of that kind; with ``free``, a free connector (of that kind)."""
    if kind == "dc" and not counts.dc or kind == "ac" and not counts.ac:
        return False
    if free:
        n = counts.free_dc if kind == "dc" else counts.free_ac if kind == "ac" else counts.free
        return n > 0
    return True


class NearbySearch:
    """``map_repo``: csms.db.repositories_profile.SqlStationMapRepository (or a fake); ``cards``:
    csms.services.station_cards.StationCards; ``prices``: async (station ids, at) -> {id: Price}."""

    def __init__(self, map_repo, cards, clock):
        self.repo, self.cards, self.clock = map_repo, cards, clock

    async def nearby(self, q: NearbyQuery) -> Page:
        now = self.clock.now()
        box = bounding_box(q.lat, q.lng, q.radius_m)
        ranked = by_distance(await self.repo.geo_candidates(*box), q.lat, q.lng, q.radius_m)
        counts: dict[int, StationCounts] | None = None
        if q.kind or q.free:
            counts = await self.repo.counts(now, box=box)
            ranked = [(sid, d) for sid, d in ranked if passes(counts.get(sid, StationCounts()), q.kind, q.free)]
        prices = None
        if q.max_price_fen is not None:
            prices = await self.cards.prices([sid for sid, _ in ranked], now)
            ranked = [(sid, d) for sid, d in ranked
                      if sid in prices and prices[sid].total_fen_per_kwh <= q.max_price_fen]
        page = ranked[q.offset: q.offset + q.limit]
        cards = await self.cards.cards([sid for sid, _ in page], dict(page), now=now, counts=counts, prices=prices)
        return Page(cards, len(ranked), q.limit, q.offset)
