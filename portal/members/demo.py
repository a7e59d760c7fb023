"""The demo step of membership: member enterprises with accounts, memberships and applicants."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.core import clock
from portal.demo import DEMO_PASSWORD, SeedContext, demo_licence, load_members_data, make_credit_code


def seed(session: Session, ctx: SeedContext) -> None:
    from portal.auth.queries import user_by_email
    from portal.members.memberships import next_membership_number
    from portal.members.models import (
        Enterprise,
        EnterpriseActivity,
        FeePayment,
        Membership,
        TierFee,
    )

    data = load_members_data()
    for tier, yuan in data["tier_fees_yuan"].items():
        if session.get(TierFee, tier) is None:
            session.add(TierFee(tier=tier, annual_fee_fen=int(yuan) * 100))
    today = clock.today()
    staff = user_by_email(session, "staff@demo.sdbra.cn")

    def enterprise_for(row: dict, status: str, index: int) -> Enterprise | None:
        code = make_credit_code(row["prefix"], row["division"], row["org"])
        if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
            return None
        enterprise = Enterprise(
            name=row["name"],
            credit_code=code,
            status=status,
            city=row["division"] if row["division"].endswith("00") and row["division"] != "370000" else "370100",
            address=row["address"],
            contact_name=row["contact"],
            contact_phone=row["phone"],
            contact_email=f"contact{index:02d}@demo.sdbra.cn",
            description=row.get("description", ""),
            website=("https://" + row["website"]) if row.get("website") else "",
            is_demo=True,
            activity_rows=[EnterpriseActivity(activity=a) for a in row["activities"]],
        )
        if row.get("whitelist"):
            enterprise.whitelist_batch, enterprise.whitelist_activity = row["whitelist"]
        session.add(enterprise)
        session.flush()
        ctx.created.append(f"enterprise {enterprise.name}")
        return enterprise

    for index, row in enumerate(data["enterprises"], start=1):
        enterprise = enterprise_for(row, "member", index)
        if enterprise is None:
            continue
        lapsed = row.get("lapsed", False)
        year = today.year - 1 if lapsed else today.year
        membership = Membership(
            enterprise_id=enterprise.id,
            number=next_membership_number(session, year),
            tier=row["tier"],
            state="lapsed" if lapsed else "active",
            term_start=dt.date(year, 1, 1),
            term_end=dt.date(year, 12, 31),
            approved_at=clock.now() - dt.timedelta(days=400 if lapsed else 30 * index),
        )
        session.add(membership)
        session.flush()
        if not lapsed:
            fee = session.get(TierFee, row["tier"]).annual_fee_fen
            session.add(
                FeePayment(
                    membership_id=membership.id,
                    term_year=year,
                    amount_fen=fee,
                    paid_on=dt.date(year, 1, 15),
                    note="演示数据",
                    recorded_by_id=staff.id if staff else None,
                )
            )
        search.enqueue(session, "member", enterprise.id)
        add_applicant(
            session,
            enterprise,
            row,
            privacy_accepted_at=membership.approved_at,
            state="approved",
            submitted_at=membership.approved_at - dt.timedelta(days=7),
            decided_at=membership.approved_at,
            decided_by_id=staff.id if staff else None,
        )
    for index, row in enumerate(data["applications"], start=50):
        enterprise = enterprise_for(row, "applicant", index)
        if enterprise is None:
            continue
        add_applicant(
            session, enterprise, row, privacy_accepted_at=clock.now(), state=row["state"], reason=row.get("reason", "")
        )
    session.flush()
    ctx.logins.append(("member_admin", "contact01@demo.sdbra.cn", DEMO_PASSWORD))
    ctx.logins.append(("applicant", "contact50@demo.sdbra.cn", DEMO_PASSWORD))


def add_applicant(session: Session, enterprise, row: dict, **application) -> None:
    """The enterprise's first account (its contact, verified) and its application with a demo licence."""
    from portal.auth import services as auth
    from portal.core.files import uploads_dir
    from portal.members.models import MembershipApplication

    user = auth.create_user(
        session,
        email=enterprise.contact_email,
        password=DEMO_PASSWORD,
        role="member_admin",
        name=row["contact"],
        enterprise_id=enterprise.id,
        verified=True,
        is_demo=True,
    )
    session.add(
        MembershipApplication(
            enterprise_id=enterprise.id,
            applicant_id=user.id,
            requested_tier=row["tier"],
            licence_file=demo_licence(uploads_dir()),
            licence_name="营业执照（演示）.pdf",
            licence_mime="application/pdf",
            **application,
        )
    )
