"""The selection's state changes: open, apply or nominate, score the manual criteria, confirm the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.benchmarks import queries, sources
from portal.benchmarks.models import BenchmarkCandidate, BenchmarkCriterion, BenchmarkSelection
from portal.benchmarks.queries import get_candidate, get_selection, sheet
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.core.roles import MEMBER_ADMIN
from portal.errors import DomainError, Forbidden
from portal.members.standing import in_good_standing, require_admitted_member

FIELDS = ("year", "title", "opens_on", "closes_on", "state")


@dataclass(frozen=True)
class SelectionInput:
    """Raw values from the staff form: criteria as 'code:weight' pairs."""

    year: str = ""
    title: str = ""
    opens_on: str = ""
    closes_on: str = ""
    criteria: tuple[tuple[str, str], ...] = ()


def validate(session: Session, data: SelectionInput) -> dict:
    """Check a selection's input; return clean values or raise DomainError with a Chinese message per field."""
    errors: dict[str, str] = {}
    values: dict = {}
    try:
        year = int(str(data.year).strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        errors["year"] = _("请填写评选年度，如 2026。")
    elif session.scalar(select(BenchmarkSelection.id).where(BenchmarkSelection.year == year)) is not None:
        errors["year"] = _("%(year)d 年度的评选已存在。", year=year)
    values["year"] = year
    title = (data.title or "").strip()
    if not 2 <= len(title) <= 200:
        errors["title"] = _("请填写评选名称。")
    values["title"] = title
    values["opens_on"] = collect_date(data.opens_on, errors, "opens_on", required_message=_("请填写申报开始日期。"))
    values["closes_on"] = collect_date(data.closes_on, errors, "closes_on", required_message=_("请填写申报截止日期。"))
    if values["opens_on"] and values["closes_on"] and values["closes_on"] < values["opens_on"]:
        errors["closes_on"] = _("申报截止日期不能早于开始日期。")
    values["criteria"] = _criteria(data.criteria, errors)
    if errors:
        raise DomainError(_("请更正标出的内容。"), errors)
    return values


def _criteria(pairs, errors: dict[str, str]) -> list[tuple[str, int]]:
    names = sources.criterion_names()
    chosen: list[tuple[str, int]] = []
    for code, raw in pairs:
        if not str(raw).strip():
            continue
        try:
            weight = int(str(raw).strip())
        except ValueError:
            weight = -1
        if code not in names or weight < 0 or weight > 100 or code in dict(chosen):
            errors["criteria"] = _("权重应为 0 到 100 的整数。")
            return []
        if weight:
            chosen.append((code, weight))
    if not chosen:
        errors["criteria"] = _("请至少设置一项评选指标。")
    elif sum(w for _c, w in chosen) != 100:
        errors["criteria"] = _("各项指标的权重之和应为 100（现为 %(n)d）。", n=sum(w for _c, w in chosen))
    return chosen


def open_selection(session: Session, actor, data: SelectionInput, *, demo: bool = False) -> BenchmarkSelection:
    """Staff open a year's selection with its weighted criteria."""
    require_staff(actor)
    values = validate(session, data)
    names = sources.criterion_names()
    selection = BenchmarkSelection(
        year=values["year"],
        title=values["title"],
        opens_on=values["opens_on"],
        closes_on=values["closes_on"],
        state="open",
        is_demo=demo,
        criteria=[
            BenchmarkCriterion(position=i, code=code, name=str(names[code]), weight=weight)
            for i, (code, weight) in enumerate(values["criteria"])
        ],
    )
    session.add(selection)
    session.flush()
    after = {**audit.snapshot(selection, FIELDS), "criteria": values["criteria"]}
    audit.record(session, actor, "benchmark.open", "benchmark_selection", selection.id, None, after)
    return selection


def _require_open(selection: BenchmarkSelection) -> None:
    if selection.state != "open":
        raise DomainError(_("该年度评选已确认，不再接受申报或修改。"))


def _statement(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and len(text) < 20:
        raise DomainError(_("请填写申报说明（不少于 20 字）。"), {"statement": _("请填写申报说明（不少于 20 字）。")})
    if len(text) > 3000:
        raise DomainError(_("申报说明不能超过 3000 字。"), {"statement": _("申报说明不能超过 3000 字。")})
    return text


def _existing(session: Session, selection_id: int, enterprise_id: int) -> BenchmarkCandidate | None:
    return session.scalar(
        select(BenchmarkCandidate).where(
            BenchmarkCandidate.selection_id == selection_id, BenchmarkCandidate.enterprise_id == enterprise_id
        )
    )


def apply(session: Session, user, selection_id: int, statement: str, *, today: dt.date | None = None):
    """A member enterprise's administrator applies, during the window, with a statement."""
    selection = get_selection(session, selection_id)
    require_admitted_member(session, user)
    if getattr(user, "role", None) != MEMBER_ADMIN:
        raise Forbidden(_("仅企业管理员可以代表本单位申报。"))
    _require_open(selection)
    today = today or clock.today()
    if not selection.opens_on <= today <= selection.closes_on:
        raise DomainError(_("不在申报期内（%(a)s 至 %(b)s）。", a=selection.opens_on, b=selection.closes_on))
    text = _statement(statement, required=True)
    if _existing(session, selection.id, user.enterprise_id) is not None:
        raise DomainError(_("本单位已在本年度候选名单中。"))
    candidate = BenchmarkCandidate(
        selection_id=selection.id, enterprise_id=user.enterprise_id, origin="applied", statement=text, manual_scores={}
    )
    session.add(candidate)
    session.flush()
    audit.record(session, user, "benchmark.apply", "benchmark_candidate", candidate.id, None, {"statement": text})
    return candidate


def nominate(session: Session, actor, selection_id: int, enterprise_id: int, statement: str = "", *, demo=False):
    """Staff nominate a member enterprise in good standing as a candidate."""
    require_staff(actor)
    selection = get_selection(session, selection_id)
    _require_open(selection)
    if not in_good_standing(session, enterprise_id):
        raise DomainError(
            _("只能提名会员资格有效的会员企业。"), {"enterprise_id": _("只能提名会员资格有效的会员企业。")}
        )
    if _existing(session, selection.id, enterprise_id) is not None:
        raise DomainError(_("该企业已在本年度候选名单中。"))
    text = _statement(statement, required=False)
    candidate = BenchmarkCandidate(
        selection_id=selection.id,
        enterprise_id=enterprise_id,
        origin="nominated",
        statement=text,
        manual_scores={},
        is_demo=demo,
    )
    session.add(candidate)
    session.flush()
    audit.record(
        session,
        actor,
        "benchmark.nominate",
        "benchmark_candidate",
        candidate.id,
        None,
        {"enterprise_id": enterprise_id},
    )
    return candidate


def score(session: Session, actor, candidate_id: int, code: str, raw_score: str | int, note: str = ""):
    """Staff score one manual criterion of a candidate (0-100, with a note)."""
    require_staff(actor)
    candidate = get_candidate(session, candidate_id)
    selection = get_selection(session, candidate.selection_id)
    _require_open(selection)
    if code not in sources.MANUAL or code not in {c.code for c in selection.criteria}:
        raise DomainError(_("该指标不是本年度的人工评分指标。"))
    try:
        value = int(str(raw_score).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 100:
        raise DomainError(_("评分应为 0 到 100 的整数。"), {"score": _("评分应为 0 到 100 的整数。")})
    before = dict(candidate.manual_scores or {})
    candidate.manual_scores = {**before, code: {"score": value, "note": (note or "").strip()[:500]}}
    session.flush()
    audit.record(
        session, actor, "benchmark.score", "benchmark_candidate", candidate.id, before, candidate.manual_scores
    )
    return candidate


def confirm(session: Session, actor, selection_id: int, enterprise_ids) -> BenchmarkSelection:
    """Staff confirm the year's list: the chosen candidates become that year's benchmark enterprises."""
    require_staff(actor)
    selection = get_selection(session, selection_id)
    _require_open(selection)
    chosen = {int(i) for i in enterprise_ids}
    candidates = {c.enterprise_id: c for c in queries.candidates(session, selection.id)}
    if not chosen:
        raise DomainError(_("请至少选择一家企业。"))
    if not chosen <= set(candidates):
        raise DomainError(_("只能从本年度候选名单中确认。"))
    for candidate in candidates.values():
        result = sheet(session, selection, candidate)
        if candidate.enterprise_id in chosen and result.missing:
            raise DomainError(_("请先完成人工评分：%(names)s。", names="、".join(result.missing)))
        candidate.total_milli = result.total_milli
        candidate.selected = candidate.enterprise_id in chosen
    selection.state = "confirmed"
    selection.confirmed_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "benchmark.confirm",
        "benchmark_selection",
        selection.id,
        {"state": "open"},
        {"state": "confirmed", "enterprise_ids": sorted(chosen)},
    )
    return selection
