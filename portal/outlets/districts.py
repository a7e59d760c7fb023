"""Shandong's districts (县级行政区) as data: content/geo/shandong_districts.csv, read once.

A district belongs to one city: 市中区 of Jinan (370103) and of Zaozhuang (370402) are two districts.
Outlets store the district's name beside their city, so (city, name) names a district; the code
(GB/T 2260, or the statistics office's code for a functional zone) is what forms and links send.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup

from portal.config import PROJECT_ROOT
from portal.core.enums import CITIES
from portal.core.language import current, is_english
from portal.core.punctuation import punct

DATA_FILE = PROJECT_ROOT / "content" / "geo" / "shandong_districts.csv"
SUFFIXES = ("区", "县", "市")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    city: str
    kind: str  # "county": a GB/T 2260 county-level division; "zone": a functional zone (开发区)
    aliases: tuple[str, ...] = ()
    name_en: str = ""

    def label(self, lang: str | None = None) -> str:
        """The name in the current (or given) language."""
        return self.name_en if is_english(lang) and self.name_en else self.name


class DistrictError(ValueError):
    """A district that is unknown, of another city, or ambiguous without its city; str() is the message."""


@lru_cache(maxsize=1)
def all_districts() -> tuple[District, ...]:
    """Every district of the province, by code."""
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        found = [
            District(
                code=row["code"].strip(),
                name=row["name"].strip(),
                city=row["city_code"].strip(),
                kind=row["kind"].strip() or "county",
                aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
                name_en=(row.get("name_en") or "").strip(),
            )
            for row in rows
        ]
    return tuple(sorted(found, key=lambda d: d.code))


@lru_cache(maxsize=1)
def _by_code() -> dict[str, District]:
    return {d.code: d for d in all_districts()}


def get(code: str | None) -> District | None:
    """The district with this code, or None."""
    return _by_code().get((code or "").strip())


def of_city(city: str | None) -> list[District]:
    """The districts of a city (code order: its districts, counties, zones, county-level cities)."""
    return [d for d in all_districts() if d.city == city]


def options(chosen: str | None = None) -> Markup:
    """Every city's districts as the <optgroup>s of a select, in the current language, one chosen.

    The same on every outlet list (only the chosen one differs): built once per language and choice.
    """
    return _options(current(), chosen if get(chosen) else "")


@lru_cache(maxsize=512)
def _options(lang: str, chosen: str) -> Markup:
    parts = []
    for city, items in by_city():
        parts.append(Markup('<optgroup label="{}" data-city="{}">').format(CITIES.label(city, lang), city))
        for d in items:
            selected = Markup(" selected") if d.code == chosen else ""
            option = Markup('<option value="{}" data-city="{}"{}>{}</option>')
            parts.append(option.format(d.code, city, selected, d.label(lang)))
        parts.append(Markup("</optgroup>"))
    return Markup("").join(parts)


@lru_cache(maxsize=1)
def by_city() -> tuple[tuple[str, tuple[District, ...]], ...]:
    """(city code, its districts) for every city, in the cities' order."""
    return tuple((city, tuple(of_city(city))) for city in CITIES.codes)


def find(city: str | None, name: str | None) -> District | None:
    """The district of this city with this stored name (or alias), or None."""
    if not city or not name:
        return None
    matches = [d for d in of_city(city) if _matches(d, name.strip())]
    return matches[0] if len(matches) == 1 else None


def label_of(outlet) -> str:
    """The outlet's district (stored as its Chinese name) in the current language; unknown ones as stored."""
    district = find(outlet.city, outlet.district)
    return district.label() if district else (outlet.district or "")


@lru_cache(maxsize=1)
def spellings() -> tuple[str, ...]:
    """Every value that names some district: codes, names, names without 区/县/市, aliases (the API's enum)."""
    found: set[str] = set()
    for d in all_districts():
        found.update((d.code, d.name, *d.aliases))
        if len(d.name) >= 3 and d.name.endswith(SUFFIXES):
            found.add(d.name[:-1])
    return tuple(sorted(found))


def _matches(district: District, text: str, aliases: bool = True) -> bool:
    if text == district.name or (aliases and text in district.aliases):
        return True
    # "历下" for 历下区; a one-character stem (莒, 单, 曹) is too short to be sure of
    return len(text) >= 2 and district.name.endswith(SUFFIXES) and district.name[:-1] == text


def _city_label(city: str) -> str:
    return CITIES.label(city)


def resolve(value: str | None, city: str | None = None) -> District | None:
    """The district a person or a file means by a code or a name, within city when given.

    None for an empty value; DistrictError (a message in the interface language) when the value names
    no district, a district of another city, or a name several cities have while no city is given."""
    text = "".join((value or "").split())
    if not text:
        return None
    if text.isascii() and text.isdigit():
        district = get(text)
        if district is None:
            raise DistrictError(_("没有代码为“%(v)s”的区县。", v=text))
        if city and district.city != city:
            raise DistrictError(_wrong_city(district, city))
        return district
    # an alias (开发区) is a city's own short name: it counts only within its city
    everywhere = [d for d in all_districts() if _matches(d, text, aliases=False)]
    if city:
        inside = [d for d in of_city(city) if _matches(d, text)]
        if len(inside) == 1:
            return inside[0]
        if not inside and everywhere:
            raise DistrictError(_wrong_city(everywhere[0], city))
        if not inside:
            raise DistrictError(_("%(city)s没有名为“%(v)s”的区县。", city=_city_label(city), v=text))
        raise DistrictError(_("“%(v)s”可指%(city)s的多个区县，请写全称。", v=text, city=_city_label(city)))
    if len(everywhere) == 1:
        return everywhere[0]
    if not everywhere:
        raise DistrictError(_("山东省没有名为“%(v)s”的区县。", v=text))
    separator = punct("、")
    cities = separator.join(dict.fromkeys(_city_label(d.city) for d in everywhere))
    raise DistrictError(_("%(cities)s都有“%(v)s”，请同时选择城市。", cities=cities, v=text))


def _wrong_city(district: District, city: str) -> str:
    return _(
        "%(district)s属于%(its_city)s，不属于%(city)s。",
        district=district.label(),
        its_city=_city_label(district.city),
        city=_city_label(city),
    )
