"""Shandong's districts as data: each belongs to its city, names are resolved within the city."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from portal.config import PROJECT_ROOT
from portal.core.enums import CITIES
from portal.outlets import districts
from portal.outlets.districts import DistrictError


def test_every_city_has_its_districts_and_the_counts_are_the_provinces():
    counties = [d for d in districts.all_districts() if d.kind == "county"]
    # 58 districts, 26 county-level cities and 52 counties since the 2019-2020 changes
    assert len(counties) == 136
    kinds = Counter(d.name[-1] for d in counties)
    assert (kinds["区"], kinds["市"], kinds["县"]) == (58, 26, 52)
    assert {d.city for d in districts.all_districts()} == set(CITIES.codes)
    for d in districts.all_districts():
        assert d.code[:4] == d.city[:4] and len(d.code) == 6, d
        assert (d.kind == "zone") == (d.code[4] == "7"), d  # functional zones carry the statistics code
        assert d.name_en, d


def test_shizhong_is_two_districts_of_two_cities():
    shizhong = [d for d in districts.all_districts() if d.name == "市中区"]
    assert [(d.code, d.city) for d in shizhong] == [("370103", "370100"), ("370402", "370400")]
    assert districts.resolve("市中区", "370100").code == "370103"
    assert districts.resolve("市中区", "370400").code == "370402"
    with pytest.raises(DistrictError, match="济南市、枣庄市都有“市中区”"):
        districts.resolve("市中区")


def test_current_after_the_laiwu_merger_and_later_changes():
    jinan = {d.name: d.code for d in districts.of_city("370100")}
    assert jinan["莱芜区"] == "370116" and jinan["钢城区"] == "370117"  # 莱芜市 merged into 济南 in 2019
    assert not any(d.code.startswith("3712") for d in districts.all_districts())
    yantai = {d.name for d in districts.of_city("370600")}
    assert "蓬莱区" in yantai and "长岛县" not in yantai and "蓬莱市" not in yantai  # 2020
    assert districts.resolve("茌平区", "371500").code == "371503"  # 2019, was 茌平县
    assert districts.resolve("邹平市", "371600").code == "371681"  # 2018, was 邹平县


@pytest.mark.parametrize(
    "value, city, code",
    [
        ("370102", None, "370102"),
        ("370102", "370100", "370102"),
        ("历下区", None, "370102"),
        ("历下", "370100", "370102"),
        (" 历 下 区 ", "370100", "370102"),
        ("开发区", "370600", "370672"),  # what Yantai calls its economic and technological development zone
        ("烟台经济技术开发区", "370600", "370672"),
        ("莒县", "371100", "371122"),
    ],
)
def test_a_code_a_name_or_an_alias_names_a_district(value, city, code):
    assert districts.resolve(value, city).code == code


@pytest.mark.parametrize(
    "value, city, message",
    [
        ("历下区", "370400", "历下区属于济南市，不属于枣庄市。"),
        ("370102", "370400", "历下区属于济南市，不属于枣庄市。"),
        ("370199", None, "没有代码为“370199”的区县。"),
        ("长岛县", "370600", "烟台市没有名为“长岛县”的区县。"),
        ("朝阳区", None, "山东省没有名为“朝阳区”的区县。"),
        ("开发区", "370700", "潍坊市没有名为“开发区”的区县。"),
    ],
)
def test_a_district_of_another_city_or_none_is_refused_with_a_message(value, city, message):
    with pytest.raises(DistrictError) as caught:
        districts.resolve(value, city)
    assert str(caught.value) == message


def test_an_empty_value_is_no_district():
    assert districts.resolve("", "370100") is None and districts.resolve(None) is None


def test_every_district_of_the_demo_outlets_resolves_in_its_city():
    rows = csv.DictReader((PROJECT_ROOT / "content" / "demo" / "outlets.csv").open(encoding="utf-8-sig"))
    for row in rows:
        city = CITIES.parse(row["城市"])
        assert districts.resolve(row["区县"], city).city == city, row["网点编号"]
