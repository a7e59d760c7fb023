"""Links that open an outlet in the common Chinese map apps (links only: no script or tile of theirs).

The portal stores WGS-84; 高德 and 腾讯 expect GCJ-02 and 百度 accepts it with coord_type=gcj02, so every
link carries the GCJ-02 position. The URI APIs used need no key: 高德 uri.amap.com (marker, navigation),
百度 api.map.baidu.com/marker, 腾讯 apis.map.qq.com/uri/v1/marker.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from portal.core.geo import wgs84_to_gcj02

# How the portal names itself to the map services (百度 src, 腾讯 referer, 高德 src).
APP = "sdpbra-outlets"


@dataclass(frozen=True)
class MapLink:
    app: str  # "amap", "amap-navigation", "baidu", "tencent"
    url: str


def gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 position of a WGS-84 one, rounded to six decimals (about 0.1 m)."""
    glat, glon = wgs84_to_gcj02(lat, lon)
    return round(glat, 6), round(glon, 6)


def _clean(text: str) -> str:
    # ; , : and | separate fields inside these services' parameters
    return "".join(" " if c in ";,:|" else c for c in (text or "")).strip()


def map_links(lat: float | None, lon: float | None, name: str, address: str = "") -> list[MapLink]:
    """Marker and navigation links for a WGS-84 position; none without coordinates."""
    if lat is None or lon is None:
        return []
    glat, glon = gcj02(lat, lon)
    name, address = _clean(name), _clean(address)
    position = f"{glon:.6f},{glat:.6f}"
    amap = {"position": position, "name": name, "src": APP, "coordinate": "gaode", "callnative": "1"}
    navigation = {"to": f"{position},{name}", "mode": "car", "src": APP, "coordinate": "gaode", "callnative": "1"}
    baidu = {
        "location": f"{glat:.6f},{glon:.6f}",
        "title": name,
        "content": address or name,
        "coord_type": "gcj02",
        "output": "html",
        "src": f"webapp.{APP}",
    }
    tencent = {"marker": f"coord:{glat:.6f},{glon:.6f};title:{name};addr:{address or name}", "referer": APP}
    return [
        MapLink("amap", "https://uri.amap.com/marker?" + urlencode(amap)),
        MapLink("amap-navigation", "https://uri.amap.com/navigation?" + urlencode(navigation)),
        MapLink("baidu", "https://api.map.baidu.com/marker?" + urlencode(baidu)),
        MapLink("tencent", "https://apis.map.qq.com/uri/v1/marker?" + urlencode(tencent)),
    ]
