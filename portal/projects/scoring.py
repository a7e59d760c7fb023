"""Review scoring arithmetic, pure: weighted totals per reviewer, their mean and spread.

Scores are whole points 0..100 per criterion; weights are whole points that add up to 100. All
arithmetic is exact (fractions); rounding happens only when a figure is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

MAX_SCORE = 100
WEIGHT_TOTAL = 100


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: int


@dataclass(frozen=True)
class Summary:
    """The result of a project's submitted reviews."""

    count: int
    totals: tuple[Fraction, ...]  # one per reviewer, in the order given
    mean: Fraction | None
    spread: Fraction | None  # highest total minus lowest
    per_criterion: dict[str, Fraction]  # mean score of each criterion


def check_weights(criteria: Sequence[Criterion]) -> None:
    """Raise ValueError unless there is at least one criterion, keys are distinct and weights add up to 100."""
    if not criteria:
        raise ValueError("no_criteria")
    if len({c.key for c in criteria}) != len(criteria):
        raise ValueError("duplicate_key")
    if any(c.weight <= 0 for c in criteria):
        raise ValueError("weight_not_positive")
    if sum(c.weight for c in criteria) != WEIGHT_TOTAL:
        raise ValueError("weights_not_100")


def weighted_total(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> Fraction:
    """One reviewer's total on the 0..100 scale: the sum of score times weight, over the weights' sum."""
    weights = sum(c.weight for c in criteria)
    if weights <= 0:
        raise ValueError("no_weights")
    for c in criteria:
        score = scores.get(c.key)
        if score is None:
            raise ValueError(f"missing:{c.key}")
        if not (0 <= int(score) <= MAX_SCORE):
            raise ValueError(f"out_of_range:{c.key}")
    return Fraction(sum(int(scores[c.key]) * c.weight for c in criteria), weights)


def summarise(criteria: Sequence[Criterion], reviews: Sequence[Mapping[str, int]]) -> Summary:
    """Totals, mean, spread (max - min) and each criterion's mean over the submitted reviews."""
    totals = tuple(weighted_total(criteria, r) for r in reviews)
    if not totals:
        return Summary(0, (), None, None, {})
    per = {c.key: Fraction(sum(int(r[c.key]) for r in reviews), len(reviews)) for c in criteria}
    return Summary(len(totals), totals, Fraction(sum(totals), len(totals)), max(totals) - min(totals), per)


def shown(value: Fraction | None, places: int = 1) -> str:
    """A score as shown: rounded half up to places (72.25 -> 72.3), or — when there is none."""
    if value is None:
        return "—"
    scale = 10**places
    rounded = (value * scale * 2 + 1) // 2  # half up, exact
    whole, part = divmod(int(rounded), scale)
    return f"{whole}.{part:0{places}d}" if places else str(whole)
