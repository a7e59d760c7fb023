"""Accounts: passwords, login with failure limits, e-mailed tokens, sessions that can be ended."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.auth.models import AuthToken, LoginFailure, User
from portal.auth.queries import user_by_email
from portal.core import audit, clock, roles
from portal.core.actors import is_system
from portal.core.permissions import require
from portal.core.tokens import hash_token, new_token
from portal.errors import Conflict, DomainError, TooManyRequests

# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane (about 20-40 ms a check).
PRODUCTION_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
_hasher = PRODUCTION_HASHER  # the test suite swaps in argon2id's lowest cost
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """The stored form of a password (argon2id)."""
    return _hasher.hash(password)


def check_password_hash(stored: str, password: str) -> bool:
    """Whether password matches the stored hash (a damaged hash never matches)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def validate_password(password: str) -> None:
    """Refuse passwords shorter than the minimum, or made of one repeated character."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("密码至少需要%(n)d个字符。", n=MIN_PASSWORD_LENGTH),
            {"password": _("密码至少需要%(n)d个字符。", n=MIN_PASSWORD_LENGTH)},
        )
    if len(set(password)) < 3:
        raise DomainError(_("密码过于简单。"), {"password": _("密码过于简单，请使用更多不同的字符。")})


def normalise_email(raw: str) -> str:
    """Validate the syntax and lower-case the address (no DNS look-up)."""
    try:
        info = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(_("电子邮箱格式不正确。"), {"email": _("电子邮箱格式不正确。")}) from None
    return info.normalized.lower()


def _new_epoch() -> str:
    return secrets.token_hex(16)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    enterprise_id: int | None = None,
    verified: bool = False,
    is_demo: bool = False,
) -> User:
    """Create an account; member roles need an enterprise, other roles must have none."""
    if role not in roles.ALL:
        raise DomainError(_("未知角色：%(role)s", role=role), {"role": _("未知角色。")})
    if (role in roles.MEMBER) != (enterprise_id is not None):
        raise DomainError(_("企业用户必须属于一个企业，其他角色不能属于企业。"))
    email = normalise_email(email)
    validate_password(password)
    if user_by_email(session, email) is not None:
        raise Conflict(_("该电子邮箱已注册。"), {"email": _("该电子邮箱已注册。")})
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        enterprise_id=enterprise_id,
        session_epoch=_new_epoch(),
        email_verified_at=clock.now() if verified else None,
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    return user


def load_session_user(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the user only while the session's epoch is still the user's."""
    user_id, _, epoch = (session_id or "").partition(".")
    if not user_id.isdigit() or not epoch:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or not secrets.compare_digest(user.session_epoch, epoch):
        return None
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Invalidate every session of the user, including copied cookies."""
    user.session_epoch = _new_epoch()
    session.flush()


# --- login with failure limits ---------------------------------------------------------------


def _failure_keys(email: str, address: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()}"]
    if address:
        keys.append(f"address:{address}")
    return keys


def _check_throttle(session: Session, keys: list[str], limit: int, window: int) -> None:
    now = clock.now()
    since = now - dt.timedelta(seconds=window)
    for key in keys:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.key == key, LoginFailure.at > since)
        ).one()
        if count >= limit:
            retry_after = max(1, math.ceil((oldest + dt.timedelta(seconds=window) - now).total_seconds()))
            raise TooManyRequests(
                _("登录失败次数过多，请在%(n)d秒后重试。", n=retry_after),
                retry_after=retry_after,
            )


def authenticate(
    session: Session, email: str, password: str, *, address: str | None, limit: int = 5, window: int = 60
) -> User:
    """Check the password; count failures per account and per address; refuse past the limit.

    The caller must commit even when this raises, so that the failure is counted.
    """
    keys = _failure_keys(email or "", address)
    _check_throttle(session, keys, limit, window)
    user = user_by_email(session, email or "") if email else None
    ok = user is not None and check_password_hash(user.password_hash, password or "")
    if not ok:
        if user is None:
            hash_password("timing-equaliser")  # answer as slowly for unknown addresses
        now = clock.now()
        for key in keys:
            session.add(LoginFailure(key=key, at=now))
        # Old rows are only clutter; keep the table small.
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(days=1)))
        session.flush()
        raise DomainError(_("电子邮箱或密码不正确。"), {"password": _("电子邮箱或密码不正确。")})
    if not user.is_active:
        raise DomainError(_("该账户已停用，请联系协会。"))
    if user.email_verified_at is None:
        message = _("电子邮箱尚未验证：请先点击注册邮件中的链接验证您的电子邮箱。")
        raise DomainError(message, {"email": message})
    user.last_login_at = clock.now()
    session.flush()
    return user


# --- e-mailed tokens ---------------------------------------------------------------------------


def issue_token(session: Session, user: User, purpose: str, lifetime: dt.timedelta) -> str:
    """A new single-use token; earlier unused tokens of the same purpose stop working."""
    now = clock.now()
    for old in session.scalars(
        select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None))
    ):
        old.used_at = now
    token = new_token()
    session.add(AuthToken(token_hash=hash_token(token), purpose=purpose, user_id=user.id, expires_at=now + lifetime))
    session.flush()
    return token


def consume_token(session: Session, token: str, purpose: str) -> User:
    """Use a token once; raise DomainError if unknown, used or expired."""
    row = session.scalar(
        select(AuthToken).where(AuthToken.token_hash == hash_token(token or ""), AuthToken.purpose == purpose)
    )
    if row is None or row.used_at is not None:
        raise DomainError(_("链接无效或已被使用。"))
    if row.expires_at < clock.now():
        raise DomainError(_("链接已过期，请重新申请。"))
    row.used_at = clock.now()
    session.flush()
    return session.get(User, row.user_id)


class AlreadyVerified(DomainError):
    """A verification link of an address that is already verified (clicked again, or an older link)."""


def verify_email(session: Session, token: str) -> User:
    """Mark the address of the token's user as verified (the link proves it); AlreadyVerified if it was."""
    row = session.scalar(
        select(AuthToken).where(AuthToken.token_hash == hash_token(token or ""), AuthToken.purpose == "verify_email")
    )
    owner = session.get(User, row.user_id) if row is not None else None
    if owner is not None and owner.email_verified_at is not None:
        if row.used_at is None:
            row.used_at = clock.now()
            session.flush()
        raise AlreadyVerified(_("该电子邮箱已经验证过了，请直接登录。"))
    user = consume_token(session, token, "verify_email")
    user.email_verified_at = clock.now()
    session.flush()
    return user


