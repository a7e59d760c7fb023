"""Map links: GCJ-02 positions for 高德, 百度 and 腾讯, links only."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from portal.core import geo
from portal.outlets.maps import map_links


def _params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_links_carry_the_gcj02_position_for_each_app():
    lat, lon = 36.651200, 117.120100
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    links = {link.app: link.url for link in map_links(lat, lon, "泉城新能源换电站", "济南市历城区工业北路288号")}
    assert set(links) == {"amap", "amap-navigation", "baidu", "tencent"}
    amap = _params(links["amap"])
    assert links["amap"].startswith("https://uri.amap.com/marker?")
    assert amap["position"] == f"{glon:.6f},{glat:.6f}" and amap["coordinate"] == "gaode"
    assert amap["name"] == "泉城新能源换电站"
    navigation = _params(links["amap-navigation"])
    assert links["amap-navigation"].startswith("https://uri.amap.com/navigation?")
    assert navigation["to"] == f"{glon:.6f},{glat:.6f},泉城新能源换电站"
    baidu = _params(links["baidu"])
    assert links["baidu"].startswith("https://api.map.baidu.com/marker?")
    assert baidu["location"] == f"{glat:.6f},{glon:.6f}" and baidu["coord_type"] == "gcj02"
    assert baidu["output"] == "html" and baidu["src"]
    tencent = _params(links["tencent"])
    assert links["tencent"].startswith("https://apis.map.qq.com/uri/v1/marker?")
    assert tencent["marker"] == f"coord:{glat:.6f},{glon:.6f};title:泉城新能源换电站;addr:济南市历城区工业北路288号"
    assert tencent["referer"]
    # the GCJ-02 position is the shifted one, a few hundred metres from the stored WGS-84
    assert 0.1 < geo.haversine_km(lat, lon, glat, glon) < 1.0


def test_separators_in_names_cannot_break_the_parameters():
    (_amap, _nav, _baidu, tencent) = map_links(36.65, 117.12, "A;title:B", "路,1号|2")
    assert _params(tencent.url)["marker"].endswith(";title:A title B;addr:路 1号 2")


def test_no_coordinates_no_links():
    assert map_links(None, None, "网点") == []
