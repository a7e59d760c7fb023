"""Checks the membership services share: errors gathered field by field, contact details, own enterprise."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.auth import services as auth
from portal.core import roles
from portal.core.actors import is_system
from portal.core.permissions import require
from portal.core.validators import normalise_phone
from portal.errors import DomainError

SEARCH_KIND = "member"  # the search source of member enterprises (portal.members.search)


@dataclass
class FieldErrors:
    """Every field's first error, raised together so a form shows them all at once."""

    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise DomainError(_("请更正标出的错误后再提交。"), self.fields)


def check_contact(errors: FieldErrors, phone: str, email: str) -> tuple[str, str]:
    """The contact phone and e-mail, normalised; their errors are added to errors."""
    normal_phone = normalise_phone(phone)
    if normal_phone is None:
        errors.add("contact_phone", _("请填写大陆手机号（如13800138000）或固定电话（如0531-88888888）。"))
    try:
        normal_email = auth.normalise_email(email)
    except DomainError:
        errors.add("contact_email", _("电子邮箱格式不正确。"))
        normal_email = email
    return normal_phone or phone, normal_email


def require_own(actor, enterprise_id: int, *, admin: bool) -> None:
    """Refuse unless actor is a user of the enterprise (with admin: its administrator)."""
    require(
        not is_system(actor) and actor.is_member and actor.enterprise_id == enterprise_id,
        _("您只能管理本企业的信息。"),
    )
    if admin:
        require(actor.role == roles.MEMBER_ADMIN, _("只有企业管理员可以执行此操作。"))
