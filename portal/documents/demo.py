"""The demo step of the register: membership certificates for the demo members whose term fee is recorded,
and one certificate revoked (a wrong tier printed) and reissued under a new number.

Runs after members; does nothing when demo certificates exist already.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.actors import system
from portal.demo import SeedContext
from portal.documents import services
from portal.documents.models import IssuedDocument
from portal.errors import DomainError
from portal.members import memberships
from portal.members.models import Enterprise, Membership


def seed(session: Session, ctx: SeedContext) -> None:
    """Issue the demo members' certificates through the members service; one revoked, one reissued."""
    demo_memberships = list(
        session.scalars(select(Membership).join(Enterprise).where(Enterprise.is_demo.is_(True)).order_by(Membership.id))
    )
    ids = [m.id for m in demo_memberships]
    existing = select(IssuedDocument.id).where(
        IssuedDocument.kind == "membership_certificate", IssuedDocument.subject_id.in_(ids)
    )
    if not ids or session.scalar(existing.limit(1)) is not None:
        return
    actor = system("demo")
    issued = []
    for membership in demo_memberships:
        try:
            issued.append(memberships.certificate_document(session, actor, membership))
        except DomainError:
            continue  # not due: the member is lapsed or has not paid this term
    ctx.created.extend(f"certificate {d.number}" for d in issued)
    if len(issued) >= 2:
        services.revoke(session, actor, issued[-1].id, "演示：证书所印会员级别有误，已撤销。")
        services.reissue(session, actor, issued[-2].id)
        ctx.created.append("certificate revoked / reissued")
