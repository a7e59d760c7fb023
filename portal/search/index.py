"""This process's engine for the configured index folder (PORTAL_INDEX_DIR), and searching it."""

from __future__ import annotations

from flask import current_app

from portal.search.engine import Hits, SearchEngine

_ENGINES: dict[str, SearchEngine] = {}


def engine() -> SearchEngine:
    """This process's engine for the configured index folder."""
    index_dir = current_app.config["PORTAL_INDEX_DIR"]
    if index_dir not in _ENGINES:
        _ENGINES[index_dir] = SearchEngine(index_dir)
    return _ENGINES[index_dir]


def search(text: str, **kwargs) -> Hits:
    """Search this machine's index (see SearchEngine.search)."""
    return engine().search(text, **kwargs)
