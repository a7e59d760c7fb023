"""Relevance order: an exact title first (1000), then the query within the title (100), plus 10 for
each of the query's words that is a word of the title; ties by title length, then index order.

Only the first `top` documents are put in order (the rest follow unordered): a page never needs
more. The work is done with set operations and C-level sorts, not a Python loop per candidate: a
broad query (a street name) has thousands of candidates and needs twenty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

_NONE: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Titles:
    """One index version's titles, for ranking."""

    titles: list[str]  # compact title by document number
    by_words: list[dict[str, set[int]]]  # per segment: title word -> documents (numbered in the whole index)
    order: list[int]  # sort key by document number: (title length, document number) as one int
    by_order: list[int]  # every document number in that order


def rank(docnums: list[int], whole: str, words: set[str], titles: Titles, top: int) -> list[int]:
    """docnums by relevance; the first `top` in exact order."""
    candidates = set(docnums)
    within = {d for d in docnums if whole in titles.titles[d]}
    exact = {d for d in within if titles.titles[d] == whole}
    levels = _word_levels(candidates, words, titles.by_words)
    groups: dict[int, list[set[int]]] = {}  # score -> the sets of documents with that score
    for count, level in enumerate(levels):
        for bonus, part in ((1000, level & exact), (100, level & (within - exact)), (0, level - within)):
            if part:
                groups.setdefault(10 * count + bonus, []).append(part)
    ranked: list[int] = []
    for score in sorted(groups, reverse=True):
        group = set().union(*groups[score]) if len(groups[score]) > 1 else groups[score][0]
        need = top - len(ranked)
        if need <= 0:
            ranked.extend(group)
            continue
        head = _first(group, need, titles)
        ranked.extend(head)
        if len(head) < len(group):
            ranked.extend(group.difference(head))
    return ranked


def _word_levels(candidates: set[int], words: set[str], by_words: list[dict]) -> list[set[int]]:
    """levels[k]: the candidates whose title holds exactly k of the words (counted and grouped in C)."""
    counts: Counter = Counter()
    for word in words:
        counts.update(set().union(*(by_word.get(word, _NONE) for by_word in by_words)) & candidates)
    levels = [candidates.difference(counts)]
    for count, group in groupby(sorted(counts.items(), key=itemgetter(1)), key=itemgetter(1)):
        levels.extend(set() for _ in range(count + 1 - len(levels)))
        levels[count] = set(map(itemgetter(0), group))
    return levels


def _first(group: set[int], need: int, titles: Titles) -> list[int]:
    """The `need` first of group in (title length, document number) order."""
    if need >= len(group) or len(group) * 16 < len(titles.by_order):
        ordered = sorted(group, key=titles.order.__getitem__)
        return ordered[:need]
    # A big group: walk the whole index in that order and keep its members (about need * N / len(group) steps).
    head: list[int] = []
    for docnum in titles.by_order:
        if docnum in group:
            head.append(docnum)
            if len(head) == need:
                break
    return head
