"""Training materials (public or members-only) and training events with registration and a waiting list."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from portal import search
from portal.search.engine import SearchDocument

bp = Blueprint("training", __name__)
KIND = "training"


def material_document(material) -> SearchDocument:
    from portal.training.services import LEVELS, TOPICS

    return SearchDocument(
        kind=KIND,
        id=material.id,
        title=material.title,
        texts=[material.summary, material.audience, TOPICS.label(material.topic, "zh")],
        # A search layer hides access=members from everyone who is not a member or staff.
        facets={
            "topic": material.topic,
            "level": LEVELS.parse(material.level) or material.level,
            "access": "members" if material.members_only else "public",
        },
        date=int(material.created_at.strftime("%Y%m%d")) if material.created_at else None,
    )


def _load(session, ids):
    from portal.training.models import TrainingMaterial

    rows = session.scalars(select(TrainingMaterial).where(TrainingMaterial.id.in_(ids)))
    found = {m.id: material_document(m) for m in rows}
    return {i: found.get(i) for i in ids}


def _all_ids(session):
    from portal.training.models import TrainingMaterial

    return session.scalars(select(TrainingMaterial.id).order_by(TrainingMaterial.id))


def _count(session):
    from portal.training.models import TrainingMaterial

    return session.scalar(select(func.count()).select_from(TrainingMaterial)) or 0


def _present(session, ids):
    from portal.training.models import TrainingMaterial
    from portal.training.services import TOPICS

    return {
        m.id: search.Presented(
            title=m.title,
            url=f"/training/materials/{m.id}",
            text=m.summary or m.audience,
            date=m.created_at.date() if m.created_at else None,
            label=TOPICS.label(m.topic),
        )
        for m in session.scalars(select(TrainingMaterial).where(TrainingMaterial.id.in_(ids)))
    }


search.register_source(KIND, load=_load, all_ids=_all_ids, count=_count, present=_present)


@bp.app_context_processor
def _enums():
    from portal.training.services import LEVELS, REGISTRATION_STATES, TOPICS

    return {"TRAINING_TOPICS": TOPICS, "TRAINING_LEVELS": LEVELS, "REGISTRATION_STATES": REGISTRATION_STATES}


from portal.training import views  # noqa: E402,F401
