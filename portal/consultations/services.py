"""Comment rounds on draft association standards: open a round, comment on a clause, answer, export.

A round is open until ``closes_at``, the end (Shandong time) of its deadline day. Closing needs no
job: every rule asks the portal clock, so a round is closed from that instant on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.consultations.models import Clause, Comment, Consultation
from portal.consultations.queries import get_clause, get_comment, get_round
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.core.enums import Enumeration, Item
from portal.core.permissions import require
from portal.errors import DomainError

DECISIONS = Enumeration(
    "comment_decision",
    [
        Item("accepted", "采纳", "Accepted"),
        Item("partly", "部分采纳", "Partly accepted"),
        Item("rejected", "未采纳", "Rejected"),
    ],
)
NEEDS_REASON = ("partly", "rejected")
# A clause number opens a line: 5, 5.2, 5.2.3, or an annex clause A.1, B.2.1; then a space or the line's end.
CLAUSE_RE = re.compile(r"^\s*((?:\d{1,2}|[A-Z])(?:[.．]\d{1,3})*)(?:[\s\u3000]+(.*))?$")
MAX_CLAUSES = 2000


def parse_clauses(text: str) -> list[tuple[str, str]]:
    """Split pasted text into (number, text) rows; a line starting with a clause number starts a clause.

    Lines that follow belong to the clause above. A single capital letter counts as a number only when
    followed by a dot (A.1), so an ordinary line starting with a word is never taken for a clause.
    """
    rows: list[list[str]] = []
    seen: set[str] = set()
    for line_no, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        match = CLAUSE_RE.match(line)
        if match and not (match.group(1).isalpha()):
            number = match.group(1).replace("．", ".")
            if number in seen:
                raise DomainError(
                    _("第%(n)d行：章条编号 %(c)s 重复。", n=line_no, c=number),
                    {"clauses": _("第%(n)d行：章条编号 %(c)s 重复。", n=line_no, c=number)},
                )
            seen.add(number)
            rows.append([number, (match.group(2) or "").strip()])
        elif not rows:
            message = _(
                "第%(n)d行“%(t)s”前没有章条编号：每条应以编号开头，如“5.2.3 技术要求……”；标题等前言请删去。",
                n=line_no,
                t=line.strip()[:20],
            )
            raise DomainError(message, {"clauses": message})
        else:
            rows[-1][1] = (rows[-1][1] + "\n" + line.strip()).strip()
    if not rows:
        message = _("没有找到任何章条编号：请按“5.2.3 条文内容”的格式，每条一行，以编号开头。")
        raise DomainError(message, {"clauses": message})
    if len(rows) > MAX_CLAUSES:
        message = _("章条过多（最多%(n)d条）。", n=MAX_CLAUSES)
        raise DomainError(message, {"clauses": message})
    return [(number, body) for number, body in rows]


@dataclass(frozen=True)
class ConsultationInput:
    """Raw values of a comment round as staff give them (clauses as pasted text)."""

    code: str = ""
    title: str = ""
    description: str = ""
    deadline: str | dt.date = ""
    clauses: str = ""


def closes_at_for(deadline: dt.date) -> dt.datetime:
    """Comments are taken until the end of the deadline day, Shandong time."""
    return clock.local_midnight_utc(deadline + dt.timedelta(days=1))


def open_round(session: Session, actor, data: ConsultationInput, *, is_demo: bool = False) -> Consultation:
    """Staff open a draft standard for comment until a deadline, with its clauses."""
    require_staff(actor)
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not (2 <= len(title) <= 300):
        errors["title"] = _("请填写标准名称。")
    deadline = collect_date(data.deadline, errors, "deadline", required_message=_("请填写截止日期。"))
    if deadline is not None and deadline < clock.today():
        errors["deadline"] = _("截止日期不能早于今天。")
    clauses: list[tuple[str, str]] = []
    try:
        clauses = parse_clauses(data.clauses)
    except DomainError as err:
        errors.update(err.fields)
    if errors:
        raise DomainError(_("征求意见信息有误。"), errors)
    consultation = Consultation(
        code=(data.code or "").strip()[:60],
        title=title,
        description=(data.description or "").strip(),
        deadline=deadline,
        closes_at=closes_at_for(deadline),
        created_by_id=actor.id,
        is_demo=is_demo,
        clauses=[Clause(position=i, number=n, text=t) for i, (n, t) in enumerate(clauses, start=1)],
    )
    session.add(consultation)
    session.flush()
    audit.record(
        session,
        actor,
        "consultation.open",
        "consultation",
        consultation.id,
        None,
        {"title": title, "deadline": deadline, "clauses": len(clauses)},
    )
    return consultation


def add_comment(session: Session, actor, consultation_id: int, clause_id: int, text: str) -> Comment:
    """A member comments on one clause, only while the round is open (by the portal clock)."""
    from portal.members.queries import get_enterprise, require_admitted_member

    require(getattr(actor, "is_member", False), _("只有会员企业的用户可以提出意见。"))
    require_admitted_member(session, actor, _("只有会员企业的用户可以提出意见。"))  # active or grace
    enterprise = get_enterprise(session, actor.enterprise_id)
    consultation = get_round(session, consultation_id)
    if not consultation.is_open(clock.now()):
        raise DomainError(_("征求意见已截止，不再接受意见。"))
    clause = get_clause(session, clause_id)
    if clause is None or clause.consultation_id != consultation.id:
        raise DomainError(_("请选择要提意见的章条。"), {"clause": _("请选择要提意见的章条。")})
    body = (text or "").strip()
    if not (2 <= len(body) <= 5000):
        raise DomainError(_("请填写意见内容（2至5000字）。"), {"text": _("请填写意见内容（2至5000字）。")})
    comment = Comment(
        consultation_id=consultation.id,
        clause_id=clause.id,
        author_id=actor.id,
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        text=body,
    )
    session.add(comment)
    session.flush()
    return comment


def answer(session: Session, actor, comment_id: int, decision: str, reason: str = "") -> Comment:
    """Staff answer a comment: 采纳, or 部分采纳/未采纳 with a reason."""
    require_staff(actor)
    comment = get_comment(session, comment_id)
    code = DECISIONS.parse(decision)
    errors: dict[str, str] = {}
    if code is None:
        errors["decision"] = _("处理意见应为采纳、部分采纳或未采纳。")
    reason = (reason or "").strip()
    if code in NEEDS_REASON and not reason:
        errors["reason"] = _("部分采纳或未采纳时请填写理由。")
    if len(reason) > 5000:
        errors["reason"] = _("理由过长。")
    if errors:
        raise DomainError(_("处理意见有误。"), errors)
    before = {"decision": comment.decision, "reason": comment.reason}
    comment.decision, comment.reason = code, reason
    comment.decided_by_id, comment.decided_at = actor.id, clock.now()
    audit.record(
        session,
        actor,
        "consultation.answer",
        "consultation_comment",
        comment.id,
        before,
        {"decision": code, "reason": reason},
    )
    if comment.author_id is not None:
        from portal.notify.services import notify

        clause = get_clause(session, comment.clause_id)
        notify(
            session,
            [comment.author_id],
            _l(
                "您对第%(clause)s条的意见已处理：%(decision)s",
                clause=clause.number,
                decision=DECISIONS.lazy_label(code),
            ),
            reason,
            link=f"/consultations/{clause.consultation_id}",
        )
    session.flush()
    return comment
