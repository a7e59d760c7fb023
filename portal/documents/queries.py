"""Read side of the register: the staff list (by number or holder, kind, status) and the verify answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.paging import Page
from portal.documents.kinds import KINDS, kind_label
from portal.documents.models import IssuedDocument
from portal.documents.numbers import BadNumber, normalise

STATUSES = ("valid", "expired", "revoked", "replaced")


def status_label(status: str) -> str:
    from flask_babel import gettext as _

    return {"valid": _("有效"), "expired": _("已过期"), "revoked": _("已撤销"), "replaced": _("已被替换")}[status]


@dataclass(frozen=True)
class DocumentFilters:
    q: str = ""
    kind: str = ""
    status: str = ""

    @classmethod
    def parse(cls, args) -> DocumentFilters:
        kind = args.get("kind", "")
        status = args.get("status", "")
        return cls(
            q=(args.get("q", "") or "").strip()[:100],
            kind=kind if kind in KINDS else "",
            status=status if status in STATUSES else "",
        )


def _status_clause(status: str, today: dt.date):
    live = and_(IssuedDocument.revoked_at.is_(None), IssuedDocument.replaced_by_id.is_(None))
    if status == "replaced":
        return IssuedDocument.replaced_by_id.is_not(None)
    if status == "revoked":
        return and_(IssuedDocument.revoked_at.is_not(None), IssuedDocument.replaced_by_id.is_(None))
    if status == "expired":
        return and_(live, IssuedDocument.valid_to.is_not(None), IssuedDocument.valid_to < today)
    return and_(live, or_(IssuedDocument.valid_to.is_(None), IssuedDocument.valid_to >= today))


def staff_list(session: Session, filters: DocumentFilters, page: int, per_page: int) -> Page:
    """Issued documents, newest first: a number (any spelling) or a fragment of number or holder name."""
    stmt = select(IssuedDocument)
    if filters.q:
        try:
            stmt = stmt.where(IssuedDocument.number == normalise(filters.q))
        except BadNumber:
            like = f"%{filters.q.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(or_(IssuedDocument.holder_name.like(like), IssuedDocument.number.like(like.upper())))
    if filters.kind:
        stmt = stmt.where(IssuedDocument.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(_status_clause(filters.status, clock.today()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        session.scalars(
            stmt.order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items, total, page, per_page)


def public_view(document: IssuedDocument, lang: str = "zh") -> dict:
    """What the verify page and API may say: only what the document itself shows, plus its status."""
    status = document.status()
    return {
        "number": document.number,
        "kind": document.kind,
        "kind_label": kind_label(document.kind, lang),
        "status": status,
        "status_label": status_label(status),
        "holder_name": document.holder_name,
        "shown": [{"label": k, "value": v} for k, v in (document.shown or {}).items()],
        "valid_from": document.valid_from.isoformat() if document.valid_from else None,
        "valid_to": document.valid_to.isoformat() if document.valid_to else None,
        "issued_on": clock.local(document.issued_at).date().isoformat(),
        "revoked_on": clock.local(document.revoked_at).date().isoformat() if document.revoked_at else None,
        "replaced_by": document.replaced_by.number if document.replaced_by else None,
    }
