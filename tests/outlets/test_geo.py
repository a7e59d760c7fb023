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
