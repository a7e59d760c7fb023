"""Text analysis for Chinese search: CJK character grams for substring matching, jieba words for ranking.

* ``grams`` (indexed): every CJK character and every bigram of adjacent characters, and letter/digit
  runs in lower case. A document containing a query chunk holds all the chunk's grams, so the index
  finds the candidates; ``compact`` text in a column then confirms the chunk really occurs, so any
  run of characters taken from the text finds it (长江路 finds 烟台市开发区长江路188号, 4S店, 188号).
* jieba words (``query_words``) of titles and queries rank whole-word matches first.

The domain dictionary under content/search/ teaches jieba the field's terms (铅酸蓄电池, 梯次利用 ...).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from portal.config import PROJECT_ROOT

FIELD_GAP = 16  # positions between two text values, so a phrase never spans them
SEPARATOR = "\x1f"
_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([0-9a-z]+)|(\x1f)")
_jieba_lock = threading.Lock()
_jieba = None


def _simplified_table() -> dict[int, str]:
    path = PROJECT_ROOT / "content" / "search" / "traditional_simplified.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split("\t")
            table[ord(traditional)] = simplified
    return table


_SIMPLIFIED = _simplified_table()  # one character for one: positions in the text do not move


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), traditional characters as simplified ones, lower case.

    Index and query go through the same step, so 開發區 finds 开发区 and the other way round.
    """
    return unicodedata.normalize("NFKC", text or "").translate(_SIMPLIFIED).lower()


def runs(text: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, start, end) for each CJK run ('cjk'), letter/digit run ('alnum') or separator."""
    for match in _RUN.finditer(normalise(text)):
        if match.group(1):
            yield "cjk", match.group(1), match.start(), match.end()
        elif match.group(2):
            yield "alnum", match.group(2), match.start(), match.end()
        else:
            yield "sep", "", match.start(), match.end()


WARM_UP_THREAD = "jieba-warm-up"  # the name of the thread create_app loads the dictionary in


def jieba_instance():
    """The process's jieba tokenizer with the domain dictionary loaded (loaded once)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.load_userdict(str(PROJECT_ROOT / "content" / "search" / "domain_dict.txt"))
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def gram_tokens(text: str) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, startchar, endchar) of the grams analysis, in index order."""
    pos = 0
    for kind, run, start, _end in runs(text):
        if kind == "sep":
            pos += FIELD_GAP
        elif kind == "alnum":
            yield run, pos, start, start + len(run)
            pos += 1
        else:
            last = len(run) - 1
            for i, ch in enumerate(run):
                at = start + i
                yield ch, pos, at, at + 1
                if i < last:
                    yield run[i : i + 2], pos, at, at + 2
                pos += 1


def query_grams(chunk: str) -> list[str]:
    """The index terms every document containing chunk must hold: the bigrams of each CJK run (its
    character for a one-character run) and each letter/digit run."""
    terms: list[str] = []
    for kind, run, _start, _end in runs(chunk):
        if kind == "alnum":
            terms.append(run)
        elif kind == "cjk":
            terms.extend([run[i : i + 2] for i in range(len(run) - 1)] or [run])
    return terms


def compact(text: str) -> str:
    """The text as the substring rule sees it: normalised, only CJK and letter/digit runs kept.

    Runs are joined directly (a space between two letter/digit runs), and a field separator stays,
    so a query chunk never matches across two fields.
    """
    out: list[str] = []
    previous = None
    for kind, run, _s, _e in runs(text):
        if kind == "sep":
            out.append(SEPARATOR)
            previous = None
            continue
        if kind == "alnum" and previous == "alnum":
            out.append(" ")
        out.append(run)
        previous = kind
    return "".join(out)


def query_words(text: str) -> list[str]:
    """jieba's search-mode words and the letter/digit runs of text (for ranking by whole words)."""
    words: list[str] = []
    for kind, run, _s, _e in runs(text):
        if kind == "alnum":
            words.append(run)
        elif kind == "cjk":
            words.extend(_run_words(run))
    return words


@functools.lru_cache(maxsize=50_000)
def _run_words(run: str) -> tuple[str, ...]:
    """jieba's search-mode words of one CJK run (jieba without HMM is deterministic, and outlet names
    and addresses repeat their runs a lot: an import of 10,000 outlets cuts each distinct run once)."""
    return tuple(w for w in jieba_instance().cut_for_search(run, HMM=False) if w.strip())


class _PortalTokenizer(Tokenizer):
    def __init__(self, source) -> None:
        self.source = source

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.source is other.source

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, startchar, endchar in self.source(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + startchar
                token.endchar = start_char + endchar
            yield token


def GramAnalyzer():
    return _PortalTokenizer(gram_tokens)


title_words = query_words
