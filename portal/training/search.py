"""Training's search source "training": materials, public or members-only (facet access)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import search
from portal.training.models import TrainingMaterial

KIND = "training"


def material_document(material) -> search.SearchDocument:
    """The index entry of a training material."""
    from portal.training.services import LEVELS, TOPICS

    return search.SearchDocument(
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


def present_material(material) -> search.Presented:
    """A training material as a search result."""
    from portal.training.services import TOPICS

    return search.Presented(
        title=material.title,
        url=f"/training/materials/{material.id}",
        text=material.summary or material.audience,
        date=material.created_at.date() if material.created_at else None,
        label=TOPICS.label(material.topic),
    )


search.register_model_source(
    KIND,
    TrainingMaterial,
    document=material_document,
    present=present_material,
    label=_l("培训资料"),
    facets={"level": "training_level", "topic": "training_topic"},
    shown_facets=("level", "topic"),
)
