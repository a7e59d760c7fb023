"""Fragments of a result's text around the words searched for, with those words marked.

Matching is done on a normalised copy (full-width to half-width, lower case) mapped back character
by character to the original, so the marks fall on the right characters and a fragment is never cut
inside a character or a marked word.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from functools import lru_cache

from markupsafe import Markup, escape

from portal.search.analysis import normalise


@lru_cache(maxsize=8192)
def _normalised_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


class _Table(dict):
    """code point -> its character normalised, for str.translate (filled as characters are met); the
    characters that do not stay one character are collected in _ODD."""

    def __missing__(self, code: int) -> str:
        norm = _normalised_char(chr(code))
        if len(norm) != 1:
            _ODD.add(chr(code))
        if len(self) < 65536:
            self[code] = norm
        return norm


_TABLE = _Table()
_ODD: set[str] = set()


def _normalised_with_map(text: str) -> tuple[str, list[int] | range]:
    """text normalised character by character, and for each character of that the index of the
    original character it came from (a range when every character stayed one character)."""
    joined = text.translate(_TABLE)  # in C: the common case, no character changes length
    if _ODD.isdisjoint(text):
        return joined, range(len(text))
    pieces = list(map(_normalised_char, text))
    joined = "".join(pieces)
    if len(joined) == len(text) and "" not in pieces:  # every character stayed one character
        return joined, range(len(text))
    out: list[str] = []
    origin: list[int] = []
    for index, norm in enumerate(pieces):
        out.append(norm)
        origin.extend([index] * len(norm))
    return "".join(out), origin


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the original text where a term occurs."""
    haystack, origin = _normalised_with_map(text)
    starts: list[int] = []  # the spans kept, in text order (they never overlap, so ends are in order too)
    ends: list[int] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = haystack.find(term)
        while start != -1:
            a, b = origin[start], origin[start + len(term) - 1] + 1
            i = bisect_left(starts, a)
            if (i == len(starts) or b <= starts[i]) and (i == 0 or ends[i - 1] <= a):
                starts.insert(i, a)
                ends.insert(i, b)
            start = haystack.find(term, start + len(term))
    return list(zip(starts, ends, strict=True))


def query_terms(query: str) -> list[str]:
    """The chunks of a query as they are matched (normalised, quotes removed)."""
    return [t.strip('"“”') for t in normalise(query).split() if t.strip('"“”')]


def fragment(text: str, query: str, width: int = 120) -> Markup:
    """An escaped fragment of text about `width` characters long around the first match, with every
    match inside it wrapped in <mark>; the start of the text when nothing matches."""
    text = " ".join((text or "").split())
    spans = _spans(text, query_terms(query))
    if not spans:
        cut = text[:width]
        return escape(cut) + (Markup("…") if len(text) > width else Markup(""))
    first_start = spans[0][0]
    start = max(0, first_start - width // 3)
    end = min(len(text), start + width)
    # never cut a marked span in two
    for s, e in spans:
        if s < end < e:
            end = e
        if s < start < e:
            start = s
    pieces: list[Markup] = [Markup("…")] if start > 0 else []
    position = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        pieces.append(escape(text[position:s]))
        pieces.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        position = e
    pieces.append(escape(text[position:end]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)
