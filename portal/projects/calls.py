"""Calls for projects: staff open a call with the types it admits, its dates, criteria and documents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import audit
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.errors import DomainError
from portal.projects import scoring
from portal.projects.kinds import ATTACHMENT_KINDS, PROJECT_TYPES
from portal.projects.models import ProjectCall


@dataclass(frozen=True)
class CallInput:
    """Raw values from the form: criteria one a line as "名称 权重" (weights adding up to 100)."""

    title: str = ""
    description: str = ""
    types: tuple[str, ...] = ()
    opens_on: str = ""
    closes_on: str = ""
    criteria: str = ""
    documents: tuple[str, ...] = ()


_CRITERION = re.compile(r"^(.+?)[\s:：|,，]+(\d{1,3})\s*%?$")


def parse_criteria(text: str) -> list[scoring.Criterion]:
    """'技术先进性 30' lines into criteria with keys c1, c2 ...; ValueError naming what is wrong."""
    criteria = []
    for number, line in enumerate(filter(None, (ln.strip() for ln in (text or "").splitlines())), start=1):
        match = _CRITERION.match(line)
        if not match:
            raise ValueError(line)
        criteria.append(scoring.Criterion(f"c{number}", match.group(1).strip()[:100], int(match.group(2))))
    return criteria


def validate_call(data: CallInput) -> dict:
    """Clean values, or DomainError with a message per field."""
    errors: dict[str, str] = {}
    title = (data.title or "").strip()
    if not (4 <= len(title) <= 200):
        errors["title"] = _("请填写申报通知标题（4至200字）。")
    types = [code for code in (PROJECT_TYPES.parse(t) for t in data.types) if code]
    if not types or len(types) != len(data.types):
        errors["types"] = _("请选择至少一种项目类型。")
    opens = collect_date(data.opens_on, errors, "opens_on", required_message=_("请填写开始日期。"))
    closes = collect_date(data.closes_on, errors, "closes_on", required_message=_("请填写截止日期。"))
    if opens and closes and closes < opens:
        errors["closes_on"] = _("截止日期不能早于开始日期。")
    criteria: list[scoring.Criterion] = []
    try:
        criteria = parse_criteria(data.criteria)
        scoring.check_weights(criteria)
    except ValueError:
        errors["criteria"] = _("评审指标每行一项，写作“名称 权重”，权重为正整数，合计100。")
    documents = [code for code in (ATTACHMENT_KINDS.parse(d) for d in data.documents) if code]
    if len(documents) != len(data.documents) or "evidence" in documents:
        errors["documents"] = _("所需材料无法识别。")
    if errors:
        raise DomainError(_("申报通知信息有误。"), errors)
    return {
        "title": title,
        "description": (data.description or "").strip()[:10000],
        "types": types,
        "opens_on": opens,
        "closes_on": closes,
        "criteria": [{"key": c.key, "name": c.name, "weight": c.weight} for c in criteria],
        "documents": documents,
    }


def create_call(session: Session, actor, data: CallInput, *, is_demo: bool = False) -> ProjectCall:
    """Staff open a call for projects."""
    require_staff(actor)
    call = ProjectCall(**validate_call(data), is_demo=is_demo)
    session.add(call)
    session.flush()
    audit.record(session, actor, "project_call.create", "project_call", call.id, None, {"title": call.title})
    return call


def criteria_of(call: ProjectCall) -> list[scoring.Criterion]:
    """The call's criteria as the scoring module takes them."""
    return [scoring.Criterion(c["key"], c["name"], int(c["weight"])) for c in call.criteria]
