"""Coordinates: distances, the Shandong bounding box, and GCJ-02 / BD-09 to WGS-84 conversion.

Chinese map services give GCJ-02 (高德, 腾讯) or BD-09 (百度) coordinates; the portal stores WGS-84.
"""

from __future__ import annotations

import math

SHANDONG_LAT = (34.3, 38.4)
SHANDONG_LON = (114.8, 122.7)
_A = 6378245.0
_EE = 0.00669342162296594323


def in_shandong(lat: float, lon: float) -> bool:
    return SHANDONG_LAT[0] <= lat <= SHANDONG_LAT[1] and SHANDONG_LON[0] <= lon <= SHANDONG_LON[1]


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = EARTH_RADIUS_KM
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


class Places:
    """Many places, for the distances from one point to several hundred of them at a time (a search near
    a place): what haversine_km computes of the second point is computed once per place, and the rest in
    one loop without a call per place. Every distance is the very float haversine_km gives (same steps)."""

    def __init__(self, lats: list[float], lons: list[float]) -> None:
        self.lons = lons
        self.radians = [math.radians(lat) for lat in lats]
        self.cosines = [math.cos(p) for p in self.radians]

    def distances_km(self, lat: float, lon: float, indices) -> list[float]:
        """haversine_km(lat, lon, the place's lat, its lon) for each index, in order."""
        sin, asin, sqrt, radians = math.sin, math.asin, math.sqrt, math.radians
        p1 = radians(lat)
        cos1, twice_r = math.cos(p1), 2 * EARTH_RADIUS_KM
        ps, cosines, lons = self.radians, self.cosines, self.lons
        return [
            twice_r * asin(sqrt(sin((ps[i] - p1) / 2) ** 2 + cos1 * cosines[i] * sin(radians(lons[i] - lon) / 2) ** 2))
            for i in indices
        ]


def _delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def out_of_china(lat: float, lon: float) -> bool:
    """Outside the box where Chinese maps use GCJ-02 (the published formula's own bounds)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (GPS) to GCJ-02 (高德, 腾讯); a point outside China is returned unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Inverse by iteration (error well under a metre); a point outside China is returned unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(10):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat, wlon = wlat - (glat - lat), wlon - (glon - lon)
    return wlat, wlon


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * math.pi * 3000.0 / 180.0)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * math.pi * 3000.0 / 180.0)
    return z * math.sin(theta), z * math.cos(theta)


def to_wgs84(lat: float, lon: float, system: str) -> tuple[float, float]:
    """Convert from 'wgs84', 'gcj02' or 'bd09'."""
    system = (system or "wgs84").lower().replace("-", "")
    if system == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    if system == "wgs84":
        return lat, lon
    raise ValueError(system)
