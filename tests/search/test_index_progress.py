"""The indexer tells how far a catch-up and a rebuild are; the jieba cache changes no word."""

from __future__ import annotations

import pytest

from portal import search
from portal.search import analysis
from tests.factories import make_member

pytestmark = pytest.mark.db


@pytest.fixture
def pending(app, session):
    """Five members in the outbox, not yet applied."""
    search.catch_up()
    for n in range(5):
        enterprise, _admin = make_member(session, name=f"潍坊第{n}动力电池回收有限公司")
        search.enqueue(session, "member", enterprise.id)
    session.commit()
    return 5


def test_catch_up_reports_batches_up_to_the_pending_total(pending):
    told: list[tuple[str, int, int]] = []
    applied = search.catch_up(batch=2, progress=lambda *a: told.append(a))
    assert applied >= pending
    assert told[0] == ("indexing", 0, applied)
    assert [done for _p, done, _t in told] == sorted(done for _p, done, _t in told)
    assert told[-1] == ("indexing", applied, applied)
    assert len(told) >= 4  # one report per batch of two, besides the first
    assert search.catch_up(progress=lambda *a: told.append(a)) == 0


def test_reindex_reports_loading_then_writing(pending):
    told: list[tuple[str, int, int]] = []
    count = search.reindex(lambda *a: told.append(a))
    phases = list(dict.fromkeys(phase for phase, _d, _t in told))
    assert phases == ["loading", "writing"]
    assert told[-1] == ("writing", count, count) and count >= pending
    assert ("loading", count, count) in told
    assert search.engine().count("member") >= pending


def test_the_reindex_command_shows_both_phases(app, runner, pending):
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "读取记录" in result.output and "写入索引" in result.output


@pytest.mark.parametrize(
    "text",
    ["磷酸铁锂电池梯次利用", "泉城新能源济南历下区4S店回收服务网点", "烟台市开发区长江路188号", "GB/T 34015 梯次利用"],
)
def test_jieba_words_are_the_same_with_the_cache_as_without(text):
    analysis._run_words.cache_clear()
    tokenizer = analysis.jieba_instance()
    expected: list[str] = []
    for kind, run, _s, _e in analysis.runs(text):
        if kind == "alnum":
            expected.append(run)
        elif kind == "cjk":
            expected.extend(w for w in tokenizer.cut_for_search(run, HMM=False) if w.strip())
    assert analysis.query_words(text) == expected  # filled the cache
    assert analysis.query_words(text) == expected  # read from it


def reference_grams(text: str) -> list[tuple[str, int, int, int]]:
    """The grams as analysis.py wrote them before it was tuned (the index must hold the same terms)."""
    out, pos = [], 0
    for kind, run, start, _end in analysis.runs(text):
        if kind == "sep":
            pos += analysis.FIELD_GAP
        elif kind == "alnum":
            out.append((run, pos, start, start + len(run)))
            pos += 1
        else:
            for i, ch in enumerate(run):
                out.append((ch, pos, start + i, start + i + 1))
                if i + 1 < len(run):
                    out.append((run[i : i + 2], pos, start + i, start + i + 2))
                pos += 1
    return out


@pytest.mark.parametrize(
    "text",
    [
        "长江路",
        "烟台市開發區長江路188号",
        f"泉城新能源4S店{analysis.SEPARATOR}济南市历下区经十路1号{analysis.SEPARATOR}SD00001",
        "ＧＢ／Ｔ 34015—2017 车用动力电池回收利用",
        "甲",
        "",
    ],
)
def test_grams_are_exactly_the_former_ones(text):
    assert list(analysis.gram_tokens(text)) == reference_grams(text)
