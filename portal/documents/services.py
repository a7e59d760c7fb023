"""State changes of the register that staff make: revoke a document, reissue it under a new number."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.documents import register
from portal.documents.models import IssuedDocument
from portal.errors import Conflict, DomainError, NotFound

AUDIT_FIELDS = ("number", "kind", "holder_name", "revoked_at", "revoke_reason", "replaced_by_id")


def get_document(session: Session, document_id: int) -> IssuedDocument:
    """The document with this id, or NotFound."""
    document = session.get(IssuedDocument, document_id)
    if document is None:
        raise NotFound(_("没有这份文件。"))
    return document


def revoke(session: Session, actor, document_id: int, reason: str) -> IssuedDocument:
    """Revoke a live document with a reason (kept in the audit log); the verify page then says 已撤销."""
    require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销原因。"), {"reason": _("请填写撤销原因。")})
    if len(reason) > 500:
        raise DomainError(_("撤销原因不能超过500个字。"), {"reason": _("撤销原因不能超过500个字。")})
    document = get_document(session, document_id)
    if not document.is_live:
        raise Conflict(_("该文件已撤销或已被替换，不能再撤销。"))
    before = audit.snapshot(document, AUDIT_FIELDS)
    document.revoked_at = clock.now()
    document.revoked_by_id = getattr(actor, "id", None)
    document.revoke_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        "document.revoke",
        "issued_document",
        document.id,
        before,
        audit.snapshot(document, AUDIT_FIELDS),
    )
    return document


def reissue(session: Session, actor, document_id: int) -> IssuedDocument:
    """A new number for the same document (same holder, shown fields and validity); the old one is marked replaced."""
    require_staff(actor)
    old = get_document(session, document_id)
    if old.replaced_by_id is not None:
        raise Conflict(_("该文件已被 %(number)s 替换。", number=old.replaced_by.number))
    before = audit.snapshot(old, AUDIT_FIELDS)
    new = register.new_document(
        session,
        actor,
        kind=old.kind,
        subject_type=old.subject_type,
        subject_id=old.subject_id,
        holder_name=old.holder_name,
        shown=dict(old.shown or {}),
        valid_from=old.valid_from,
        valid_to=old.valid_to,
        fingerprint=old.fingerprint,
    )
    old.replaced_by_id = new.id
    session.flush()
    audit.record(
        session,
        actor,
        "document.reissue",
        "issued_document",
        old.id,
        before,
        audit.snapshot(old, AUDIT_FIELDS) | {"new_number": new.number},
    )
    return new
