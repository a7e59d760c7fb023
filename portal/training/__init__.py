"""Training materials (public or members-only) and training events with registration and a waiting list."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("training", __name__)


@bp.app_context_processor
def _enums():
    from portal.training.services import LEVELS, REGISTRATION_STATES, TOPICS

    return {"TRAINING_TOPICS": TOPICS, "TRAINING_LEVELS": LEVELS, "REGISTRATION_STATES": REGISTRATION_STATES}


from portal.training import views  # noqa: E402,F401
from portal.training.search import KIND, material_document  # noqa: E402,F401 - registers "training"
