"""Milestone reminders: before the due date and after it (late), by mail through the outbox and a
notification in the portal, to the lead enterprise's administrators. Dates come from the portal's
clock, so tests move the clock instead of waiting."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import jobs
from portal.core import clock
from portal.projects import states
from portal.projects.models import Milestone, Project

BEFORE_DAYS = 7  # the first reminder, this many days before the due date
LATE_EVERY_DAYS = 7  # a late milestone is reminded again after this many days


def due_reminders(session: Session, today: dt.date) -> list[tuple[Milestone, Project, bool]]:
    """(milestone, project, late) for each milestone owed a reminder today."""
    rows = session.execute(
        select(Milestone, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(Project.state.in_(states.ACTIVE), Milestone.completed_on.is_(None))
        .where(Milestone.due_on <= today + dt.timedelta(days=BEFORE_DAYS))
        .order_by(Milestone.due_on, Milestone.id)
    )
    due = []
    again = clock.local_midnight_utc(today - dt.timedelta(days=LATE_EVERY_DAYS - 1))
    for milestone, project in rows:
        if milestone.due_on < today:
            if milestone.reminded_late_at is None or milestone.reminded_late_at < again:
                due.append((milestone, project, True))
        elif milestone.reminded_before_at is None:
            due.append((milestone, project, False))
    return due


@jobs.register("projects.milestone_reminders", every=dt.timedelta(hours=6))
def remind(session: Session, now: dt.datetime | None = None) -> int:
    """Remind lead enterprises of milestones due within a week, and of late ones (again each week)."""
    from portal.auth.queries import enterprise_admins
    from portal.notify.services import notify, queue_mail

    now = now or clock.now()
    today = clock.local(now).date()
    sent = 0
    for milestone, project, late in due_reminders(session, today):
        admins = enterprise_admins(session, project.lead_id)
        labels = {"title": project.title, "name": milestone.name, "due": milestone.due_on.isoformat()}
        if late:
            title = _l("里程碑已逾期：%(title)s·%(name)s（%(due)s）", **labels)
            milestone.reminded_late_at = now
        else:
            title = _l("里程碑即将到期：%(title)s·%(name)s（%(due)s）", **labels)
            milestone.reminded_before_at = now
        notify(session, [a.id for a in admins], title, milestone.deliverable, f"/account/projects/{project.id}")
        for admin in admins:
            queue_mail(
                session,
                admin.email,
                title,
                "projects/milestone_reminder",
                project_title=project.title,
                project_id=project.id,
                name=milestone.name,
                due_on=milestone.due_on.isoformat(),
                days=(milestone.due_on - today).days,
                late=late,
            )
        sent += 1
    session.flush()
    return sent
