"""Imports every model module so that Base.metadata knows every table (for Alembic and tests)."""

from portal.auth import models as auth_models  # noqa: F401
from portal.campaigns import models as campaigns_models  # noqa: F401
from portal.consultations import models as consultations_models  # noqa: F401
from portal.core import audit  # noqa: F401
from portal.jobs import JobState  # noqa: F401
from portal.library import models as library_models  # noqa: F401
from portal.members import models as members_models  # noqa: F401
from portal.notices import models as notices_models  # noqa: F401
from portal.notify import models as notify_models  # noqa: F401
from portal.outlets import models as outlets_models  # noqa: F401
from portal.search import SearchOutboxEntry  # noqa: F401
from portal.training import models as training_models  # noqa: F401
