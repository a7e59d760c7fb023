"""Imports every table so that Base.metadata knows them all (for Alembic and tests): the shared
machinery's, then each feature's models.py (portal.features)."""

from portal.core import audit, ratelimit  # noqa: F401
from portal.features import import_models
from portal.jobs import JobState  # noqa: F401

import_models()
