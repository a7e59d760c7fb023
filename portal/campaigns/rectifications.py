"""Rectification: the operator's admin answers a finding with evidence; staff accept or reject the answer.

Like every service these take a session and plain values, flush and raise DomainError; none commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.auth.queries import staff_ids
from portal.campaigns import queries
from portal.campaigns.models import RectificationAnswer, RectificationFile
from portal.campaigns.services import EVIDENCE_KINDS, TEXT_MAX, notify_operator
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.files import CheckedUpload
from portal.core.permissions import require
from portal.core.roles import MEMBER_ADMIN
from portal.errors import Conflict, DomainError
from portal.notify.services import notify
from portal.outlets import queries as outlet_queries
from portal.outlets import services as outlet_services


def answer_rectification(
    session: Session, actor, inspection_id: int, text: str, evidence: Sequence[CheckedUpload]
) -> RectificationAnswer:
    """The operator's enterprise admin answers a rectification finding with a text and evidence files."""
    inspection = queries.get_inspection(session, inspection_id)
    outlet = outlet_queries.get_outlet(session, inspection.outlet_id)
    require(
        actor.role == MEMBER_ADMIN
        and actor.enterprise_id is not None
        and actor.enterprise_id == outlet.operator_enterprise_id,
        _("只有该网点运营企业的管理员可以答复整改。"),
    )
    if inspection.rectification_state == "answered":
        raise Conflict(_("整改情况已提交，正在等待协会审核。"))
    if inspection.rectification_state != "open":
        raise Conflict(_("该核查结论没有待答复的整改要求。"))
    errors: dict[str, str] = {}
    body = (text or "").strip()
    if len(body) < 5:
        errors["text"] = _("请说明整改情况（至少5个字）。")
    elif len(body) > TEXT_MAX:
        errors["text"] = _("整改说明不能超过%(n)d字。", n=TEXT_MAX)
    if not evidence:
        errors["evidence"] = _("请上传整改证明材料（PDF、JPG 或 PNG）。")
    elif len(evidence) > current_app.config["UPLOAD_MAX_RECTIFICATION_FILES"]:
        errors["evidence"] = _("证明材料最多%(n)d个文件。", n=current_app.config["UPLOAD_MAX_RECTIFICATION_FILES"])
    elif any(f.kind not in EVIDENCE_KINDS for f in evidence):
        errors["evidence"] = _("证明材料只接受 PDF、JPG 或 PNG 文件。")
    if errors:
        raise DomainError(_("整改答复有误，请更正标出的项目。"), errors)
    answer = RectificationAnswer(inspection_id=inspection.id, text=body, answered_by_id=actor.id)
    for upload in evidence:
        stored = upload.save(session)
        answer.files.append(
            RectificationFile(file=stored.name, original_name=stored.original_name, mime=stored.mime, size=stored.size)
        )
    session.add(answer)
    inspection.rectification_state = "answered"
    session.flush()
    notify(
        session,
        staff_ids(session),
        _l("整改答复待审核：%(o)s", o=outlet.name),
        body[:200],
        link=f"/staff/inspections/{inspection.id}",
    )
    return answer


def decide_rectification(
    session: Session, actor, inspection_id: int, accept: bool, reason: str = ""
) -> RectificationAnswer:
    """Staff close a rectification: accept (the outlet becomes 合规, verified today) or reject with a reason."""
    require_staff(actor)
    inspection = queries.get_inspection(session, inspection_id)
    if inspection.rectification_state != "answered" or not inspection.answers:
        raise Conflict(_("没有待审核的整改答复。"))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(_("请填写驳回理由，企业将看到它。"), {"reason": _("请填写驳回理由。")})
    if len(reason) > TEXT_MAX:
        raise DomainError(_("理由不能超过%(n)d字。", n=TEXT_MAX), {"reason": _("理由过长。")})
    outlet = outlet_queries.get_outlet(session, inspection.outlet_id)
    campaign = queries.get_campaign(session, inspection.campaign_id)
    answer = inspection.answers[-1]
    answer.decision = "accepted" if accept else "rejected"
    answer.decision_reason = reason
    answer.decided_by_id = actor.id
    answer.decided_at = clock.now()
    inspection.rectification_state = "accepted" if accept else "open"
    session.flush()
    if accept:
        outlet_services.set_status(
            session, actor, outlet.id, "compliant", _("%(c)s：整改通过", c=campaign.name), verified_on=clock.today()
        )
    audit.record(
        session,
        actor,
        "rectification.accept" if accept else "rectification.reject",
        "inspection",
        inspection.id,
        {"rectification_state": "answered"},
        {"rectification_state": inspection.rectification_state, "answer_id": answer.id, "reason": reason},
    )
    title = _l("整改已通过：%(o)s", o=outlet.name) if accept else _l("整改未通过，请继续整改：%(o)s", o=outlet.name)
    notify_operator(session, outlet, inspection, title, reason)
    return answer
