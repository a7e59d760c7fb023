"""API tokens: created by an enterprise's admin (or a command), shown once, stored hashed, revocable.

``authenticate`` turns an ``Authorization: Bearer`` header into a TokenActor; every feature's API
asks ``require_scope`` for what it needs. The deposit and project APIs use the same tokens.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.api.models import ApiToken
from portal.core import audit, clock
from portal.core.actors import TokenActor, actor_label, is_staff
from portal.core.enums import Enumeration, Item
from portal.core.permissions import require
from portal.core.tokens import hash_token, new_token
from portal.errors import DomainError, Forbidden, NotFound, Unauthorized

log = logging.getLogger(__name__)

TOKEN_PREFIX = "sdbr_"  # noqa: S105  (a recognisable prefix, not a secret)

SCOPES = Enumeration(
    "api_scope",
    [
        Item("batteries:read", "读取电池与溯源记录", "Read batteries and their chains"),
        Item("batteries:write", "登记电池、报送溯源事件", "Register batteries and report events"),
        Item("deposits:write", "为电池包缴纳押金", "Bill deposits on packs"),
        Item("ledger:read", "读取押金账户余额与明细", "Read deposit balances and statements"),
    ],
)


def _check_admin_of(actor, enterprise_id: int) -> None:
    """An enterprise's own admin, or staff, manages its tokens."""
    own_admin = (
        getattr(actor, "role", None) == "member_admin" and getattr(actor, "enterprise_id", None) == enterprise_id
    )
    require(own_admin or is_staff(actor), _("只有本企业管理员或协会工作人员可以管理接口令牌。"))


def create_token(session: Session, actor, enterprise_id: int, name: str, scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """Create a token for the enterprise; returns the row and the secret (shown once, never stored)."""
    _check_admin_of(actor, enterprise_id)
    from portal.members.queries import get_enterprise

    enterprise = get_enterprise(session, enterprise_id)
    if enterprise.status != "member":
        raise DomainError(_("只有已入会的会员单位可以创建接口令牌。"))
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("请填写令牌名称，例如“MES系统”。")
    elif len(name) > 100:
        errors["name"] = _("令牌名称不能超过100个字符。")
    chosen = sorted({s for s in scopes if s})
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        errors["scopes"] = _("未知的权限范围：%(scopes)s。", scopes="、".join(unknown))
    elif not chosen:
        errors["scopes"] = _("请至少选择一项权限范围。")
    if errors:
        raise DomainError(_("令牌未创建，请检查填写的内容。"), errors)
    secret = TOKEN_PREFIX + new_token(32)
    token = ApiToken(
        enterprise_id=enterprise_id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        scopes=chosen,
        created_by=actor_label(actor),
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "api_token.create", "api_token", token.id, after={"name": name, "scopes": chosen})
    return token, secret


def revoke_token(session: Session, actor, token_id: int) -> ApiToken:
    """Revoke a token at once: every later call with it is answered 401."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("接口令牌不存在。"))
    _check_admin_of(actor, token.enterprise_id)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.revoked_by = actor_label(actor)
        session.flush()
        audit.record(session, actor, "api_token.revoke", "api_token", token.id, before={"name": token.name})
    return token


def tokens_of(session: Session, enterprise_id: int) -> list[ApiToken]:
    """An enterprise's tokens, newest first (revoked ones too)."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.enterprise_id == enterprise_id).order_by(ApiToken.id.desc()))
    )


def all_tokens(session: Session, *, active_only: bool = False) -> list[ApiToken]:
    """Every token (for staff), newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if active_only:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query))


# The table's columns, not the ORM row, in a statement built once: every API call asks (nothing is changed
# through it), and a Core statement skips the ORM's compile and load steps.
_TOKENS = ApiToken.__table__
BY_HASH = select(
    *(_TOKENS.c[name] for name in ("id", "name", "enterprise_id", "scopes", "last_used_at", "revoked_at"))
).where(_TOKENS.c.token_hash == bindparam("token_hash"))


def authenticate(session: Session, header: str, *, touch: bool = False) -> TokenActor:
    """The actor of an ``Authorization: Bearer <token>`` header; Unauthorized when unknown or revoked.

    With touch (a writing call), the token's last use is remembered, coarsely.
    """
    scheme, _sep, secret = (header or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized(_("认证信息格式应为“Authorization: Bearer <令牌>”。"))
    token = session.execute(BY_HASH, {"token_hash": hash_token(secret)}).first()
    if token is None or token.revoked_at is not None:
        raise Unauthorized(_("接口令牌无效或已被撤销。"))
    now = clock.now()
    if touch and (token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300):
        # In a transaction of its own once the call has committed: concurrent calls with one token
        # must not collide on the token's row (a lost update of this time does not matter).
        from portal.core import uow

        uow.current_uow().after_commit(lambda: _touch(token.id, now))
    return TokenActor(token.id, token.name, token.enterprise_id, frozenset(token.scopes))


def _touch(token_id: int, now) -> None:
    """Remember when a token last wrote (best effort)."""
    from sqlalchemy import or_, update

    from portal.core import uow

    stale = now - dt.timedelta(minutes=5)
    try:
        with uow.unit_of_work() as session:
            session.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale))
                .values(last_used_at=now)
            )
    except Exception:  # a busy token row must not fail the call that has already succeeded
        log.info("could not record the last use of token %s", token_id)


def require_scope(actor, scope: str) -> None:
    """Refuse (403) a token without scope; users logged in through the browser are not limited by scopes."""
    if isinstance(actor, TokenActor) and scope not in actor.scopes:
        raise Forbidden(_("此接口令牌没有“%(scope)s”权限范围。", scope=scope))


SCOPE_HELP = _l("令牌只显示这一次，请立即复制保存；协会只保存它的摘要，无法找回。")
