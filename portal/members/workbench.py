"""The staff work-bench: how much work waits, read through each feature's own queries, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.campaigns import queries as campaigns
from portal.consultations import queries as consultations
from portal.core import clock
from portal.members import queries as members
from portal.outlets import queries as outlets
from portal.training import queries as training

CLOSING_DAYS = 7  # comment rounds closing within this many days are shown


@dataclass(frozen=True)
class CampaignProgress:
    """An open campaign: its name, outlets in scope and verified so far."""

    id: int
    name: str
    in_scope: int
    verified: int

    @property
    def percent(self) -> int:
        return round(100 * self.verified / self.in_scope) if self.in_scope else 0


@dataclass(frozen=True)
class Workbench:
    """The counts on the staff home page; each leads to the list of exactly those records."""

    applications: int
    info_requested: int
    outlets_pending: int
    campaigns: tuple[CampaignProgress, ...]
    rectifications: int
    whitelist: int
    closing_rounds: int
    events_this_week: int


def workbench(session: Session) -> Workbench:
    """Count the work waiting for staff now (Shandong dates)."""
    now, states = clock.now(), members.applications_by_state(session)
    running = campaigns.running_on(session, clock.today())
    return Workbench(
        applications=states.get("submitted", 0),
        info_requested=states.get("info_requested", 0),
        outlets_pending=outlets.status_count(session, "pending"),
        campaigns=tuple(CampaignProgress(c.id, c.name, n, v) for c, n, v, _failing in running),
        rectifications=campaigns.awaiting_review_count(session),
        whitelist=members.pending_whitelist_count(session),
        closing_rounds=len(consultations.closing_within(session, now, CLOSING_DAYS)),
        events_this_week=len(training.events_this_week(session, now)),
    )
