"""Distances and the bounding box of the nearby search."""

from __future__ import annotations

import math
import random

import pytest

from csms.domain.profile import GeoPoint, StationCounts
from csms.services.stations_geo import bounding_box, by_distance, haversine_m, passes


def test_haversine_known_distances():
    assert haversine_m(31.23, 121.47, 31.23, 121.47) == 0
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111195, rel=1e-4)       # one degree of latitude
    # Shanghai People's Square -> Beijing Tiananmen, about 1067 km
    assert haversine_m(31.2304, 121.4737, 39.9087, 116.3975) == pytest.approx(1_067_000, rel=0.01)


@pytest.mark.parametrize("lat,lng", [(31.23, 121.47), (0, 0), (-45, 170), (60, -179.99), (89.99, 0)])
def test_the_box_holds_every_point_of_the_circle(lat, lng):
    radius = 20000
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    rnd = random.Random(7)
    for _ in range(500):
        bearing, dist = rnd.uniform(0, 2 * math.pi), radius * math.sqrt(rnd.random())
        d = dist / 6371008.8
        p1, l1 = math.radians(lat), math.radians(lng)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
        l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        plat, plng = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
        assert min_lat <= plat <= max_lat
        assert min_lng <= plng <= max_lng


def test_by_distance_sorts_and_cuts():
    pts = [GeoPoint(1, 31.25, 121.47), GeoPoint(2, 31.23, 121.47), GeoPoint(3, None, None), GeoPoint(4, 31.5, 121.47)]
    assert by_distance(pts, 31.23, 121.47, 5000) == [(2, 0), (1, 2224)]
    assert [sid for sid, _ in by_distance(pts, 31.23, 121.47)] == [2, 1, 4]


def test_count_filters():
    counts = StationCounts(total=3, free=1, free_dc=0, free_ac=1, dc=2, ac=1)
    assert passes(counts, None, False) and passes(counts, "dc", False) and passes(counts, "ac", True)
    assert not passes(counts, "dc", True)
    assert not passes(StationCounts(total=1, ac=1), "dc", False)
    assert not passes(StationCounts(), None, True)
