"""Who may do what. Views use the decorators; services call ``require`` with the acting user.

The roles themselves are named in portal.core.roles; actors (users and system actors) are checked
with portal.core.actors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user

from portal.core.roles import MEMBER, STAFF, STAFF_READ

__all__ = [
    "MEMBER",
    "STAFF",
    "STAFF_READ",
    "admin_required",
    "can_see_members_only",
    "enterprise_admin_required",
    "has_role",
    "member_required",
    "require",
    "require_members_only",
    "roles_required",
    "staff_read_required",
    "staff_required",
]


def has_role(user, roles) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active and user.role in roles)


def can_see_members_only(session, user) -> bool:
    """Members-only material (files, comment rounds, documents in the search): admitted members,
    staff and observers. The one rule every feature asks."""
    if has_role(user, STAFF_READ):
        return True
    from portal.members.queries import is_admitted_member

    return is_admitted_member(session, user)


def require_members_only(session, user) -> None:
    """Raise Forbidden unless can_see_members_only; a suspended or lapsed member is told why and what to do."""
    if can_see_members_only(session, user):
        return
    from flask_babel import gettext as _

    from portal.members.queries import standing_refusal

    require(False, standing_refusal(session, user) or _("本内容仅对会员企业开放。"))


def roles_required(*roles: str) -> Callable:
    """Refuse (403, or the login page for anonymous visitors) unless the user holds one of roles."""
    allowed = frozenset(roles)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            if not has_role(current_user, allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


staff_required = roles_required(*STAFF)
staff_read_required = roles_required(*STAFF_READ)
member_required = roles_required(*MEMBER)
enterprise_admin_required = roles_required("member_admin")
admin_required = roles_required("admin")


def require(condition: bool, message: str | None = None) -> None:
    """Raise Forbidden unless condition holds (for services)."""
    if not condition:
        from flask_babel import gettext as _

        from portal.errors import Forbidden

        raise Forbidden(message or _("您没有权限执行此操作。"))
