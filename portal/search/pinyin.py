"""Place names typed in pinyin (yantai, Jinan Shi) are searched as their Chinese names (烟台, 济南).

The names come from the enumerations' English labels, which are the places' pinyin; a feature with
more places (the outlets' districts) registers them with ``add_places``. The rewrite applies to whole
words of a query only, so an English word that merely contains a name is left alone.
"""

from __future__ import annotations

import re

from portal.core.enums import CITIES

_SUFFIXES = ("shi", "city", "qu", "xian", "district", "county")
_PLACES: dict[str, str] = {}


def _key(pinyin: str) -> str:
    return re.sub(r"[^a-z]", "", pinyin.lower())


def add_places(pairs) -> None:
    """Teach the rewrite (pinyin, Chinese name) pairs; the first name given for a spelling is kept."""
    for pinyin, name in pairs:
        key = _key(pinyin)
        if key and key not in _PLACES:
            _PLACES[key] = name


add_places((item.en, item.aliases[0] if item.aliases else item.zh) for item in CITIES)


def _place(word: str) -> str | None:
    key = _key(word)
    if key in _PLACES:
        return _PLACES[key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in _PLACES:
            return _PLACES[key[: -len(suffix)]]
    return None


def place_names(query: str) -> str:
    """The query with each word (or pair of words, "Yan Tai") that spells a known place in pinyin
    replaced by the place's Chinese name; anything else as typed."""
    words = query.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        latin = i + 1 < len(words) and all(w.isascii() and w.isalpha() for w in words[i : i + 2])
        pair = _place(words[i] + words[i + 1]) if latin else None
        if pair:
            out.append(pair)
            i += 2
            continue
        single = _place(words[i]) if words[i].isascii() and words[i].isalpha() else None
        out.append(single or words[i])
        i += 1
    return " ".join(out)
