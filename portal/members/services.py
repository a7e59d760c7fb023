"""Membership: applications, review, numbers, terms and fees, profiles, colleagues, whitelist.

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits and none touches the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.auth import services as auth
from portal.auth.models import User
from portal.core import audit, clock
from portal.core.creditcode import CreditCodeError, validate_credit_code
from portal.core.enums import ACTIVITIES, CITIES, MEMBERSHIP_STATES, TIERS, WHITELIST_ACTIVITIES
from portal.core.files import CheckedUpload, remove_after_commit
from portal.core.permissions import require
from portal.core.sql import insert_ignore
from portal.core.validators import normalise_phone, normalise_url
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.members.models import (
    Enterprise,
    EnterpriseActivity,
    FeePayment,
    Invitation,
    Membership,
    MembershipApplication,
    MembershipCertificate,
    MembershipCounter,
    MembershipReminder,
    ReviewAssignment,
    TierFee,
    WhitelistRequest,
)
from portal.notify.services import notify, queue_mail

NUMBER_PREFIX = "SDBRA"
SEARCH_KIND = "member"
PROFILE_FIELDS = ("name", "description", "website", "city", "address", "contact_name", "contact_phone", "contact_email")
BANK_FIELDS = ("bank_name", "bank_account_name", "bank_account_no")


# --- values coming in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationData:
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


@dataclass(frozen=True)
class ProfileData:
    description: str
    website: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    bank_name: str | None = None
    bank_account_name: str | None = None
    bank_account_no: str | None = None


@dataclass
class _Errors:
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise DomainError(_("请更正标出的错误后再提交。"), self.fields)


def _check_contact(errors: _Errors, phone: str, email: str) -> tuple[str, str]:
    normal_phone = normalise_phone(phone)
    if normal_phone is None:
        errors.add("contact_phone", _("请填写大陆手机号（如13800138000）或固定电话（如0531-88888888）。"))
    try:
        normal_email = auth.normalise_email(email)
    except DomainError:
        errors.add("contact_email", _("电子邮箱格式不正确。"))
        normal_email = email
    return normal_phone or phone, normal_email


# --- application and review ------------------------------------------------------------------------


def submit_application(
    session: Session,
    data: ApplicationData,
    licence: CheckedUpload | None,
    *,
    licence_error: str | None = None,
    verify_hours: int = 72,
) -> MembershipApplication:
    """Record an application: the enterprise (as applicant), its first account (unverified), the file.

    Every field is checked before anything is written, so all errors are reported at once.
    """
    clean = check_application(session, data, licence, licence_error=licence_error)
    name, code, city, tier = clean["name"], clean["credit_code"], clean["city"], clean["tier"]
    phone, email, activities = clean["phone"], clean["email"], clean["activities"]
    stored = licence.save(session)
    enterprise = Enterprise(
        name=name,
        credit_code=code,
        city=city,
        address=data.address.strip(),
        contact_name=data.contact_name.strip(),
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
        role="member_admin",
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
    token = auth.issue_token(session, user, "verify_email", dt.timedelta(hours=verify_hours))
    queue_mail(session, email, _("请验证您的电子邮箱"), "verify_email", token=token, name=enterprise.name)
    notify(
        session,
        _staff_ids(session),
        _("新的入会申请：%(name)s", name=enterprise.name),
        link=f"/staff/applications/{application.id}",
    )
    return application


def check_application(
    session: Session, data: ApplicationData, licence: CheckedUpload | None, *, licence_error: str | None = None
) -> dict:
    """Check every field of an application (nothing is written); DomainError lists all the errors."""
    errors = _Errors()
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
    if not (data.contact_name or "").strip():
        errors.add("contact_name", _("请填写联系人。"))
    phone, email = _check_contact(errors, data.contact_phone, data.contact_email)
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
    if "contact_email" not in errors.fields and auth.find_user_by_email(session, email) is not None:
        errors.add("contact_email", _("该电子邮箱已注册，请直接登录或换一个邮箱。"))
    errors.raise_if_any()
    return {
        "name": name,
        "credit_code": code,
        "city": city,
        "tier": tier,
        "phone": phone,
        "email": email,
        "activities": activities,
    }


def _staff_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role.in_(("staff", "admin")), User.is_active)))


def _enterprise_user_ids(session: Session, enterprise_id: int, *, admins_only: bool = False) -> list[int]:
    stmt = select(User.id).where(User.enterprise_id == enterprise_id, User.is_active)
    if admins_only:
        stmt = stmt.where(User.role == "member_admin")
    return list(session.scalars(stmt))


def get_application(session: Session, application_id: int) -> MembershipApplication:
    application = session.get(MembershipApplication, application_id)
    if application is None:
        raise NotFound(_("申请不存在。"))
    return application


def can_view_application(user: User, application: MembershipApplication) -> bool:
    """Staff and observers see every application; a reviewer only those assigned to them."""
    if user.role in ("staff", "admin", "observer"):
        return True
    if user.role == "reviewer":
        return any(a.reviewer_id == user.id for a in application.assignments)
    return user.is_member and user.enterprise_id == application.enterprise_id


def _require_open(application: MembershipApplication) -> None:
    if application.state in ("approved", "rejected"):
        raise Conflict(_("该申请已处理完毕，不能再次操作。"))


def next_membership_number(session: Session, year: int) -> str:
    """The next number of the year, e.g. SDBRA-2026-0001; sequential, unique, never reused.

    The counter row is locked (FOR UPDATE on PostgreSQL; SQLite's writer holds the whole database
    from BEGIN IMMEDIATE), so concurrent approvals never share a number: on PostgreSQL (writers at
    REPEATABLE READ) the later of two colliding approvals fails with 40001 and is run again.
    """
    insert_ignore(session, MembershipCounter, {"year": year, "last_value": 0})
    # populate_existing: a counter this session loaded in an earlier transaction must be read afresh.
    counter = session.scalar(
        select(MembershipCounter)
        .where(MembershipCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter.last_value += 1
    session.flush()
    return f"{NUMBER_PREFIX}-{year}-{counter.last_value:04d}"


def approve_application(session: Session, actor: User, application_id: int, tier: str | None = None) -> Membership:
    """Approve: the enterprise becomes a member with a number and a first term ending on 31 December."""
    require(actor.is_staff)
    application = get_application(session, application_id)
    _require_open(application)
    tier_code = TIERS.parse(tier) if tier else application.requested_tier
    if tier_code is None:
        raise DomainError(_("会员级别无效。"), {"tier": _("会员级别无效。")})
    applicant = session.get(User, application.applicant_id)
    if applicant is None or applicant.email_verified_at is None:
        raise Conflict(_("申请人尚未验证电子邮箱，暂不能批准。"))
    today = clock.today()
    membership = Membership(
        enterprise_id=application.enterprise_id,
        number=next_membership_number(session, today.year),
        tier=tier_code,
        state="active",
        term_start=today,
        term_end=dt.date(today.year, 12, 31),
        approved_at=clock.now(),
    )
    session.add(membership)
    application.state = "approved"
    application.decided_at = clock.now()
    application.decided_by_id = actor.id
    application.enterprise.status = "member"
    session.flush()
    search.enqueue(session, SEARCH_KIND, application.enterprise_id)
    audit.record(
        session,
        actor,
        "application.approve",
        "application",
        application.id,
        {"state": "submitted"},
        {"state": "approved", "number": membership.number, "tier": tier_code},
    )
    name = application.enterprise.name
    title = _("入会申请已通过，会员编号 %(number)s", number=membership.number)
    notify(session, [application.applicant_id], title, link="/account")
    queue_mail(session, applicant.email, title, "application_approved", name=name, number=membership.number)
    return membership


def reject_application(session: Session, actor: User, application_id: int, reason: str) -> None:
    """Reject with a reason the applicant sees."""
    require(actor.is_staff)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不予通过的理由。"), {"reason": _("请填写理由。")})
    application = get_application(session, application_id)
    _require_open(application)
    before = {"state": application.state}
    application.state = "rejected"
    application.reason = reason
    application.decided_at = clock.now()
    application.decided_by_id = actor.id
    application.enterprise.status = "rejected"
    session.flush()
    audit.record(
        session,
        actor,
        "application.reject",
        "application",
        application.id,
        before,
        {"state": "rejected", "reason": reason},
    )
    _tell_applicant(session, application, _("入会申请未通过"), "application_rejected", reason)


def request_information(session: Session, actor: User, application_id: int, message: str) -> None:
    """Ask the applicant for more information; the application waits for their answer."""
    require(actor.is_staff)
    message = (message or "").strip()
    if not message:
        raise DomainError(_("请说明需要补充的材料。"), {"reason": _("请填写需要补充的内容。")})
    application = get_application(session, application_id)
    _require_open(application)
    before = {"state": application.state}
    application.state = "info_requested"
    application.reason = message
    session.flush()
    audit.record(
        session,
        actor,
        "application.request_info",
        "application",
        application.id,
        before,
        {"state": "info_requested", "reason": message},
    )
    _tell_applicant(session, application, _("入会申请需要补充材料"), "application_info_requested", message)


def _tell_applicant(session: Session, application: MembershipApplication, title: str, template: str, text: str):
    applicant = session.get(User, application.applicant_id)
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
        _staff_ids(session),
        _("申请已补充材料：%(name)s", name=application.enterprise.name),
        link=f"/staff/applications/{application.id}",
    )


def current_application(session: Session, user: User) -> MembershipApplication | None:
    if user.enterprise_id is None:
        return None
    return session.scalar(
        select(MembershipApplication)
        .where(MembershipApplication.enterprise_id == user.enterprise_id)
        .order_by(MembershipApplication.id.desc())
    )


def assign_reviewer(session: Session, actor: User, application_id: int, reviewer_id: int) -> None:
    """Staff give an application to an outside reviewer, who then sees it (and only such ones)."""
    require(actor.is_staff)
    application = get_application(session, application_id)
    reviewer = session.get(User, reviewer_id)
    if reviewer is None or reviewer.role != "reviewer" or not reviewer.is_active:
        raise DomainError(_("请选择一位评审专家。"), {"reviewer_id": _("请选择一位评审专家。")})
    if session.get(ReviewAssignment, (application_id, reviewer_id)) is not None:
        raise Conflict(_("该专家已被指派。"))
    session.add(ReviewAssignment(application_id=application_id, reviewer_id=reviewer_id))
    session.flush()
    session.refresh(application)
    audit.record(
        session, actor, "application.assign", "application", application_id, None, {"reviewer": reviewer.email}
    )
    notify(
        session,
        [reviewer_id],
        _("请评审入会申请：%(name)s", name=application.enterprise.name),
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


# --- fees, terms, state ---------------------------------------------------------------------------


def set_tier_fee(session: Session, actor: User, tier: str, fee_fen: int) -> None:
    require(actor.is_staff)
    code = TIERS.parse(tier)
    if code is None:
        raise DomainError(_("会员级别无效。"), {"tier": _("会员级别无效。")})
    if fee_fen < 0:
        raise DomainError(_("会费不能为负数。"), {"fee": _("会费不能为负数。")})
    row = session.get(TierFee, code)
    before = {"annual_fee_fen": row.annual_fee_fen} if row else None
    if row is None:
        row = TierFee(tier=code, annual_fee_fen=fee_fen)
        session.add(row)
    else:
        row.annual_fee_fen = fee_fen
    session.flush()
    audit.record(session, actor, "tier_fee.set", "tier_fee", code, before, {"annual_fee_fen": fee_fen})


def tier_fees(session: Session) -> dict[str, int]:
    return {row.tier: row.annual_fee_fen for row in session.scalars(select(TierFee))}


def get_membership(session: Session, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(_("会员不存在。"))
    return membership


def record_payment(
    session: Session, actor: User, membership_id: int, term_year: int, amount_fen: int, paid_on: dt.date, note: str = ""
) -> FeePayment:
    """Record a fee payment for a term year; paying the current or next term restores an active state."""
    require(actor.is_staff)
    membership = get_membership(session, membership_id)
    errors = _Errors()
    if amount_fen <= 0:
        errors.add("amount", _("金额必须大于零。"))
    if not (2000 <= term_year <= 2100):
        errors.add("term_year", _("年度无效。"))
    if paid_on > clock.today():
        errors.add("paid_on", _("缴费日期不能晚于今天。"))
    errors.raise_if_any()
    if session.scalar(
        select(FeePayment.id).where(FeePayment.membership_id == membership_id, FeePayment.term_year == term_year)
    ):
        raise Conflict(
            _("%(year)d年度的会费已登记，不能重复登记。", year=term_year), {"term_year": _("该年度已登记。")}
        )
    payment = FeePayment(
        membership_id=membership_id,
        term_year=term_year,
        amount_fen=amount_fen,
        paid_on=paid_on,
        note=(note or "").strip()[:300],
        recorded_by_id=actor.id,
    )
    session.add(payment)
    before = audit.snapshot(membership, ("state", "term_start", "term_end"))
    session.flush()
    session.refresh(membership)
    _apply_payment(membership, clock.today())
    session.flush()
    audit.record(
        session,
        actor,
        "membership.payment",
        "membership",
        membership.id,
        before,
        {
            **audit.snapshot(membership, ("state", "term_start", "term_end")),
            "term_year": term_year,
            "amount_fen": amount_fen,
        },
    )
    return payment


def _paid_years(membership: Membership) -> set[int]:
    return {p.term_year for p in membership.payments}


def _apply_payment(membership: Membership, today: dt.date) -> None:
    """After a payment: a member in grace or lapsed whose current year is paid becomes active again."""
    if membership.state in ("grace", "lapsed") and today.year in _paid_years(membership):
        membership.term_start = max(dt.date(today.year, 1, 1), membership.term_start)
        membership.term_end = dt.date(today.year, 12, 31)
        membership.state = "active"


def suspend(session: Session, actor: User, membership_id: int, reason: str) -> None:
    require(actor.is_staff)
    membership = get_membership(session, membership_id)
    if not (reason or "").strip():
        raise DomainError(_("请填写暂停的原因。"), {"reason": _("请填写原因。")})
    if membership.state == "suspended":
        raise Conflict(_("该会员已处于暂停状态。"))
    before = {"state": membership.state}
    membership.state = "suspended"
    membership.suspended_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "membership.suspend",
        "membership",
        membership.id,
        before,
        {"state": "suspended", "reason": reason.strip()},
    )
    notify(
        session,
        _enterprise_user_ids(session, membership.enterprise_id, admins_only=True),
        _("会员资格已暂停"),
        reason.strip(),
        link="/account",
    )


def reinstate(session: Session, actor: User, membership_id: int) -> None:
    require(actor.is_staff)
    membership = get_membership(session, membership_id)
    if membership.state != "suspended":
        raise Conflict(_("该会员未被暂停。"))
    membership.suspended_reason = ""
    membership.state = _state_for_date(membership, clock.today(), grace_days=None)
    session.flush()
    audit.record(
        session,
        actor,
        "membership.reinstate",
        "membership",
        membership.id,
        {"state": "suspended"},
        {"state": membership.state},
    )
    notify(
        session,
        _enterprise_user_ids(session, membership.enterprise_id, admins_only=True),
        _("会员资格已恢复"),
        link="/account",
    )


def _state_for_date(membership: Membership, today: dt.date, grace_days: int | None) -> str:
    if today <= membership.term_end:
        return "active"
    if grace_days is None or today <= membership.term_end + dt.timedelta(days=grace_days):
        return "grace"
    return "lapsed"


def run_membership_cycle(session: Session, today: dt.date, *, grace_days: int, reminder_days=(30, 7)) -> dict:
    """The daily membership job: renew paid terms, send reminders, start grace, lapse the unpaid."""
    counts = {"renewed": 0, "reminded": 0, "grace": 0, "lapsed": 0}
    memberships = session.scalars(select(Membership).where(Membership.state.in_(("active", "grace")))).all()
    for membership in memberships:
        paid = _paid_years(membership)
        # Roll a term over when its end has passed and the next year is paid.
        while today > membership.term_end and membership.term_end.year + 1 in paid:
            year = membership.term_end.year + 1
            membership.term_start = dt.date(year, 1, 1)
            membership.term_end = dt.date(year, 12, 31)
            membership.state = "active"
            counts["renewed"] += 1
        days_left = (membership.term_end - today).days
        next_paid = membership.term_end.year + 1 in paid
        # Only the nearest reminder window counts: once the 7-day reminder has gone out, a 30-day
        # one that was never sent (a member approved in late December) must not follow it.
        window = min((days for days in reminder_days if 0 <= days_left <= days), default=None)
        due = membership.state == "active" and not next_paid and window is not None
        if due and _send_once(session, membership, f"days_{window}"):
            _tell_members(
                session,
                membership,
                _("会员资格将于%(date)s到期，请及时续费", date=membership.term_end.isoformat()),
                "renewal_reminder",
                days_left=days_left,
            )
            counts["reminded"] += 1
        state = _state_for_date(membership, today, grace_days)
        if state == membership.state:
            continue
        membership.state = state
        if state == "grace" and _send_once(session, membership, "grace"):
            counts["grace"] += 1
            _tell_members(
                session, membership, _("会员资格已到期，进入宽限期"), "membership_grace", grace_days=grace_days
            )
        elif state == "lapsed":
            counts["lapsed"] += 1
            if _send_once(session, membership, "lapsed"):
                _tell_members(session, membership, _("会员资格已失效"), "membership_lapsed")
    session.flush()
    return counts


def _send_once(session: Session, membership: Membership, kind: str) -> bool:
    exists = session.scalar(
        select(MembershipReminder.id).where(
            MembershipReminder.membership_id == membership.id,
            MembershipReminder.term_end == membership.term_end,
            MembershipReminder.kind == kind,
        )
    )
    if exists:
        return False
    session.add(MembershipReminder(membership_id=membership.id, term_end=membership.term_end, kind=kind))
    session.flush()
    return True


def _tell_members(session: Session, membership: Membership, title: str, template: str, **context) -> None:
    admins = session.scalars(
        select(User).where(User.enterprise_id == membership.enterprise_id, User.role == "member_admin", User.is_active)
    ).all()
    notify(session, [u.id for u in admins], title, link="/account")
    for user in admins:
        queue_mail(session, user.email, title, template, membership=_membership_plain(membership), **context)


def _membership_plain(membership: Membership) -> dict:
    return {
        "number": membership.number,
        "name": membership.enterprise.name,
        "term_end": membership.term_end.isoformat(),
        "tier": membership.tier,
    }


# --- profile, whitelist, colleagues --------------------------------------------------------------


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(_("企业不存在。"))
    return enterprise


def is_admitted_member(session: Session, user) -> bool:
    """A user of an enterprise that is an admitted member (an applicant's users are not)."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_member", False)):
        return False
    enterprise = session.get(Enterprise, user.enterprise_id)
    return enterprise is not None and enterprise.status == "member"


def _require_own(actor: User, enterprise_id: int, *, admin: bool) -> None:
    require(actor.is_member and actor.enterprise_id == enterprise_id, _("您只能管理本企业的信息。"))
    if admin:
        require(actor.role == "member_admin", _("只有企业管理员可以执行此操作。"))


def update_profile(session: Session, actor: User, enterprise_id: int, data: ProfileData) -> Enterprise:
    """Edit the enterprise's profile; the bank account only by its admin (refunds depend on it)."""
    _require_own(actor, enterprise_id, admin=False)
    enterprise = get_enterprise(session, enterprise_id)
    errors = _Errors()
    website = normalise_url(data.website)
    if website is None:
        errors.add("website", _("网址格式不正确。"))
    if len((data.address or "").strip()) < 5:
        errors.add("address", _("请填写详细地址。"))
    if not (data.contact_name or "").strip():
        errors.add("contact_name", _("请填写联系人。"))
    phone, email = _check_contact(errors, data.contact_phone, data.contact_email)
    bank_given = any(v is not None for v in (data.bank_name, data.bank_account_name, data.bank_account_no))
    if bank_given:
        _require_own(actor, enterprise_id, admin=True)
        account = (data.bank_account_no or "").replace(" ", "")
        if account and not (account.isdigit() and 8 <= len(account) <= 30):
            errors.add("bank_account_no", _("银行账号应为8至30位数字。"))
    if len(data.description or "") > 5000:
        errors.add("description", _("简介不能超过5000字。"))
    errors.raise_if_any()
    enterprise.description = (data.description or "").strip()
    enterprise.website = website or ""
    enterprise.address = data.address.strip()
    enterprise.contact_name = data.contact_name.strip()
    enterprise.contact_phone = phone
    enterprise.contact_email = email
    if bank_given:
        enterprise.bank_name = (data.bank_name or "").strip()
        enterprise.bank_account_name = (data.bank_account_name or "").strip()
        enterprise.bank_account_no = (data.bank_account_no or "").replace(" ", "")
    session.flush()
    search.enqueue(session, SEARCH_KIND, enterprise.id)
    return enterprise


def set_logo(session: Session, actor: User, enterprise_id: int, logo: CheckedUpload) -> None:
    """Replace the enterprise's logo; the old file goes once the change is committed."""
    _require_own(actor, enterprise_id, admin=False)
    enterprise = get_enterprise(session, enterprise_id)
    old = enterprise.logo_file
    enterprise.logo_file = logo.save(session).name
    session.flush()
    remove_after_commit(session, [old])


def set_whitelist(session: Session, actor: User, enterprise_id: int, batch: int | None, activity: str | None) -> None:
    """Staff record whether (and in which batch, for which activity) a member is on the whitelist."""
    require(actor.is_staff)
    enterprise = get_enterprise(session, enterprise_id)
    code = WHITELIST_ACTIVITIES.parse(activity) if activity else None
    if batch is not None and (batch < 1 or batch > 50 or code is None):
        raise DomainError(_("请填写批次（正整数）并选择类别。"), {"batch": _("请填写有效的批次。")})
    before = audit.snapshot(enterprise, ("whitelist_batch", "whitelist_activity"))
    enterprise.whitelist_batch = batch
    enterprise.whitelist_activity = code if batch is not None else None
    session.flush()
    audit.record(
        session,
        actor,
        "enterprise.whitelist",
        "enterprise",
        enterprise.id,
        before,
        audit.snapshot(enterprise, ("whitelist_batch", "whitelist_activity")),
    )


def request_whitelist(
    session: Session, actor: User, batch: int, activity: str, evidence: CheckedUpload, note: str
) -> WhitelistRequest:
    """A member asks staff to record its whitelist listing; evidence is required.

    The evidence is stored only once every check has passed, so a refused request leaves no file.
    """
    _require_own(actor, actor.enterprise_id or -1, admin=True)
    if get_enterprise(session, actor.enterprise_id).membership is None:
        raise Conflict(_("只有会员单位可以申请核实白名单信息。"))
    code = WHITELIST_ACTIVITIES.parse(activity)
    errors = _Errors()
    if not (1 <= batch <= 50):
        errors.add("batch", _("批次应为正整数。"))
    if code is None:
        errors.add("activity", _("请选择类别。"))
    errors.raise_if_any()
    if session.scalar(
        select(WhitelistRequest.id).where(
            WhitelistRequest.enterprise_id == actor.enterprise_id, WhitelistRequest.state == "pending"
        )
    ):
        raise Conflict(_("已有一份待处理的申请。"))
    stored = evidence.save(session)
    request_row = WhitelistRequest(
        enterprise_id=actor.enterprise_id,
        batch=batch,
        activity=code,
        evidence_file=stored.name,
        evidence_name=stored.original_name,
        evidence_mime=stored.mime,
        note=(note or "").strip(),
        requested_by_id=actor.id,
    )
    session.add(request_row)
    session.flush()
    notify(session, _staff_ids(session), _("白名单信息核实申请"), link="/staff/whitelist")
    return request_row


def decide_whitelist(session: Session, actor: User, request_id: int, approve: bool, reason: str = "") -> None:
    require(actor.is_staff)
    row = session.get(WhitelistRequest, request_id)
    if row is None:
        raise NotFound(_("申请不存在。"))
    if row.state != "pending":
        raise Conflict(_("该申请已处理。"))
    if not approve and not (reason or "").strip():
        raise DomainError(_("请填写驳回理由。"), {"reason": _("请填写理由。")})
    row.state = "approved" if approve else "rejected"
    row.reason = (reason or "").strip()
    row.decided_by_id = actor.id
    row.decided_at = clock.now()
    session.flush()
    if approve:
        set_whitelist(session, actor, row.enterprise_id, row.batch, row.activity)
    audit.record(
        session,
        actor,
        "whitelist_request.decide",
        "whitelist_request",
        row.id,
        {"state": "pending"},
        {"state": row.state, "reason": row.reason},
    )
    notify(
        session,
        [row.requested_by_id],
        _("白名单信息核实：%(state)s", state=_("已批准") if approve else _("已驳回")),
        row.reason,
        link="/account",
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_colleague(session: Session, actor: User, email: str, role: str, *, days: int = 14) -> str:
    """An enterprise admin invites a colleague by e-mail; returns the token sent."""
    _require_own(actor, actor.enterprise_id or -1, admin=True)
    if role not in ("member_admin", "member_editor"):
        raise DomainError(_("请选择角色。"), {"role": _("请选择角色。")})
    address = auth.normalise_email(email)
    if auth.find_user_by_email(session, address) is not None:
        raise Conflict(_("该电子邮箱已有账户。"), {"email": _("该电子邮箱已有账户。")})
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            enterprise_id=actor.enterprise_id,
            email=address,
            role=role,
            token_hash=_hash(token),
            invited_by_id=actor.id,
            expires_at=clock.now() + dt.timedelta(days=days),
        )
    )
    session.flush()
    enterprise = get_enterprise(session, actor.enterprise_id)
    queue_mail(
        session,
        address,
        _("邀请您加入%(name)s的协会账户", name=enterprise.name),
        "invitation",
        token=token,
        name=enterprise.name,
        inviter=actor.name or actor.email,
    )
    return token


