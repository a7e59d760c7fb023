"""Coordinate conversion and distances."""

from __future__ import annotations

import pytest

from portal.core import geo


def test_gcj02_round_trip_is_within_a_metre():
    lat, lon = 36.6512, 117.1201  # Jinan
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    assert geo.haversine_km(lat, lon, glat, glon) > 0.1  # the published offset is a few hundred metres
    back = geo.gcj02_to_wgs84(glat, glon)
    assert geo.haversine_km(lat, lon, *back) < 0.001


def test_bd09_converts_to_wgs84():
    # Baidu's published coordinates of Quancheng Square (approx.) sit about 1 km from WGS-84.
    lat, lon = geo.to_wgs84(36.6681, 117.0283, "bd09")
    assert 0.3 < geo.haversine_km(36.6681, 117.0283, lat, lon) < 1.5


def test_distance_jinan_qingdao():
    # Jinan to Qingdao is about 300 km as the crow flies
    assert 290 < geo.haversine_km(36.65, 117.12, 36.07, 120.38) < 305


@pytest.mark.parametrize("lat, lon, inside", [(36.65, 117.12, True), (39.90, 116.40, False), (37.5, 122.6, True)])
def test_shandong_box(lat, lon, inside):
    assert geo.in_shandong(lat, lon) is inside


def test_unknown_system_is_refused():
    with pytest.raises(ValueError):
        geo.to_wgs84(36.0, 117.0, "utm")


def test_wgs84_to_gcj02_matches_the_published_reference_pair():
    # wandergis/coordtransform (README): wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164]
    lat, lon = geo.wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    # and its gcj02towgs84(116.404, 39.915) = [116.39775550083061, 39.91359571849836], one step of the
    # inverse; ours iterates, so it agrees to well under a metre
    back = geo.gcj02_to_wgs84(39.915, 116.404)
    assert geo.haversine_km(*back, 39.91359571849836, 116.39775550083061) < 0.002


@pytest.mark.parametrize(
    "lat, lon", [(51.5007, -0.1246), (35.6586, 139.7454), (55.7539, 37.6208), (-33.8568, 151.2153)]
)
def test_points_outside_china_are_unchanged(lat, lon):
    # London, Tokyo, Moscow, Sydney
    assert geo.out_of_china(lat, lon)
    assert geo.wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert geo.gcj02_to_wgs84(lat, lon) == (lat, lon)


def test_points_in_shandong_are_inside_china():
    assert not geo.out_of_china(36.65, 117.12) and not geo.out_of_china(37.5, 122.6)


def test_places_give_exactly_the_distances_haversine_gives():
    import math
    import random

    from portal.core.geo import Places, haversine_km

    rng = random.Random(3)
    points = [(rng.uniform(34.3, 38.4), rng.uniform(114.8, 122.7)) for _ in range(500)]
    points += [(36.66, 117.12), (36.66, 117.12), (-89.9, -179.9), (89.9, 179.9)]  # the same place twice, poles
    places = Places([lat for lat, _lon in points], [lon for _lat, lon in points])
    for here in [(36.66, 117.12), (37.5, 121.4), (0.0, 0.0)]:
        indices = list(range(len(points)))[::-1]
        got = places.distances_km(*here, indices)
        assert got == [haversine_km(*here, *points[i]) for i in indices]  # the same floats, not nearly the same
    assert math.isnan(Places([math.nan], [math.nan]).distances_km(36.0, 117.0, [0])[0])
