"""Project promotion to financiers: the lead seeks finance (amount, form); a financial institution's
account (role financier, created by administrators) sends an expression of interest, which reaches
the lead enterprise's administrators as a notification and an e-mail; staff see the matches."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock, roles
from portal.core.money import format_fen, parse_yuan
from portal.core.permissions import require
from portal.errors import Conflict, DomainError
from portal.projects import access, states
from portal.projects.kinds import FINANCE_FORMS
from portal.projects.lifecycle import KIND
from portal.projects.models import FinanceInterest, Project
from portal.projects.queries import get_project, get_public


@dataclass(frozen=True)
class FinanceInput:
    amount: str = ""  # yuan
    form: str = ""
    note: str = ""


def _amount(raw: str, errors: dict) -> int:
    try:
        value = parse_yuan((raw or "").strip())
    except ValueError:
        value = 0
    if value <= 0:
        errors["amount"] = _("请填写金额（元），例如 5000000。")
    return value


def set_seeking_finance(session: Session, actor, project_id: int, data: FinanceInput | None) -> Project:
    """The lead's administrator marks an approved project as seeking finance (None: no longer seeking)."""
    project = get_project(session, project_id)
    require(access.is_lead_admin(actor, project), _("只有牵头单位的管理员可以发布融资需求。"))
    access.require_standing(session, actor)
    if data is None:
        project.seeking_finance = False
    else:
        if project.state not in states.ACTIVE:
            raise Conflict(_("只有已立项、尚在建设或运行的项目可以发布融资需求。"))
        errors: dict[str, str] = {}
        amount = _amount(data.amount, errors)
        form = FINANCE_FORMS.parse(data.form)
        if form is None:
            errors["form"] = _("请选择融资方式。")
        if errors:
            raise DomainError(_("融资需求有误。"), errors)
        project.seeking_finance = True
        project.finance_amount_fen, project.finance_form = amount, form
        project.finance_note = (data.note or "").strip()[:5000]
    session.flush()
    search.enqueue(session, KIND, project.id)
    audit.record(session, actor, "project.finance", KIND, project.id, None, {"seeking": project.seeking_finance})
    return project


def is_financier(actor) -> bool:
    """An active financial institution's account."""
    return getattr(actor, "is_active", False) and getattr(actor, "role", None) == roles.FINANCIER


def express_interest(session: Session, actor, project_id: int, data: FinanceInput) -> FinanceInterest:
    """A financier tells the lead enterprise it is interested (amount, form, message)."""
    from portal.auth.queries import enterprise_admins
    from portal.notify.services import notify, queue_mail

    require(is_financier(actor), _("只有金融机构账户可以发送融资意向。"))
    project = get_public(session, project_id)
    if not project.seeking_finance:
        raise Conflict(_("该项目目前没有融资需求。"))
    errors: dict[str, str] = {}
    amount = _amount(data.amount, errors)
    form = FINANCE_FORMS.parse(data.form)
    if form is None:
        errors["form"] = _("请选择融资方式。")
    message = (data.note or "").strip()
    if len(message) > 5000:
        errors["note"] = _("留言不能超过5000字。")
    if errors:
        raise DomainError(_("融资意向有误。"), errors)
    interest = FinanceInterest(
        project_id=project.id,
        financier_id=actor.id,
        amount_fen=amount,
        form=form,
        message=message,
        created_at=clock.now(),
    )
    session.add(interest)
    session.flush()
    audit.record(session, actor, "project.finance_interest", KIND, project.id, None, {"interest_id": interest.id})
    admins = enterprise_admins(session, project.lead_id)
    title = _l("融资意向：%(who)s 关注项目“%(title)s”", who=actor.name or actor.email, title=project.title)
    body = _l(
        "%(form)s %(amount)s 元。%(message)s",
        form=FINANCE_FORMS.lazy_label(form),
        amount=format_fen(amount),
        message=message,
    )
    notify(session, [a.id for a in admins], title, body, f"/account/projects/{project.id}")
    for admin in admins:
        queue_mail(
            session,
            admin.email,
            title,
            "projects/finance_interest",
            project=project,
            financier=actor.name or actor.email,
            financier_email=actor.email,
            form=FINANCE_FORMS.label(form, "zh"),
            form_code=form,
            amount=format_fen(amount),
            message=message,
        )
    return interest