def find_invitation(session: Session, token: str) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token or "")))
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise DomainError(_("邀请链接无效或已被使用。"))
    if invitation.expires_at < clock.now():
        raise DomainError(_("邀请链接已过期，请联系贵单位管理员重新邀请。"))
    return invitation


def accept_invitation(session: Session, token: str, name: str, password: str) -> User:
    """Create the invited colleague's account (the e-mail is verified by the link itself)."""
    invitation = find_invitation(session, token)
    if not (name or "").strip():
        raise DomainError(_("请填写姓名。"), {"name": _("请填写姓名。")})
    user = auth.create_user(
        session,
        email=invitation.email,
        password=password,
        role=invitation.role,
        name=name.strip(),
        enterprise_id=invitation.enterprise_id,
        verified=True,
    )
    invitation.accepted_at = clock.now()
    session.flush()
    return user


def colleagues(session: Session, enterprise_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.enterprise_id == enterprise_id).order_by(User.id)))


def pending_invitations(session: Session, enterprise_id: int) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.enterprise_id == enterprise_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > clock.now(),
            )
            .order_by(Invitation.id)
        )
    )


def manage_colleague(session: Session, actor: User, user_id: int, *, role: str | None, active: bool | None) -> None:
    """An enterprise admin changes a colleague's role or (de)activates them; the last admin stays."""
    _require_own(actor, actor.enterprise_id or -1, admin=True)
    user = session.get(User, user_id)
    if user is None or user.enterprise_id != actor.enterprise_id:
        raise NotFound(_("用户不存在。"))
    if role is not None and role not in ("member_admin", "member_editor"):
        raise DomainError(_("请选择角色。"), {"role": _("请选择角色。")})
    new_role = role or user.role
    new_active = user.is_active if active is None else active
    # Only an active admin who stops being one can leave the enterprise without an admin.
    if user.role == "member_admin" and user.is_active and (new_role != "member_admin" or not new_active):
        # Lock the active admins' rows: two admins demoting each other at the same moment would
        # otherwise each count two admins and both succeed (write skew at REPEATABLE READ).
        admins = session.scalars(
            select(User.id)
            .where(User.enterprise_id == actor.enterprise_id, User.role == "member_admin", User.is_active)
            .with_for_update()
        ).all()
        if len(admins) <= 1:
            raise Conflict(_("企业至少需要保留一名管理员。"))
    user.role = new_role
    if user.is_active and not new_active:
        auth.end_all_sessions(session, user)
    user.is_active = new_active
    session.flush()