def resend_verification(session: Session, email: str, *, hours: int, every_seconds: int = 60) -> None:
    """Mail a new verification link to an unverified active account; others (and repeats within a minute) get none.

    The caller answers the same in every case, so the form tells no one which addresses are registered.
    """
    from portal.notify.services import queue_mail

    user = user_by_email(session, email or "") if email else None
    if user is None or not user.is_active or user.email_verified_at is not None:
        return
    recent = session.scalar(
        select(func.count()).where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == "verify_email",
            AuthToken.created_at > clock.now() - dt.timedelta(seconds=every_seconds),
        )
    )
    if recent:
        return
    token = issue_token(session, user, "verify_email", dt.timedelta(hours=hours))
    queue_mail(session, user.email, _l("请验证您的电子邮箱"), "verify_email", token=token, name=user.name or user.email)


def remember_language(session: Session, user: User, code: str | None) -> None:
    """Keep the language the user chose on the account (zh_Hans_CN or en; anything else is ignored)."""
    if code in ("zh_Hans_CN", "en") and user.locale != code:
        user.locale = code
        session.flush()


def request_password_reset(session: Session, email: str, *, minutes: int) -> None:
    """E-mail a reset link to an active account with this address; unknown addresses get nothing."""
    from portal.notify.services import queue_mail

    user = user_by_email(session, email)
    if user is not None and user.is_active:
        token = issue_token(session, user, "reset_password", dt.timedelta(minutes=minutes))
        queue_mail(session, user.email, _l("重置密码"), "reset_password", token=token, minutes=minutes)


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set a new password from an e-mailed link; ends every session of the user."""
    validate_password(new_password)
    user = consume_token(session, token, "reset_password")
    user.password_hash = hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()  # the link proved the address
    end_all_sessions(session, user)
    return user


def change_password(session: Session, user: User, current: str, new_password: str) -> User:
    """Change the password after checking the current one; ends every other session."""
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError(_("当前密码不正确。"), {"current_password": _("当前密码不正确。")})
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user)
    return user


def set_role(session: Session, actor: User, user: User, role: str, *, active: bool | None = None) -> None:
    """Administrators change a non-member user's role or deactivate an account (audited)."""
    if role not in roles.INTERNAL:
        raise DomainError(_("只能设置协会内部角色。"), {"role": _("无效的角色。")})
    before = audit.snapshot(user, ("role", "is_active"))
    user.role = role
    if active is not None:
        user.is_active = active
        if not active:
            end_all_sessions(session, user)
    audit.record(session, actor, "user.role", "user", user.id, before, audit.snapshot(user, ("role", "is_active")))


def set_member_account(session: Session, user: User, *, role: str, active: bool) -> None:
    """Set a member user's role and whether the account is active; deactivating ends its sessions."""
    if role not in roles.MEMBER:
        raise DomainError(_("请选择角色。"), {"role": _("请选择角色。")})
    user.role = role
    if user.is_active and not active:
        end_all_sessions(session, user)
    user.is_active = active
    session.flush()


def create_internal_user(session: Session, actor: User, email: str, name: str, role: str) -> User:
    """An administrator creates a staff, admin, reviewer or observer account; the person sets the
    password through an e-mailed link (valid 3 days)."""
    from portal.core.enums import ROLES as ROLE_LABELS
    from portal.notify.services import queue_mail

    require(not is_system(actor) and actor.is_admin, _("只有系统管理员可以创建内部账户。"))
    if role not in roles.INTERNAL:
        raise DomainError(_("无效的角色。"), {"role": _("无效的角色。")})
    user = create_user(session, email=email, password=new_token(24), role=role, name=(name or "").strip())
    audit.record(session, actor, "user.create", "user", user.id, None, {"email": user.email, "role": role})
    token = issue_token(session, user, "reset_password", dt.timedelta(days=3))
    queue_mail(
        session,
        user.email,
        _l("您的协会门户账户"),
        "account_created",
        token=token,
        role=ROLE_LABELS.label(role, "zh"),
        role_code=role,
    )
    return user


_SAFE_NEXT = re.compile(r"^/(?![/\\])[^\s]*$")


def safe_next(target: str | None) -> str | None:
    """Only a path inside the portal: no scheme, no host, no '//' or '/\\' tricks."""
    if target and _SAFE_NEXT.match(target) and "\\" not in target:
        return target
    return None
