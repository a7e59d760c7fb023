"""Training certificates (培训证书): one per person recorded as attending an event, numbered in the documents register.

Reads the members feature through its queries (the enterprise's name) and issues through portal.documents.register.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.core import clock
from portal.core.actors import is_staff_reader
from portal.core.roles import MEMBER_ADMIN
from portal.documents import register
from portal.documents.kinds import register_kind
from portal.documents.qr import qr_data_uri
from portal.errors import Conflict, NotFound
from portal.training.models import TrainingEvent, TrainingRegistration

KIND = "training_certificate"
register_kind(KIND, "培训证书", "Training certificate", "PX")


def _may_download(actor, row: TrainingRegistration) -> bool:
    """The attendee, the administrator of the attendee's enterprise, and staff (readers included)."""
    if is_staff_reader(actor):
        return True
    if actor.id == row.user_id:
        return True
    return actor.role == MEMBER_ADMIN and row.enterprise_id is not None and actor.enterprise_id == row.enterprise_id


def _hours(event: TrainingEvent) -> str:
    minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
    return f"{minutes // 60}学时" if minutes % 60 == 0 else f"{minutes / 60:.1f}学时"


def _dates(event: TrainingEvent) -> str:
    start, end = clock.local(event.starts_at).date(), clock.local(event.ends_at).date()
    first = start.strftime("%Y年%m月%d日")
    return first if start == end else f"{first}至{end.strftime('%Y年%m月%d日')}"


def certificate_context(session: Session, actor, registration_id: int) -> dict:
    """Plain values for the certificate of one attendance; issues (or reuses) its register number."""
    row = session.get(TrainingRegistration, registration_id)
    # Someone who may not see the certificate learns nothing about the registration either.
    if row is None or not getattr(actor, "is_authenticated", False) or not _may_download(actor, row):
        raise NotFound(_("没有这份培训证书。"))
    if row.state != "registered" or not row.attended:
        raise Conflict(_("协会记录出勤后才能下载培训证书。"))
    event = session.get(TrainingEvent, row.event_id)
    person = session.get(User, row.user_id)
    from portal.members.queries import enterprise_names

    enterprise = enterprise_names(session, [row.enterprise_id]).get(row.enterprise_id, "") if row.enterprise_id else ""
    name = person.name or person.email
    shown = {"姓名": name, "工作单位": enterprise, "培训名称": event.title, "培训日期": _dates(event)}
    document = register.issue(
        session,
        actor,
        kind=KIND,
        subject_type="training_registration",
        subject_id=row.id,
        holder_name=name,
        shown=shown,
        valid_from=clock.local(event.starts_at).date(),
        # A change of what the certificate shows (the person's name, the event's title or dates) gives a new number.
        fingerprint="|".join(shown.values()),
    )
    url = register.verify_url(document.number)
    return {
        **{"name": name, "enterprise": enterprise, "title": event.title, "dates": _dates(event)},
        "hours": _hours(event),
        "certificate_number": document.number,
        "verify_url": url,
        "qr": qr_data_uri(url),
        "seal": current_app.config.get("CERTIFICATE_SEAL_IMAGE"),
        "issued_on": clock.local(document.issued_at).strftime("%Y年%m月%d日"),
    }
