"""Member enterprises: their profile and logo, the whitelist listing, colleagues and invitations.

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits and none touches the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.auth import queries as auth_queries
from portal.auth import services as auth
from portal.core import audit, clock, roles
from portal.core.actors import require_staff
from portal.core.enums import WHITELIST_ACTIVITIES
from portal.core.files import CheckedUpload, remove_after_commit
from portal.core.tokens import hash_token, new_token
from portal.core.validators import normalise_url
from portal.errors import Conflict, DomainError, NotFound
from portal.members.checks import SEARCH_KIND, FieldErrors, check_contact, require_own
from portal.members.models import Enterprise, Invitation, WhitelistRequest
from portal.members.queries import find_invitation, get_enterprise, get_whitelist_request
from portal.notify.services import notify, queue_mail

if TYPE_CHECKING:
    from portal.auth.models import User


@dataclass(frozen=True)
class ProfileData:
    """What a member edits on its profile page; the bank fields only when its admin edits them."""

    description: str
    website: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    bank_name: str | None = None
    bank_account_name: str | None = None
    bank_account_no: str | None = None
    contact_title: str | None = None  # None leaves it as it is


# --- profile --------------------------------------------------------------------------------------


def update_profile(session: Session, actor, enterprise_id: int, data: ProfileData) -> Enterprise:
    """Edit the enterprise's profile; the bank account only by its admin (refunds depend on it)."""
    require_own(actor, enterprise_id, admin=False)
    enterprise = get_enterprise(session, enterprise_id)
    errors = FieldErrors()
    website = normalise_url(data.website)
    if website is None:
        errors.add("website", _("网址格式不正确。"))
    if len((data.address or "").strip()) < 5:
        errors.add("address", _("请填写详细地址。"))
    if not (data.contact_name or "").strip():
        errors.add("contact_name", _("请填写联系人。"))
    if data.contact_title is not None and len(data.contact_title.strip()) > 100:
        errors.add("contact_title", _("职务不能超过100个字符。"))
    phone, email = check_contact(errors, data.contact_phone, data.contact_email)
    bank_given = any(v is not None for v in (data.bank_name, data.bank_account_name, data.bank_account_no))
    if bank_given:
        require_own(actor, enterprise_id, admin=True)
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
    if data.contact_title is not None:
        enterprise.contact_title = data.contact_title.strip()
    enterprise.contact_phone = phone
    enterprise.contact_email = email
    if bank_given:
        enterprise.bank_name = (data.bank_name or "").strip()
        enterprise.bank_account_name = (data.bank_account_name or "").strip()
        enterprise.bank_account_no = (data.bank_account_no or "").replace(" ", "")
    session.flush()
    search.enqueue(session, SEARCH_KIND, enterprise.id)
    return enterprise


def set_logo(session: Session, actor, enterprise_id: int, logo: CheckedUpload) -> None:
    """Replace the enterprise's logo; the old file goes once the change is committed."""
    require_own(actor, enterprise_id, admin=False)
    enterprise = get_enterprise(session, enterprise_id)
    old = enterprise.logo_file
    enterprise.logo_file = logo.save(session).name
    session.flush()
    remove_after_commit(session, [old])


# --- whitelist ------------------------------------------------------------------------------------


def set_whitelist(session: Session, actor, enterprise_id: int, batch: int | None, activity: str | None) -> None:
    """Staff record whether (and in which batch, for which activity) a member is on the whitelist."""
    require_staff(actor)
    enterprise = get_enterprise(session, enterprise_id)
    code = WHITELIST_ACTIVITIES.parse(activity) if activity else None
    if batch is not None and (batch < 1 or batch > 50 or code is None):
        raise DomainError(_("请填写批次（正整数）并选择类别。"), {"batch": _("请填写有效的批次。")})
    listing = ("whitelist_batch", "whitelist_activity")
    before = audit.snapshot(enterprise, listing)
    enterprise.whitelist_batch = batch
    enterprise.whitelist_activity = code if batch is not None else None
    session.flush()
    after = audit.snapshot(enterprise, listing)
    audit.record(session, actor, "enterprise.whitelist", "enterprise", enterprise.id, before, after)


