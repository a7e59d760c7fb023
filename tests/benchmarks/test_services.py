"""The selection flow without HTTP: open, apply or nominate, score, confirm, the public list; refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.benchmarks import queries, services
from portal.benchmarks.models import BenchmarkCandidate, BenchmarkSelection
from portal.core.audit import AuditEntry
from portal.errors import DomainError, Forbidden
from tests.benchmarks.helpers import STATEMENT, selection_input
from tests.factories import make_member, make_user

pytestmark = pytest.mark.db
IN_WINDOW = dt.date(2026, 5, 20)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_selection_runs_from_opening_to_the_public_list(app, session, at):
    at("2026-05-10 10:00")
    staff = make_user(session, "staff")
    applicant, admin = make_member(session, name="烟台绿动再生资源有限公司")
    applicant.whitelist_activity, applicant.whitelist_batch = "recycling", 4
    nominee, _u = make_member(session, name="青岛海纳梯次利用科技有限公司")
    selection = services.open_selection(session, staff, selection_input())
    services.apply(session, admin, selection.id, STATEMENT, today=IN_WINDOW)
    services.nominate(session, staff, selection.id, nominee.id, "网点合规率高")
    candidate = queries.candidate_of(session, selection.id, applicant.id)
    with pytest.raises(DomainError, match="人工评分"):
        services.confirm(session, staff, selection.id, [applicant.id])
    services.score(session, staff, candidate.id, "safety", "90", "近三年无安全环保事故")
    services.score(session, staff, candidate.id, "innovation", "70")
    result = queries.sheet(session, selection, candidate)
    by_code = {r.code: r for r in result.rows}
    assert by_code["whitelist"].score == 100 and "第4批" in by_code["whitelist"].value
    assert by_code["safety"].origin == "秘书处人工评分：近三年无安全环保事故"
    assert result.total_milli == 100 * 20 * 10 + 90 * 10 * 10 + 70 * 10 * 10  # 20 + 9 + 7 points
    services.confirm(session, staff, selection.id, [applicant.id])
    session.commit()
    assert queries.public_list(session) == [(selection, [(applicant.id, "烟台绿动再生资源有限公司")])]
    assert queries.benchmark_years(session, [applicant.id, nominee.id]) == {applicant.id: [2026]}
    assert session.get(BenchmarkCandidate, candidate.id).total_milli == 36000
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("benchmark.%"))).all()
    assert actions == [
        "benchmark.open",
        "benchmark.apply",
        "benchmark.nominate",
        "benchmark.score",
        "benchmark.score",
        "benchmark.confirm",
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"year": "26"}, "year"),
        ({"title": ""}, "title"),
        ({"closes_on": "2026-04-01"}, "closes_on"),
        ({"opens_on": "明天"}, "opens_on"),
        ({"criteria": (("whitelist", "50"), ("outlets", "40"))}, "criteria"),
        ({"criteria": (("whitelist", "60"), ("nonsense", "40"))}, "criteria"),
        ({"criteria": (("whitelist", "一百"),)}, "criteria"),
        ({"criteria": ()}, "criteria"),
    ],
)
def test_bad_selection_input_is_refused_and_changes_nothing(app, session, overrides, field):
    staff = make_user(session, "staff")
    with pytest.raises(DomainError) as err:
        services.open_selection(session, staff, selection_input(**overrides))
    assert field in err.value.fields
    assert _count(session, BenchmarkSelection) == 0


def test_a_second_selection_for_the_same_year_is_refused(app, session):
    staff = make_user(session, "staff")
    services.open_selection(session, staff, selection_input())
    with pytest.raises(DomainError) as err:
        services.open_selection(session, staff, selection_input(title="重复"))
    assert err.value.fields["year"] == "2026 年度的评选已存在。"


def test_a_member_admin_applies_once_and_only_in_the_window(app, session):
    staff = make_user(session, "staff")
    _enterprise, admin = make_member(session)
    selection = services.open_selection(session, staff, selection_input())
    with pytest.raises(DomainError, match="不在申报期内"):
        services.apply(session, admin, selection.id, STATEMENT, today=dt.date(2026, 7, 1))
    with pytest.raises(DomainError, match="不少于 20 字"):
        services.apply(session, admin, selection.id, "申报", today=IN_WINDOW)
    services.apply(session, admin, selection.id, STATEMENT, today=IN_WINDOW)
    with pytest.raises(DomainError, match="已在本年度候选名单"):
        services.apply(session, admin, selection.id, STATEMENT, today=IN_WINDOW)
    assert _count(session, BenchmarkCandidate) == 1


@pytest.mark.parametrize("who", ["editor", "lapsed", "suspended", "staff_as_member"])
def test_those_who_may_not_apply_are_refused(app, session, who):
    staff = make_user(session, "staff")
    selection = services.open_selection(session, staff, selection_input())
    if who == "editor":
        _e, user = make_member(session, role="member_editor")
    elif who in ("lapsed", "suspended"):
        _e, user = make_member(session, state=who)
    else:
        user = staff
    with pytest.raises(Forbidden):
        services.apply(session, user, selection.id, STATEMENT, today=IN_WINDOW)
    assert _count(session, BenchmarkCandidate) == 0


def test_only_staff_open_nominate_score_and_confirm(app, session):
    staff = make_user(session, "staff")
    enterprise, admin = make_member(session)
    selection = services.open_selection(session, staff, selection_input())
    candidate = services.nominate(session, staff, selection.id, enterprise.id)
    for user in (admin, make_user(session, "observer")):
        with pytest.raises(Forbidden):
            services.open_selection(session, user, selection_input(year="2027"))
        with pytest.raises(Forbidden):
            services.nominate(session, user, selection.id, enterprise.id)
        with pytest.raises(Forbidden):
            services.score(session, user, candidate.id, "safety", "100")
        with pytest.raises(Forbidden):
            services.confirm(session, user, selection.id, [enterprise.id])
    assert session.get(BenchmarkCandidate, candidate.id).manual_scores == {}
    assert session.get(BenchmarkSelection, selection.id).state == "open"


def test_nominating_a_lapsed_member_or_scoring_out_of_range_is_refused(app, session):
    staff = make_user(session, "staff")
    lapsed, _u = make_member(session, state="lapsed")
    good, _v = make_member(session)
    selection = services.open_selection(session, staff, selection_input())
    with pytest.raises(DomainError, match="会员资格有效"):
        services.nominate(session, staff, selection.id, lapsed.id)
    candidate = services.nominate(session, staff, selection.id, good.id)
    for bad in ("101", "-1", "优"):
        with pytest.raises(DomainError, match="0 到 100"):
            services.score(session, staff, candidate.id, "safety", bad)
    with pytest.raises(DomainError, match="人工评分指标"):
        services.score(session, staff, candidate.id, "whitelist", "50")
    with pytest.raises(DomainError, match="候选名单"):
        services.confirm(session, staff, selection.id, [lapsed.id])
    assert candidate.manual_scores == {}


def test_a_confirmed_selection_takes_no_more_changes(app, session):
    staff = make_user(session, "staff")
    enterprise, _admin = make_member(session)
    other, _u = make_member(session)
    selection = services.open_selection(session, staff, selection_input(criteria=(("whitelist", "100"),)))
    services.nominate(session, staff, selection.id, enterprise.id)
    services.confirm(session, staff, selection.id, [enterprise.id])
    with pytest.raises(DomainError, match="已确认"):
        services.nominate(session, staff, selection.id, other.id)
    with pytest.raises(DomainError, match="已确认"):
        services.confirm(session, staff, selection.id, [enterprise.id])
