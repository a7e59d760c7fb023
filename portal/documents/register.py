"""The register's public API for other features: issue (or reuse) a numbered document, look one up, its verify URL.

A feature registers its kind once (``portal.documents.kinds.register_kind``) and calls ``issue`` when it renders the
document; the number and ``verify_url(number)`` (or ``qr.qr_data_uri``) go on the page.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.documents.kinds import get_kind
from portal.documents.models import IssuedDocument
from portal.documents.numbers import BadNumber, new_number, normalise


def _live(session: Session, kind: str, subject_type: str, subject_id: int, fingerprint: str) -> IssuedDocument | None:
    return session.scalar(
        select(IssuedDocument)
        .where(
            IssuedDocument.kind == kind,
            IssuedDocument.subject_type == subject_type,
            IssuedDocument.subject_id == subject_id,
            IssuedDocument.fingerprint == fingerprint,
            IssuedDocument.revoked_at.is_(None),
            IssuedDocument.replaced_by_id.is_(None),
        )
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


def _fresh_number(session: Session, prefix: str) -> str:
    for _attempt in range(5):  # 32**10 numbers a year: a collision is all but impossible, but cheap to rule out
        number = new_number(prefix, clock.today().year)
        if session.scalar(select(IssuedDocument.id).where(IssuedDocument.number == number)) is None:
            return number
    raise RuntimeError("could not draw a free document number")


def new_document(
    session: Session,
    actor,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    holder_name: str,
    shown: dict[str, str],
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    fingerprint: str,
) -> IssuedDocument:
    """A newly numbered document (no reuse); flushes."""
    document = IssuedDocument(
        number=_fresh_number(session, get_kind(kind).prefix),
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        fingerprint=fingerprint,
        holder_name=holder_name,
        shown={str(k): str(v) for k, v in shown.items()},
        valid_from=valid_from,
        valid_to=valid_to,
        issued_at=clock.now(),
        issued_by_id=getattr(actor, "id", None),
    )
    session.add(document)
    session.flush()
    return document


def issue(
    session: Session,
    actor,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    holder_name: str,
    shown: dict[str, str],
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    fingerprint: str = "",
) -> IssuedDocument:
    """The live (not revoked/replaced) document of this kind for this subject and fingerprint, or a new one."""
    get_kind(kind)
    document = _live(session, kind, subject_type, subject_id, fingerprint)
    if document is not None:
        return document
    return new_document(
        session,
        actor,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        holder_name=holder_name,
        shown=shown,
        valid_from=valid_from,
        valid_to=valid_to,
        fingerprint=fingerprint,
    )


def lookup(session: Session, number: str) -> IssuedDocument | None:
    """The document with this number (case, spaces, hyphens and O/I/L typos forgiven); None if unknown or malformed."""
    try:
        canonical = normalise(number)
    except BadNumber:
        return None
    return session.scalar(select(IssuedDocument).where(IssuedDocument.number == canonical))


def verify_url(number: str) -> str:
    """The absolute public address where anyone can check the document."""
    return f"{current_app.config['PORTAL_BASE_URL'].rstrip('/')}/verify/{number}"


def was_revoked(session: Session, *, kind: str, subject_type: str, subject_id: int, fingerprint: str = "") -> bool:
    """Has staff revoked (not replaced) the latest document of this kind for this subject and fingerprint?"""
    latest = session.scalar(
        select(IssuedDocument)
        .where(
            IssuedDocument.kind == kind,
            IssuedDocument.subject_type == subject_type,
            IssuedDocument.subject_id == subject_id,
            IssuedDocument.fingerprint == fingerprint,
        )
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )
    return latest is not None and latest.revoked_at is not None and latest.replaced_by_id is None
