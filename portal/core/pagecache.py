"""Answers to anonymous visitors, kept in each worker's memory and given again until the data changes.

An anonymous page is the same for every anonymous visitor: it depends on the address (path and query),
the language, the data and the search index, and on the clock (what is open today, what is late). The
key is exactly that: the full path, the language, the data's version (``portal.core.dataversion``,
which every committed change replaces), the search index's version and the current minute of the
portal's clock, so an answer is never older than the data it shows and a time boundary (a deadline,
a day) is seen within the minute. Every worker keys alike, so a worker that has served for hours
answers what a fresh one would.

Kept: a 200 answer to a GET, HTML or JSON, for a visitor not signed in and without a bearer token or
messages waiting to be flashed, from a view that wrote nothing (a counted look-up is never kept), that
made no CSRF token (it belongs to one visitor's session) and set no cookie. Every anonymous 200 answer
gets an ``ETag`` and ``Cache-Control: no-cache``: browsers ask again and get ``304 Not Modified``
while nothing changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask, Response, current_app, g, request, session

from portal.core import clock, dataversion

T = TypeVar("T")
KEPT_TYPES = ("text/html", "application/json")
NOT_KEPT_HEADERS = {"set-cookie", "content-length", "date", "etag"}
MAX_ANSWER_BYTES = 1 << 20


class Store:
    """What one worker keeps for the current versions only, bounded in bytes, least recently used first out.

    Entries are kept for one set of versions (data, index, minute): the first look-up under newer ones
    drops them all, since nothing kept under older ones can be given again; so the memory held is what
    one minute's pages take, within ``max_bytes``. Safe across a worker's threads.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.versions: tuple | None = None
        self._items: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, versions: tuple, key: Any) -> Any | None:
        with self._lock:
            if versions != self.versions:
                self._items.clear()
                self._bytes = 0
                self.versions = versions
                return None
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, versions: tuple, key: Any, value: Any, size: int) -> None:
        with self._lock:
            if versions != self.versions:  # computed for versions already left behind
                return
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[0]
            self._items[key] = (size, value)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _key, (dropped, _value) = self._items.popitem(last=False)
                self._bytes -= dropped


def _store() -> Store:
    return current_app.extensions["portal_page_cache"]


def _versions() -> tuple:
    from portal import search

    index = search.engine()._index_version()
    return dataversion.current(), index, clock.now().replace(second=0, microsecond=0)


def memo(name: str, compute: Callable[[], T]) -> T:
    """A value computed from the data (a count on the home page), computed again once the data changed."""
    versions, key = _versions(), ("memo", name)
    found = _store().get(versions, key)
    if found is None:
        found = (compute(),)
        _store().put(versions, key, found, 256)
    return found[0]


def _anonymous_read() -> bool:
    from portal.web import public_response

    if request.method != "GET" or request.endpoint in (None, "static"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_portal_writes", False) or "_flashes" in session:
        return False
    return public_response()


def serve() -> Response | None:
    """Before the view: the kept answer for this request, if there is one."""
    # What this request does is judged by this request alone, also where one application context
    # serves several requests (the test client): no token or write of an earlier request counts.
    g.pop("csrf_token", None)
    g.pop("_page_wrote", None)
    if not _anonymous_read():
        return None
    from portal import select_locale

    versions, key = _versions(), ("page", request.full_path, select_locale())
    kept = _store().get(versions, key)
    if kept is None:
        g._page_key = versions, key
        return None
    body, status, headers, etag = kept
    response = Response(body, status=status, headers=headers)
    response.set_etag(etag)
    return response.make_conditional(request)


def keep(response: Response) -> Response:
    """After the view: keep the answer if it may be kept, and let browsers revalidate it."""
    versions, key = g.pop("_page_key", (None, None))
    if key is None or response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    if response.mimetype not in KEPT_TYPES or "Set-Cookie" in response.headers or session.modified:
        return response
    if "no-store" in response.headers.get("Cache-Control", ""):
        return response
    response.headers.setdefault("Cache-Control", "no-cache")
    if not response.get_etag()[0]:
        response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
    if "csrf_token" not in g and not g.get("_page_wrote") and len(response.get_data()) <= MAX_ANSWER_BYTES:
        headers = [(name, value) for name, value in response.headers.items() if name.lower() not in NOT_KEPT_HEADERS]
        body = response.get_data()
        _store().put(versions, key, (body, response.status_code, headers, response.get_etag()[0]), len(body) + 512)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.extensions["portal_page_cache"] = Store(app.config["PAGE_CACHE_BYTES"])
    app.cli.add_command(cache_command)
    if app.config["PAGE_CACHE"]:
        app.before_request(serve)
        app.after_request(keep)


@click.group("cache")
def cache_command() -> None:
    """What the web workers keep in memory (anonymous pages, home page figures)."""


@cache_command.command("clear")
def clear_command() -> None:
    """After a change made outside the portal (psql, a restored backup): every worker computes afresh."""
    dataversion.bump()
    click.echo("已通知所有进程：数据已变更，缓存的页面不再使用。")
