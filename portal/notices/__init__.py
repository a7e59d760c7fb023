"""Policy documents, notices and news: public list and detail, staff publishing, search source "notice"."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def _enums():
    from portal.notices.services import NOTICE_KINDS

    return {"NOTICE_KINDS": NOTICE_KINDS}


from portal.notices import views  # noqa: E402,F401

# registers the search source "notice" and the job notices.index_published
from portal.notices.search import KIND, notice_document  # noqa: E402,F401
