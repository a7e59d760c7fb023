"""Reading training: materials and who may open them, events, registrations.

is_member_user asks the members feature (through portal.members.queries) whether a user's
enterprise is an admitted member; nothing here reads or writes another feature's tables.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.permissions import can_see_members_only
from portal.core.sql import get_or_not_found
from portal.training.models import TrainingEvent, TrainingFile, TrainingMaterial, TrainingRegistration


def get_material(session: Session, material_id: int) -> TrainingMaterial:
    """A material; NotFound when there is none."""
    return get_or_not_found(session, TrainingMaterial, material_id, _("培训资料不存在。"))


def get_file(session: Session, file_id: int) -> TrainingFile | None:
    """A file of a material, or None."""
    return session.get(TrainingFile, file_id)


def is_member_user(session: Session, user) -> bool:
    """A user of an enterprise that is an admitted member (an applicant's users are not)."""
    from portal.members.queries import is_admitted_member

    return is_admitted_member(session, user)


def may_open(session: Session, viewer, material: TrainingMaterial) -> bool:
    """Public materials for everyone; members-only ones for member users and staff (and observers)."""
    return not material.members_only or can_see_members_only(session, viewer)


def materials(session: Session, *, topic: str | None = None) -> list[TrainingMaterial]:
    """Materials newest first, of one topic if given."""
    stmt = select(TrainingMaterial).order_by(TrainingMaterial.created_at.desc(), TrainingMaterial.id.desc())
    if topic:
        stmt = stmt.where(TrainingMaterial.topic == topic)
    return list(session.scalars(stmt))


def get_event(session: Session, event_id: int) -> TrainingEvent:
    """An event; NotFound when there is none."""
    return get_or_not_found(session, TrainingEvent, event_id, _("培训活动不存在。"))


def upcoming_events(session: Session) -> list[TrainingEvent]:
    """Events that have not ended, soonest first."""
    return list(
        session.scalars(
            select(TrainingEvent).where(TrainingEvent.ends_at >= clock.now()).order_by(TrainingEvent.starts_at)
        )
    )


def events_this_week(session: Session, now: dt.datetime) -> list[TrainingEvent]:
    """Events not yet ended that start before next Monday (Shandong time), soonest first; read by the work-bench."""
    today = now.astimezone(clock.LOCAL_TZ).date()
    next_monday = clock.local_midnight_utc(today + dt.timedelta(days=7 - today.weekday()))
    stmt = select(TrainingEvent).where(TrainingEvent.ends_at >= now, TrainingEvent.starts_at < next_monday)
    return list(session.scalars(stmt.order_by(TrainingEvent.starts_at, TrainingEvent.id)))


def registration_of(session: Session, event_id: int, user_id: int) -> TrainingRegistration | None:
    """The user's registration for the event (cancelled ones too), or None."""
    return session.scalar(
        select(TrainingRegistration).where(
            TrainingRegistration.event_id == event_id, TrainingRegistration.user_id == user_id
        )
    )


def registrations(session: Session, event_id: int) -> list[TrainingRegistration]:
    """An event's registrations: registered, then waiting, then cancelled, each in queue order."""
    order = {"registered": 0, "waiting": 1, "cancelled": 2}
    rows = list(
        session.scalars(
            select(TrainingRegistration)
            .where(TrainingRegistration.event_id == event_id)
            .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)
        )
    )
    return sorted(rows, key=lambda r: order.get(r.state, 9))


def waiting_count(session: Session, event_id: int) -> int:
    """How many are on the event's waiting list."""
    return sum(1 for r in registrations(session, event_id) if r.state == "waiting")


def registrants(session: Session, event_id: int) -> tuple[list[TrainingRegistration], dict]:
    """An event's registrations and, by user id, the user behind each (read through portal.auth.queries)."""
    from portal.auth.queries import user_by_id

    rows = registrations(session, event_id)
    return rows, {r.user_id: user_by_id(session, r.user_id) for r in rows}
