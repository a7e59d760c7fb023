"""The portal-wide search: what features use to put their records in the index and to search it.

The database is the source of truth; the index (one per machine, PORTAL_INDEX_DIR) is derived.

* A feature registers a *source* per kind in its own ``search.py``, usually with
  ``register_model_source`` (one table, a document function, how a hit is shown, its label and facets).
* A service that changes a searchable record calls ``enqueue(session, kind, id)`` in the same
  transaction, which writes a row to the ``search_outbox`` table (``models.py``).
* The indexer (``indexer.py``) applies the outbox: ``flask search follow`` runs ``catch_up``
  continuously, ``flask search reindex`` rebuilds, ``flask search verify`` checks record by record.
* ``engine.py`` is the index itself (Whoosh), ``analysis.py`` its Chinese text analysis,
  ``highlight.py`` the fragments shown, ``views.py`` /search and /api/v1/search.
"""

from __future__ import annotations

from portal.search import jobs as _jobs  # noqa: F401 - registers search.prune_outbox
from portal.search.engine import Hits, SearchDocument
from portal.search.index import engine, search
from portal.search.indexer import (
    Difference,
    catch_up,
    differences,
    enqueue,
    indexer_lock,
    reindex,
    repair,
    status,
    verify,
)
from portal.search.jobs import prune_outbox
from portal.search.models import SearchOutboxEntry
from portal.search.sources import (
    REWRITERS,
    SOURCES,
    Presented,
    Source,
    register_model_source,
    register_rewriter,
    register_source,
)

__all__ = [
    "REWRITERS",
    "SOURCES",
    "Difference",
    "Hits",
    "Presented",
    "SearchDocument",
    "SearchOutboxEntry",
    "Source",
    "catch_up",
    "differences",
    "engine",
    "enqueue",
    "indexer_lock",
    "prune_outbox",
    "register_model_source",
    "register_rewriter",
    "register_source",
    "reindex",
    "repair",
    "search",
    "status",
    "verify",
]


from portal.search.pinyin import place_names

register_rewriter(place_names)  # yantai finds 烟台


def init_app(app) -> None:
    """/search and /api/v1/search (registered after the features, whose sources it lists)."""
    from portal.search import views

    app.register_blueprint(views.bp)
