"""The technical standards catalogue (标准库): public list and detail, staff management, API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("library", __name__)


from portal.library import api, views  # noqa: E402,F401
from portal.library.search import number_query, standard_document  # noqa: E402,F401 - registers "standard"
