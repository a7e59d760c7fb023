"""Membership applications and their review: submit, check, approve, reject, ask for more, reviewers.

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits and none touches the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.auth import queries as auth_queries
from portal.auth import services as auth
from portal.core import audit, clock, roles
from portal.core.actors import is_system, require_staff
from portal.core.creditcode import CreditCodeError, validate_credit_code
from portal.core.enums import ACTIVITIES, CITIES, TIERS
from portal.core.files import CheckedUpload, remove_after_commit
from portal.errors import Conflict, DomainError, Forbidden
from portal.members import terms
from portal.members.checks import SEARCH_KIND, FieldErrors, check_contact
from portal.members.memberships import next_membership_number
from portal.members.models import Enterprise, EnterpriseActivity, Membership, MembershipApplication, ReviewAssignment
from portal.members.queries import current_application, get_application
from portal.notify.services import notify, queue_mail

if TYPE_CHECKING:
    from portal.auth.models import User


@dataclass(frozen=True)
class ApplicationData:
    """What an applicant fills in on the application form."""

    name: str
    credit_code: str
    activities: list[str]
    city: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    requested_tier: str
    password: str
    privacy_accepted: bool
    legal_representative: str = ""
    contact_title: str = ""


def submit_application(
    session: Session,
    data: ApplicationData,
    licence: CheckedUpload | None,
    *,
    licence_error: str | None = None,
    verify_hours: int = 72,
) -> MembershipApplication | None:
    """Record an application: the enterprise (as applicant), its first account (unverified), the file.

    Every field is checked before anything is written, so all errors are reported at once. An
    address that already has an account is not named to the applicant (the form accepts as for any
    other): nothing is recorded, the address's owner gets a mail saying so, and None is returned.
    """
    clean = check_application(session, data, licence, licence_error=licence_error)
    if auth_queries.user_by_email(session, clean["email"]) is not None:
        auth.hash_password(data.password)  # as slow as a real application: the answer tells nothing
        queue_mail(session, clean["email"], _l("入会申请：该邮箱已有账户"), "account_exists", name=clean["name"])
        return None
    name, code, city, tier = clean["name"], clean["credit_code"], clean["city"], clean["tier"]
    phone, email, activities = clean["phone"], clean["email"], clean["activities"]
    stored = licence.save(session)
    enterprise = Enterprise(
        name=name,
        credit_code=code,
        city=city,
        address=data.address.strip(),
        legal_representative=clean["legal_representative"],
        contact_name=data.contact_name.strip(),
        contact_title=clean["contact_title"],
        contact_phone=phone,
        contact_email=email,
        activity_rows=[EnterpriseActivity(activity=a) for a in dict.fromkeys(activities)],
    )
    session.add(enterprise)
    session.flush()
    user = auth.create_user(
        session,
        email=email,
        password=data.password,
        role=roles.MEMBER_ADMIN,
        name=data.contact_name.strip(),
        enterprise_id=enterprise.id,
    )
    application = MembershipApplication(
        enterprise_id=enterprise.id,
        applicant_id=user.id,
        requested_tier=tier,
        licence_file=stored.name,
        licence_name=stored.original_name,
        licence_mime=stored.mime,
        privacy_accepted_at=clock.now(),
    )
    session.add(application)
    session.flush()
    auth.remember_language(session, user, str(get_locale() or ""))  # the language the applicant applied in
    token = auth.issue_token(session, user, "verify_email", dt.timedelta(hours=verify_hours))
    queue_mail(session, email, _l("请验证您的电子邮箱"), "verify_email", token=token, name=enterprise.name)
    notify(
        session,
        auth_queries.staff_ids(session),
        _l("新的入会申请：%(name)s", name=enterprise.name),
        link=f"/staff/applications/{application.id}",
    )
    return application


def check_application(
    session: Session, data: ApplicationData, licence: CheckedUpload | None, *, licence_error: str | None = None
) -> dict:
    """Check every field of an application (nothing is written); DomainError lists all the errors."""
    errors = FieldErrors()
    if licence is None:
        errors.add("licence", licence_error or _("请上传营业执照或登记证书。"))
    name = (data.name or "").strip()
    if len(name) < 4:
        errors.add("name", _("请填写企业全称（营业执照上的名称）。"))
    try:
        code = validate_credit_code(data.credit_code)
    except CreditCodeError as exc:
        errors.add("credit_code", str(exc))
        code = None
    activities = [ACTIVITIES.parse(a) for a in data.activities]
    if not activities:
        errors.add("activities", _("请至少选择一项业务类型。"))
    elif None in activities:
        errors.add("activities", _("业务类型无效。"))
    city = CITIES.parse(data.city)
    if city is None:
        errors.add("city", _("请选择山东省的一个地级市。"))
    if len((data.address or "").strip()) < 5:
        errors.add("address", _("请填写详细地址。"))
    legal_representative = (data.legal_representative or "").strip()
    if not legal_representative:
        errors.add("legal_representative", _("请填写法定代表人（营业执照上的姓名）。"))
    elif len(legal_representative) > 100:
        errors.add("legal_representative", _("法定代表人不能超过100个字符。"))
    if not (data.contact_name or "").strip():
        errors.add("contact_name", _("请填写联系人。"))
    contact_title = (data.contact_title or "").strip()
    if not contact_title:
        errors.add("contact_title", _("请填写联系人的职务，例如“办公室主任”。"))
    elif len(contact_title) > 100:
        errors.add("contact_title", _("职务不能超过100个字符。"))
    phone, email = check_contact(errors, data.contact_phone, data.contact_email)
    tier = TIERS.parse(data.requested_tier)
    if tier is None:
        errors.add("requested_tier", _("请选择申请的会员级别。"))
    if not data.privacy_accepted:
        errors.add("privacy", _("请阅读并同意个人信息处理规则。"))
    try:
        auth.validate_password(data.password)
    except DomainError as exc:
        errors.add("password", exc.fields.get("password", exc.message))
    if code and session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
        errors.add("credit_code", _("该统一社会信用代码已登记，请勿重复申请；如有疑问请联系协会。"))
    # An address that already has an account is not an error here: submit_application mails its
    # owner instead, so the form never tells a stranger which addresses are registered.
    errors.raise_if_any()
    return {
        "name": name,
        "credit_code": code,
        "city": city,
        "tier": tier,
        "phone": phone,
        "email": email,
        "activities": activities,
        "legal_representative": legal_representative,
        "contact_title": contact_title,
    }


def can_view_application(user, application: MembershipApplication) -> bool:
    """Staff and observers see every application; a reviewer only those assigned to them."""
    if is_system(user) or user.role in roles.STAFF_READ:
        return True
    if user.role == roles.REVIEWER:
        return any(a.reviewer_id == user.id for a in application.assignments)
    return user.is_member and user.enterprise_id == application.enterprise_id


def _require_open(application: MembershipApplication) -> None:
    if application.state in ("approved", "rejected"):
        raise Conflict(_("该申请已处理完毕，不能再次操作。"))


def approve_application(session: Session, actor, application_id: int, tier: str | None = None) -> Membership:
    """Approve: the enterprise becomes a member with a number and a first term (see terms.first_term)."""
    require_staff(actor)
    application = get_application(session, application_id)
    _require_open(application)
    tier_code = TIERS.parse(tier) if tier else application.requested_tier
    if tier_code is None:
        raise DomainError(_("会员级别无效。"), {"tier": _("会员级别无效。")})
    applicant = auth_queries.user_by_id(session, application.applicant_id)
    if applicant is None or applicant.email_verified_at is None:
        raise Conflict(_("申请人尚未验证电子邮箱，暂不能批准。"))
    today = clock.today()
    term_start, term_end = terms.first_term(today, terms.late_join_cutoff(session))
    membership = Membership(
        enterprise_id=application.enterprise_id,
        number=next_membership_number(session, today.year),
        tier=tier_code,
        state="active",
        term_start=term_start,
        term_end=term_end,
        approved_at=clock.now(),
    )
    session.add(membership)
    _decide(application, actor, "approved")
    application.enterprise.status = "member"
    session.flush()
    search.enqueue(session, SEARCH_KIND, application.enterprise_id)
    after = {"state": "approved", "number": membership.number, "tier": tier_code, "term_end": term_end.isoformat()}
    audit.record(session, actor, "application.approve", "application", application.id, {"state": "submitted"}, after)
    name = application.enterprise.name
    title = _l("入会申请已通过，会员编号 %(number)s", number=membership.number)
    notify(session, [application.applicant_id], title, link="/account")
    queue_mail(session, applicant.email, title, "application_approved", name=name, number=membership.number)
    return membership


def _decide(application: MembershipApplication, actor, state: str) -> None:
    application.state = state
    application.decided_at = clock.now()
    application.decided_by_id = actor.id


def reject_application(session: Session, actor, application_id: int, reason: str) -> None:
    """Reject with a reason the applicant sees."""
    require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不予通过的理由。"), {"reason": _("请填写理由。")})
    application = get_application(session, application_id)
    _require_open(application)
    before = {"state": application.state}
    _decide(application, actor, "rejected")
    application.reason = reason
    application.enterprise.status = "rejected"
    session.flush()
    after = {"state": "rejected", "reason": reason}
    audit.record(session, actor, "application.reject", "application", application.id, before, after)
    _tell_applicant(session, application, _l("入会申请未通过"), "application_rejected", reason)


def request_information(session: Session, actor, application_id: int, message: str) -> None:
    """Ask the applicant for more information; the application waits for their answer."""
    require_staff(actor)
    message = (message or "").strip()
    if not message:
        raise DomainError(_("请说明需要补充的材料。"), {"reason": _("请填写需要补充的内容。")})
    application = get_application(session, application_id)
    _require_open(application)
    before = {"state": application.state}
    application.state = "info_requested"
    application.reason = message
    session.flush()
    after = {"state": "info_requested", "reason": message}
    audit.record(session, actor, "application.request_info", "application", application.id, before, after)
    _tell_applicant(session, application, _l("入会申请需要补充材料"), "application_info_requested", message)


def _tell_applicant(session: Session, application: MembershipApplication, title, template: str, text: str):
    applicant = auth_queries.user_by_id(session, application.applicant_id)
    notify(session, [application.applicant_id], title, text, link="/account")
    if applicant is not None:
        queue_mail(session, applicant.email, title, template, name=application.enterprise.name, reason=text)


def resubmit_application(session: Session, user: User, note: str, licence: CheckedUpload | None) -> None:
    """The applicant answers a request for information (optionally with a new licence file).

    A new file is stored only once the answer is accepted, so a refused one leaves no file behind.
    """
    application = current_application(session, user)
    if application is None or application.state != "info_requested":
        raise Conflict(_("当前没有需要补充材料的申请。"))
    if not (note or "").strip() and licence is None:
        raise DomainError(_("请填写说明或上传新的文件。"), {"note": _("请填写说明。")})
    if licence is not None:
        stored = licence.save(session)
        remove_after_commit(session, [application.licence_file])  # the old file goes once this commits
        application.licence_file = stored.name
        application.licence_name = stored.original_name
        application.licence_mime = stored.mime
    application.state = "submitted"
    application.reason = _("申请人补充说明：%(note)s", note=(note or "").strip()) if note else ""
    session.flush()
    notify(
        session,
        auth_queries.staff_ids(session),
        _l("申请已补充材料：%(name)s", name=application.enterprise.name),
        link=f"/staff/applications/{application.id}",
    )


def assign_reviewer(session: Session, actor, application_id: int, reviewer_id: int) -> None:
    """Staff give an application to an outside reviewer, who then sees it (and only such ones)."""
    require_staff(actor)
    application = get_application(session, application_id)
    reviewer = auth_queries.user_by_id(session, reviewer_id)
    if reviewer is None or reviewer.role != roles.REVIEWER or not reviewer.is_active:
        raise DomainError(_("请选择一位评审专家。"), {"reviewer_id": _("请选择一位评审专家。")})
    if session.get(ReviewAssignment, (application_id, reviewer_id)) is not None:
        raise Conflict(_("该专家已被指派。"))
    session.add(ReviewAssignment(application_id=application_id, reviewer_id=reviewer_id))
    session.flush()
    session.refresh(application)
    after = {"reviewer": reviewer.email}
    audit.record(session, actor, "application.assign", "application", application_id, None, after)
    notify(
        session,
        [reviewer_id],
        _l("请评审入会申请：%(name)s", name=application.enterprise.name),
        link=f"/staff/applications/{application_id}",
    )


def record_opinion(session: Session, reviewer: User, application_id: int, opinion: str, comment: str) -> None:
    """A reviewer's recommendation on an application assigned to them."""
    assignment = session.get(ReviewAssignment, (application_id, reviewer.id))
    if assignment is None:
        raise Forbidden(_("该申请没有指派给您。"))
    if opinion not in ("approve", "reject"):
        raise DomainError(_("请选择评审意见。"), {"opinion": _("请选择评审意见。")})
    assignment.opinion = opinion
    assignment.comment = (comment or "").strip()
    assignment.opinion_at = clock.now()
    session.flush()
