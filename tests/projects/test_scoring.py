"""Scoring arithmetic and target figures, pure."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.projects import scoring
from portal.projects.calls import parse_criteria
from portal.projects.figures import format_figure, parse_figure, percent_of

CRITERIA = [
    scoring.Criterion("c1", "技术先进性", 40),
    scoring.Criterion("c2", "示范带动", 35),
    scoring.Criterion("c3", "经济性", 25),
]


def test_weighted_total_is_exact():
    # 90*40 + 70*35 + 61*25 = 3600 + 2450 + 1525 = 7575 -> 75.75
    assert scoring.weighted_total(CRITERIA, {"c1": 90, "c2": 70, "c3": 61}) == Fraction(7575, 100)
    assert scoring.shown(Fraction(7575, 100)) == "75.8"  # half up, not banker's rounding
    assert scoring.shown(Fraction(7565, 100)) == "75.7"
    assert scoring.shown(None) == "—"


def test_summary_mean_spread_and_per_criterion():
    reviews = [{"c1": 90, "c2": 70, "c3": 61}, {"c1": 60, "c2": 80, "c3": 100}, {"c1": 75, "c2": 75, "c3": 75}]
    summary = scoring.summarise(CRITERIA, reviews)
    assert summary.totals == (Fraction(7575, 100), Fraction(7700, 100), Fraction(75))
    assert summary.mean == Fraction(7575 + 7700 + 7500, 300)
    assert summary.spread == Fraction(200, 100)
    assert summary.per_criterion["c1"] == 75
    assert scoring.summarise(CRITERIA, []).mean is None


@pytest.mark.parametrize(
    "scores", [{"c1": 90, "c2": 70}, {"c1": 101, "c2": 70, "c3": 1}, {"c1": -1, "c2": 70, "c3": 1}]
)
def test_a_missing_or_out_of_range_score_is_refused(scores):
    with pytest.raises(ValueError):
        scoring.weighted_total(CRITERIA, scores)


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=8))
def test_totals_stay_between_the_lowest_and_highest_score_and_the_spread_is_never_negative(rows):
    reviews = [{"c1": a, "c2": b, "c3": c} for a, b, c in rows]
    summary = scoring.summarise(CRITERIA, reviews)
    for total, (a, b, c) in zip(summary.totals, rows, strict=True):
        assert min(a, b, c) <= total <= max(a, b, c)
    assert summary.spread >= 0
    assert min(summary.totals) <= summary.mean <= max(summary.totals)


def test_weights_must_add_up_to_100_and_keys_be_distinct():
    scoring.check_weights(CRITERIA)
    with pytest.raises(ValueError, match="weights_not_100"):
        scoring.check_weights(CRITERIA[:2])
    with pytest.raises(ValueError):
        scoring.check_weights([])


def test_criteria_lines_are_parsed_with_any_separator():
    parsed = parse_criteria("技术先进性 40\n示范带动：35\n\n经济性|25%")
    assert [(c.key, c.name, c.weight) for c in parsed] == [
        ("c1", "技术先进性", 40),
        ("c2", "示范带动", 35),
        ("c3", "经济性", 25),
    ]
    with pytest.raises(ValueError):
        parse_criteria("没有权重")


@pytest.mark.parametrize(
    ("text", "milli"), [("98.5", 98500), ("20", 20000), ("１２.３４５", 12345), ("1,200", 1200000)]
)
def test_figures_are_exact_thousandths(text, milli):
    assert parse_figure(text) == milli


@pytest.mark.parametrize("text", ["", "-1", "1.2345", "abc", "1e3"])
def test_bad_figures_are_refused(text):
    with pytest.raises(ValueError):
        parse_figure(text)


def test_figures_are_shown_without_trailing_zeros_and_percent_rounds_down():
    assert format_figure(98500) == "98.5"
    assert format_figure(1234567) == "1,234.567"
    assert format_figure(None) == ""
    assert percent_of(14000, 20000) == 70
    assert percent_of(19999, 20000) == 99
    assert percent_of(None, 20000) is None
