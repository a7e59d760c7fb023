"""Data factories: short ways to make users, enterprises, members and applications in tests."""

from __future__ import annotations

import datetime as dt
import itertools

from portal.auth import services as auth
from portal.core import clock
from portal.core.creditcode import check_character, organisation_check_character
from portal.members.models import Enterprise, EnterpriseActivity, Membership, MembershipApplication

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(n: int | None = None, prefix: str = "91", division: str = "370100") -> str:
    """A credit code that passes every check, distinct for each n."""
    n = next(_seq) if n is None else n
    body = "MA" + "".join(ORG_CHARS[(n // 31**i) % 31] for i in range(6))[::-1]
    org = body + organisation_check_character(body)
    first17 = prefix + division + org
    return first17 + check_character(first17)


def make_user(session, role="staff", *, email=None, enterprise=None, password=PASSWORD, verified=True, name=""):
    n = next(_seq)
    return auth.create_user(
        session,
        email=email or f"{role.replace('_', '-')}{n}@example.cn",
        password=password,
        role=role,
        name=name or f"用户{n}",
        enterprise_id=enterprise.id if enterprise is not None else None,
        verified=verified,
    )


def make_enterprise(session, *, name=None, status="member", city="370600", activities=("recycling",), code=None):
    n = next(_seq)
    enterprise = Enterprise(
        name=name or f"测试再生资源有限公司{n}",
        credit_code=code or credit_code(n),
        status=status,
        city=city,
        address="烟台市开发区长江路188号",
        contact_name="张三",
        contact_phone="0535-6666666",
        contact_email=f"contact{n}@example.cn",
        activity_rows=[EnterpriseActivity(activity=a) for a in activities],
    )
    session.add(enterprise)
    session.flush()
    return enterprise


def make_member(session, *, tier="member", state="active", term_end=None, role="member_admin", **kwargs):
    """An approved member enterprise with a membership and one user; returns (enterprise, user)."""
    from portal.members.services import next_membership_number

    enterprise = make_enterprise(session, **kwargs)
    today = clock.today()
    end = term_end or dt.date(today.year, 12, 31)
    session.add(
        Membership(
            enterprise_id=enterprise.id,
            number=next_membership_number(session, end.year),
            tier=tier,
            state=state,
            term_start=dt.date(end.year, 1, 1),
            term_end=end,
        )
    )
    session.flush()
    session.refresh(enterprise)
    user = make_user(session, role, enterprise=enterprise)
    return enterprise, user


def make_application(session, *, state="submitted", verified=True, tier="member"):
    """An applicant enterprise with its admin user and a submitted application."""
    enterprise = make_enterprise(session, status="applicant")
    user = make_user(session, "member_admin", enterprise=enterprise, verified=verified)
    application = MembershipApplication(
        enterprise_id=enterprise.id,
        applicant_id=user.id,
        requested_tier=tier,
        licence_file="missing.pdf",
        licence_name="licence.pdf",
        licence_mime="application/pdf",
        privacy_accepted_at=clock.now(),
        state=state,
    )
    session.add(application)
    session.flush()
    return application, user
