"""Read-side look-ups of accounts: by e-mail, by enterprise, the association's internal users.

Other features (members, campaigns) reach the users table only through these functions.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.core import roles


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this address, compared without regard to case."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def users_of_enterprise(session: Session, enterprise_id: int) -> list[User]:
    """Every account of an enterprise (active or not), oldest first."""
    return list(session.scalars(select(User).where(User.enterprise_id == enterprise_id).order_by(User.id)))


def enterprise_admins(session: Session, enterprise_id: int) -> list[User]:
    """The enterprise's active administrators."""
    return list(
        session.scalars(
            select(User).where(User.enterprise_id == enterprise_id, User.role == roles.MEMBER_ADMIN, User.is_active)
        )
    )


def enterprise_user_ids(session: Session, enterprise_id: int, *, admins_only: bool = False) -> list[int]:
    """Ids of the enterprise's active accounts (or only its administrators)."""
    stmt = select(User.id).where(User.enterprise_id == enterprise_id, User.is_active)
    if admins_only:
        stmt = stmt.where(User.role == roles.MEMBER_ADMIN)
    return list(session.scalars(stmt))


def lock_enterprise_admins(session: Session, enterprise_id: int) -> list[int]:
    """Ids of the enterprise's active administrators, their rows locked until the transaction ends.

    Two admins demoting each other at the same moment would otherwise each count two admins and
    both succeed (write skew at REPEATABLE READ).
    """
    return list(
        session.scalars(
            select(User.id)
            .where(User.enterprise_id == enterprise_id, User.role == roles.MEMBER_ADMIN, User.is_active)
            .with_for_update()
        )
    )


def staff_ids(session: Session) -> list[int]:
    """Ids of the active staff and administrators (who are told of new work)."""
    return list(session.scalars(select(User.id).where(User.role.in_(roles.STAFF), User.is_active)))


def reviewers(session: Session) -> list[User]:
    """Active outside reviewers, by e-mail."""
    return list(session.scalars(select(User).where(User.role == roles.REVIEWER, User.is_active).order_by(User.email)))


def internal_users(session: Session) -> list[User]:
    """The association's own accounts (no enterprise), oldest first."""
    return list(session.scalars(select(User).where(User.enterprise_id.is_(None)).order_by(User.id)))


def user_ids_with_role(session: Session, role: str) -> list[int]:
    """Active users holding the role (for example the administrators, to be told of a failed check)."""
    return list(session.scalars(select(User.id).where(User.role == role, User.is_active.is_(True)).order_by(User.id)))


def locales_of(session: Session, user_ids) -> dict[int, str | None]:
    """The language each of these users chose (zh_Hans_CN, en, or None when never chosen), by id."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {row.id: row.locale for row in session.execute(select(User.id, User.locale).where(User.id.in_(ids)))}