# --- certificate --------------------------------------------------------------------------------


def certificate_context(session: Session, actor: User) -> dict:
    """Plain values for the membership certificate of the actor's enterprise (issued once per term)."""
    _require_own(actor, actor.enterprise_id or -1, admin=True)
    enterprise = get_enterprise(session, actor.enterprise_id)
    membership = enterprise.membership
    if membership is None:
        raise Conflict(_("贵单位尚未成为会员，暂无会员证书。"))
    if membership.state not in ("active", "grace"):
        raise Conflict(
            _("会员资格当前无效（%(state)s），不能下载证书。", state=MEMBERSHIP_STATES.label(membership.state))
        )
    year = membership.term_end.year
    certificate = session.scalar(
        select(MembershipCertificate).where(
            MembershipCertificate.membership_id == membership.id, MembershipCertificate.term_year == year
        )
    )
    if certificate is None:
        certificate = MembershipCertificate(
            membership_id=membership.id,
            term_year=year,
            number=f"{membership.number}-Z{year}",
            verification_code=secrets.token_hex(8).upper(),
        )
        session.add(certificate)
        session.flush()
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "number": membership.number,
        "tier": TIERS.label(membership.tier, "zh"),
        "tier_en": TIERS.label(membership.tier, "en"),
        "term_start": membership.term_start.strftime("%Y年%m月%d日"),
        "term_end": membership.term_end.strftime("%Y年%m月%d日"),
        "certificate_number": certificate.number,
        "verification_code": certificate.verification_code,
        "issued_on": clock.local(certificate.issued_at).strftime("%Y年%m月%d日"),
    }
