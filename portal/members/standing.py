"""Membership standing: the one rule for "admitted member" and the words that say why a door is closed.

An enterprise is an admitted member, with every member privilege, while its membership is active or
in its grace period. A suspended or lapsed member keeps read access to its own records (the member
area, its outlets, registry and ledger pages); members-only material, comment rounds, event
registration and managing outlets are closed, and the refusal names the state and what to do.
Read side only: nothing here writes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.enums import MEMBERSHIP_STATES
from portal.errors import Forbidden
from portal.members.models import Enterprise, Membership

GOOD_STATES = ("active", "grace")


def membership_of(session: Session, enterprise_id: int | None) -> Membership | None:
    """The membership of an admitted member enterprise, or None (applicants, rejected, unknown)."""
    if enterprise_id is None:
        return None
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.status != "member":
        return None
    return enterprise.membership


def in_good_standing(session: Session, enterprise_id: int | None) -> bool:
    """Is the enterprise an admitted member whose membership is valid (active or in its grace period)?

    One query for the two columns it needs: every API posting asks, and loading the enterprise with its
    relationships cost four round trips.
    """
    if enterprise_id is None:
        return False
    state = session.scalar(
        select(Membership.state)
        .join(Enterprise, Enterprise.id == Membership.enterprise_id)
        .where(Enterprise.id == enterprise_id, Enterprise.status == "member")
    )
    return state in GOOD_STATES


def _member_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_member", False))


def is_admitted_member(session: Session, user) -> bool:
    """A user of an enterprise in good standing (active or grace); applicants, suspended and lapsed are not."""
    return _member_user(user) and in_good_standing(session, user.enterprise_id)


def closed_reason(membership: Membership) -> str | None:
    """Why a membership's privileges are closed and what to do, in words (None while it is in good standing)."""
    if membership.state in GOOD_STATES:
        return None
    state = MEMBERSHIP_STATES.label(membership.state)
    if membership.state == "suspended":
        why = membership.suspended_reason.strip()
        return (
            _(
                "贵单位的会员资格已暂停（原因：%(why)s）。暂停期间，会员专享的培训资料、征求意见、培训报名和网点管理"
                "暂不可用，本单位已有的记录仍可查看。如需恢复，请联系协会秘书处。",
                why=why,
            )
            if why
            else _(
                "贵单位的会员资格已暂停。暂停期间，会员专享的培训资料、征求意见、培训报名和网点管理暂不可用，"
                "本单位已有的记录仍可查看。如需恢复，请联系协会秘书处。"
            )
        )
    if membership.state == "lapsed":
        return _(
            "贵单位的会员资格已失效（%(year)d年度会费未缴）。会员专享的培训资料、征求意见、培训报名和网点管理"
            "暂不可用，本单位已有的记录仍可查看。请缴纳会费，协会登记后即恢复；如有疑问请联系协会秘书处。",
            year=membership.term_end.year + 1,
        )
    return _("贵单位的会员资格当前为“%(state)s”，会员专享功能暂不可用。请联系协会秘书处。", state=state)


def standing_refusal(session: Session, user) -> str | None:
    """For a user of a suspended or lapsed member: why members-only things are closed; None otherwise."""
    if not _member_user(user):
        return None
    membership = membership_of(session, user.enterprise_id)
    return None if membership is None else closed_reason(membership)


def require_admitted_member(session: Session, user, message: str | None = None) -> None:
    """Raise Forbidden unless the user's enterprise is in good standing, saying why where it is not."""
    if is_admitted_member(session, user):
        return
    raise Forbidden(standing_refusal(session, user) or message or _("仅限会员企业的用户使用。"))
