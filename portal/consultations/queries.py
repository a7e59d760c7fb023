"""Reading comment rounds: the list, one round, the comments a viewer may see, the summary table."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.consultations.models import Clause, Comment, Consultation
from portal.core import clock
from portal.core.actors import is_staff_reader
from portal.core.sql import get_or_not_found

EXPORT_COLUMNS = ("序号", "章条编号", "意见内容", "提出单位", "处理意见", "备注")


def rounds(session: Session) -> list[Consultation]:
    """Every round, the latest deadline first."""
    return list(session.scalars(select(Consultation).order_by(Consultation.closes_at.desc(), Consultation.id.desc())))


def closing_within(session: Session, now: dt.datetime, days: int) -> list[Consultation]:
    """Open rounds closing within days of now, soonest first; read by the work-bench."""
    stmt = select(Consultation).where(
        Consultation.closes_at > now, Consultation.closes_at <= now + dt.timedelta(days=days)
    )
    return list(session.scalars(stmt.order_by(Consultation.closes_at, Consultation.id)))


def get_round(session: Session, consultation_id: int) -> Consultation:
    """A round with its clauses; NotFound when there is none."""
    return get_or_not_found(session, Consultation, consultation_id, _("该征求意见不存在。"))


def get_comment(session: Session, comment_id: int) -> Comment:
    """A comment; NotFound when there is none."""
    return get_or_not_found(session, Comment, comment_id, _("该意见不存在。"))


def get_clause(session: Session, clause_id: int) -> Clause | None:
    """A clause, or None."""
    return session.get(Clause, clause_id)


def _in_clause_order(consultation_id: int) -> Select:
    return (
        select(Comment)
        .join(Clause, Comment.clause_id == Clause.id)
        .where(Comment.consultation_id == consultation_id)
        .order_by(Clause.position, Comment.id)
    )


def visible_comments(session: Session, viewer, consultation: Consultation) -> list[Comment]:
    """Staff see every comment; members see their own enterprise's while open, everyone's once closed."""
    stmt = _in_clause_order(consultation.id)
    if is_staff_reader(viewer):
        return list(session.scalars(stmt))
    if not getattr(viewer, "is_member", False):
        return []
    if consultation.is_open(clock.now()):
        stmt = stmt.where(Comment.enterprise_id == viewer.enterprise_id)
    return list(session.scalars(stmt))


def summary_rows(session: Session, consultation_id: int) -> list[tuple]:
    """The 意见汇总处理表: one row per comment in clause order."""
    from portal.consultations.services import DECISIONS

    consultation = get_round(session, consultation_id)
    rows = []
    for n, comment in enumerate(session.scalars(_in_clause_order(consultation.id)), start=1):
        decision = DECISIONS.label(comment.decision, "zh") if comment.decision else "待处理"
        rows.append((n, comment.clause.number, comment.text, comment.enterprise_name, decision, comment.reason))
    return rows


def export_xlsx(session: Session, consultation_id: int) -> bytes:
    """The summary table as XLSX with the columns 序号, 章条编号, 意见内容, 提出单位, 处理意见, 备注."""
    from portal.core.spreadsheets import to_xlsx

    consultation = get_round(session, consultation_id)
    rows = summary_rows(session, consultation.id)
    return to_xlsx("意见汇总处理表", EXPORT_COLUMNS, rows, widths=(6, 12, 60, 30, 10, 40))