def request_whitelist(
    session: Session, actor, batch: int, activity: str, evidence: CheckedUpload, note: str
) -> WhitelistRequest:
    """A member asks staff to record its whitelist listing; evidence is required.

    The evidence is stored only once every check has passed, so a refused request leaves no file.
    """
    require_own(actor, actor.enterprise_id or -1, admin=True)
    if get_enterprise(session, actor.enterprise_id).membership is None:
        raise Conflict(_("只有会员单位可以申请核实白名单信息。"))
    code = WHITELIST_ACTIVITIES.parse(activity)
    errors = FieldErrors()
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
    notify(session, auth_queries.staff_ids(session), _l("白名单信息核实申请"), link="/staff/whitelist")
    return request_row


def decide_whitelist(session: Session, actor, request_id: int, approve: bool, reason: str = "") -> None:
    """Staff approve (and so record) or reject a member's whitelist request; the member is told."""
    require_staff(actor)
    row = get_whitelist_request(session, request_id)
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
    after = {"state": row.state, "reason": row.reason}
    audit.record(session, actor, "whitelist_request.decide", "whitelist_request", row.id, {"state": "pending"}, after)
    notify(
        session,
        [row.requested_by_id],
        _l("白名单信息核实：%(state)s", state=_l("已批准") if approve else _l("已驳回")),
        row.reason,
        link="/account",
    )


# --- colleagues and invitations -------------------------------------------------------------------


def invite_colleague(session: Session, actor, email: str, role: str, *, days: int = 14) -> str:
    """An enterprise admin invites a colleague by e-mail; returns the token sent."""
    require_own(actor, actor.enterprise_id or -1, admin=True)
    if role not in roles.MEMBER:
        raise DomainError(_("请选择角色。"), {"role": _("请选择角色。")})
    address = auth.normalise_email(email)
    if auth_queries.user_by_email(session, address) is not None:
        raise Conflict(_("该电子邮箱已有账户。"), {"email": _("该电子邮箱已有账户。")})
    token = new_token()
    session.add(
        Invitation(
            enterprise_id=actor.enterprise_id,
            email=address,
            role=role,
            token_hash=hash_token(token),
            invited_by_id=actor.id,
            expires_at=clock.now() + dt.timedelta(days=days),
        )
    )
    session.flush()
    enterprise = get_enterprise(session, actor.enterprise_id)
    queue_mail(
        session,
        address,
        _l("邀请您加入%(name)s的协会账户", name=enterprise.name),
        "invitation",
        token=token,
        name=enterprise.name,
        inviter=actor.name or actor.email,
    )
    return token


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


def manage_colleague(session: Session, actor, user_id: int, *, role: str | None, active: bool | None) -> None:
    """An enterprise admin changes a colleague's role or (de)activates them; the last admin stays."""
    require_own(actor, actor.enterprise_id or -1, admin=True)
    user = auth_queries.user_by_id(session, user_id)
    if user is None or user.enterprise_id != actor.enterprise_id:
        raise NotFound(_("用户不存在。"))
    if role is not None and role not in roles.MEMBER:
        raise DomainError(_("请选择角色。"), {"role": _("请选择角色。")})
    new_role = role or user.role
    new_active = user.is_active if active is None else active
    # Only an active admin who stops being one can leave the enterprise without an admin.
    steps_down = (
        user.role == roles.MEMBER_ADMIN and user.is_active and (new_role != roles.MEMBER_ADMIN or not new_active)
    )
    if steps_down and len(auth_queries.lock_enterprise_admins(session, actor.enterprise_id)) <= 1:
        raise Conflict(_("企业至少需要保留一名管理员。"))
    auth.set_member_account(session, user, role=new_role, active=new_active)
