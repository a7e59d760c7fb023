"""The selection's read side: selections, candidates, each candidate's sheet, the public list by year.

Names enterprises through the members' queries; the sheet's automatic numbers come from sources.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.benchmarks import sources
from portal.benchmarks.models import BenchmarkCandidate, BenchmarkSelection
from portal.core.sql import get_or_not_found


def get_selection(session: Session, selection_id: int) -> BenchmarkSelection:
    return get_or_not_found(session, BenchmarkSelection, selection_id, _("评选不存在。"))


def get_candidate(session: Session, candidate_id: int) -> BenchmarkCandidate:
    return get_or_not_found(session, BenchmarkCandidate, candidate_id, _("候选企业不存在。"))


def selections(session: Session) -> list[BenchmarkSelection]:
    """Every selection, newest year first."""
    return list(session.scalars(select(BenchmarkSelection).order_by(BenchmarkSelection.year.desc())))


def open_selection(session: Session) -> BenchmarkSelection | None:
    """The selection still open, newest year first."""
    stmt = select(BenchmarkSelection).where(BenchmarkSelection.state == "open")
    return session.scalar(stmt.order_by(BenchmarkSelection.year.desc()))


def candidates(session: Session, selection_id: int) -> list[BenchmarkCandidate]:
    stmt = select(BenchmarkCandidate).where(BenchmarkCandidate.selection_id == selection_id)
    return list(session.scalars(stmt.order_by(BenchmarkCandidate.id)))


def candidate_of(session: Session, selection_id: int, enterprise_id: int | None) -> BenchmarkCandidate | None:
    stmt = select(BenchmarkCandidate).where(
        BenchmarkCandidate.selection_id == selection_id, BenchmarkCandidate.enterprise_id == enterprise_id
    )
    return session.scalar(stmt)


def nominees(session: Session, selection_id: int) -> list[tuple[int, str]]:
    """Member enterprises in good standing not yet candidates of the selection: (id, name), for staff to nominate."""
    from portal.members.queries import directory
    from portal.members.standing import in_good_standing

    taken = {c.enterprise_id for c in candidates(session, selection_id)}
    return [
        (e.id, e.name) for e in session.scalars(directory()) if e.id not in taken and in_good_standing(session, e.id)
    ]


@dataclass(frozen=True)
class SheetRow:
    code: str
    name: str
    weight: int
    manual: bool
    value: str
    score: int | None
    origin: str
    link: str

    @property
    def weighted_milli(self) -> int:
        return (self.score or 0) * self.weight * 10  # score x weight / 100, x1000


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # manual criteria not yet scored

    @property
    def total_milli(self) -> int:
        return sum(r.weighted_milli for r in self.rows)

    @property
    def total(self) -> float:
        return self.total_milli / 1000


def sheet(session: Session, selection: BenchmarkSelection, candidate: BenchmarkCandidate) -> Sheet:
    """Each criterion's raw value, score and origin for one candidate, and the weighted total."""
    result = Sheet()
    for criterion in selection.criteria:
        if criterion.code in sources.MANUAL:
            given = (candidate.manual_scores or {}).get(criterion.code)
            if given is None:
                result.missing.append(criterion.name)
            row = SheetRow(
                criterion.code,
                criterion.name,
                criterion.weight,
                True,
                str(given["score"]) if given else "—",
                given["score"] if given else None,
                f"秘书处人工评分{('：' + given['note']) if given and given.get('note') else ''}" if given else "待评分",
                "",
            )
        else:
            reading = sources.SOURCES[criterion.code].read(session, candidate.enterprise_id)
            row = SheetRow(
                criterion.code,
                criterion.name,
                criterion.weight,
                False,
                reading.value,
                reading.score,
                reading.origin,
                reading.link,
            )
        result.rows.append(row)
    return result


def public_list(session: Session) -> list[tuple[BenchmarkSelection, list[tuple[int, str]]]]:
    """Confirmed selections, newest first, each with its benchmark enterprises (id, name) by name."""
    from portal.members.queries import enterprise_briefs

    out = []
    stmt = select(BenchmarkSelection).where(BenchmarkSelection.state == "confirmed")
    for selection in session.scalars(stmt.order_by(BenchmarkSelection.year.desc())):
        ids = [c.enterprise_id for c in candidates(session, selection.id) if c.selected]
        briefs = enterprise_briefs(session, ids)
        out.append((selection, sorted(((i, briefs[i].name) for i in ids if i in briefs), key=lambda r: r[1])))
    return out


def benchmark_years(session: Session, enterprise_ids=None) -> dict[int, list[int]]:
    """enterprise id -> the years it was named a benchmark enterprise, newest first (read by members); of
    every enterprise named one when no ids are given (a few dozen rows a year)."""
    stmt = (
        select(BenchmarkCandidate.enterprise_id, BenchmarkSelection.year)
        .join(BenchmarkSelection, BenchmarkSelection.id == BenchmarkCandidate.selection_id)
        .where(BenchmarkCandidate.selected.is_(True), BenchmarkSelection.state == "confirmed")
        .order_by(BenchmarkSelection.year.desc())
    )
    if enterprise_ids is not None:
        ids = {i for i in enterprise_ids if i is not None}
        if not ids:
            return {}
        stmt = stmt.where(BenchmarkCandidate.enterprise_id.in_(ids))
    rows = session.execute(stmt)
    years: dict[int, list[int]] = {}
    for enterprise_id, year in rows:
        years.setdefault(enterprise_id, []).append(year)
    return years


def benchmark_enterprise_select(year: int | None = None):
    """A select of the enterprise ids named benchmark enterprises, in year or any year (read by members' directory)."""
    stmt = (
        select(BenchmarkCandidate.enterprise_id)
        .join(BenchmarkSelection, BenchmarkSelection.id == BenchmarkCandidate.selection_id)
        .where(BenchmarkCandidate.selected.is_(True), BenchmarkSelection.state == "confirmed")
    )
    if year is not None:
        stmt = stmt.where(BenchmarkSelection.year == year)
    return stmt
