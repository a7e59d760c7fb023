"""PDF rendering: one function, ``render_pdf(template, context)``, used by every document.

* Templates live under ``templates/pdf/`` and get plain values (dicts, strings, numbers), never ORM
  objects: the context is checked before rendering.
* The page is ``lang="zh-CN"`` and the fonts are Noto Sans/Serif CJK SC (Debian's fonts-noto-cjk),
  found through fontconfig by family name, so the Simplified Chinese faces of the .ttc collections
  are used and embedded (not the collection's first, Japanese, face).
* A URL fetcher (fetcher.py) serves only the portal's static files and uploaded images: no ``file:``,
  no network.
* Rendering runs in warm worker processes (pool.py, worker.py: WeasyPrint and the fonts loaded once,
  ``PDF_WORKERS`` per web process, each recycled after ``PDF_WORKER_MAX_RENDERS`` documents); a
  render past ``PDF_TIMEOUT_SECONDS`` kills its worker and the caller gets ``PdfTimeout`` with a
  friendly message; a worker that cannot start is reported at once as ``PdfError``.
* Every document is cached under ``PORTAL_DATA_DIR/pdf-cache`` (cache.py), keyed by a hash of its
  rendered HTML and assets, so changed data is a new document (``PDF_CACHE``, ``PDF_CACHE_MAX_MB``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _

from portal.pdf import pool
from portal.pdf.cache import DocumentCache
from portal.pdf.fetcher import PORTAL_ASSET_HOST, make_url_fetcher

__all__ = ["PdfError", "PdfTimeout", "html_to_pdf", "make_url_fetcher", "render_pdf"]

_PLAIN = (str, int, float, bool, type(None), dt.date, dt.datetime)


class PdfError(Exception):
    """The document could not be produced; the message is shown to the user."""


class PdfTimeout(PdfError):
    pass


def _check_plain(value, path: str = "context") -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(item, f"{path}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
        return
    raise TypeError(f"{path} is a {type(value).__name__}; PDF templates take plain values only")


def _uploads_dir() -> str:
    return str(Path(current_app.config["PORTAL_DATA_DIR"]) / "uploads")


def document_cache() -> DocumentCache | None:
    """The app's document cache, or None when ``PDF_CACHE`` is off."""
    config = current_app.config
    if not config["PDF_CACHE"] or config["PDF_CACHE_MAX_MB"] <= 0:
        return None
    folder = Path(config["PORTAL_DATA_DIR"]) / "pdf-cache"
    return DocumentCache(
        folder, int(config["PDF_CACHE_MAX_MB"] * 1024 * 1024), current_app.static_folder, _uploads_dir()
    )


def html_to_pdf(html: str, *, timeout: float) -> bytes:
    """Render HTML in a warm worker of this process; stop it after timeout seconds."""
    config = current_app.config
    job = {"html": html, "static_dir": current_app.static_folder, "uploads_dir": _uploads_dir(), "timeout": timeout}
    try:
        rendered = pool.get_pool(config["PDF_WORKERS"]).render(
            job, timeout=timeout, max_renders=config["PDF_WORKER_MAX_RENDERS"]
        )
    except pool.WorkerTimeout:
        current_app.logger.warning("PDF rendering stopped after %s s", timeout)
        raise PdfTimeout(_("生成 PDF 超时，请稍后再试。")) from None
    except pool.WorkerFailed as exc:
        current_app.logger.error("PDF rendering failed: %s", exc)
        raise PdfError(_("生成 PDF 失败，请稍后再试或联系协会。")) from None
    return rendered.pdf


def render_pdf(template: str, context: dict, *, timeout: float | None = None) -> bytes:
    """Render templates/<template> (under pdf/) with plain values into PDF bytes, from the cache if made before."""
    if not template.startswith("pdf/"):
        raise ValueError("PDF templates live under templates/pdf/")
    _check_plain(context)
    html = render_template(template, **context, asset_base=f"https://{PORTAL_ASSET_HOST}")
    cache = document_cache()
    key = cache.key(template, html) if cache else None
    if cache and (cached := cache.get(key)) is not None:
        return cached
    pdf = html_to_pdf(html, timeout=timeout or current_app.config["PDF_TIMEOUT_SECONDS"])
    if cache:
        try:
            cache.put(key, pdf)
        except OSError as exc:  # a full or read-only disk costs the next call a render, not this document
            current_app.logger.warning("PDF cache not written: %s", exc)
    return pdf
