"""PDF rendering: one function, ``render_pdf(template, context)``, used by every document.

* Templates live under ``templates/pdf/`` and get plain values (dicts, strings, numbers), never ORM
  objects: the context is checked before rendering.
* The page is ``lang="zh-CN"`` and the fonts are Noto Sans/Serif CJK SC (Debian's fonts-noto-cjk),
  found through fontconfig by family name, so the Simplified Chinese faces of the .ttc collections
  are used and embedded (not the collection's first, Japanese, face).
* A URL fetcher serves only the portal's static files and uploaded images: no ``file:``, no network.
* Rendering runs in a worker process (started by a fork server) that is stopped after
  ``PDF_TIMEOUT_SECONDS`` (20 s); the caller gets ``PdfTimeout`` and shows a friendly error.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue as queue_module
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app, render_template
from flask_babel import gettext as _

PORTAL_ASSET_HOST = "portal.local"
ALLOWED_UPLOAD_KINDS = (".png", ".jpg")
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


def make_url_fetcher(static_dir: str, uploads_dir: str):
    """A WeasyPrint URL fetcher that only serves portal static files and uploaded images."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_root = Path(static_dir).resolve()
    uploads_root = Path(uploads_dir).resolve()

    class PortalURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)  # inline data needs no fetching
            if parsed.scheme != "https" or parsed.netloc != PORTAL_ASSET_HOST:
                raise ValueError(f"refused to fetch {url!r}: only portal assets are allowed")
            path = unquote(parsed.path)
            if path.startswith("/static/"):
                root, relative = static_root, path[len("/static/") :]
            elif path.startswith("/uploads/") and path.lower().endswith(ALLOWED_UPLOAD_KINDS):
                root, relative = uploads_root, path[len("/uploads/") :]
            else:
                raise ValueError(f"refused to fetch {url!r}")
            target = (root / relative).resolve()
            if root not in target.parents or not target.is_file():
                raise ValueError(f"refused to fetch {url!r}")
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": _mime(target)})

    return PortalURLFetcher(allowed_protocols=("https", "data"), allow_redirects=False)


def _mime(path: Path) -> str:
    return {".png": "image/png", ".jpg": "image/jpeg", ".css": "text/css", ".svg": "image/svg+xml"}.get(
        path.suffix.lower(), "application/octet-stream"
    )


def _render_worker(html: str, static_dir: str, uploads_dir: str, out) -> None:
    try:
        from weasyprint import HTML

        fetcher = make_url_fetcher(static_dir, uploads_dir)
        pdf = HTML(string=html, base_url=f"https://{PORTAL_ASSET_HOST}/", url_fetcher=fetcher).write_pdf()
        out.put(("ok", pdf))
    except Exception as exc:  # reported to the parent, which raises PdfError
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def _worker_context():
    """Workers come from a fork server (a clean single-threaded process with WeasyPrint loaded), not
    from a fork of the web process, whose other threads may hold locks the child would inherit."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["weasyprint", "portal.pdf"])
    return ctx


def html_to_pdf(html: str, *, timeout: float) -> bytes:
    """Render HTML in a worker process; stop it after timeout seconds."""
    static_dir = current_app.static_folder
    uploads_dir = str(Path(current_app.config["PORTAL_DATA_DIR"]) / "uploads")
    ctx = _worker_context()
    out = ctx.Queue(maxsize=1)
    worker = ctx.Process(target=_render_worker, args=(html, static_dir, uploads_dir, out), daemon=True)
    worker.start()
    try:
        status, payload = out.get(timeout=timeout)
    except queue_module.Empty:
        worker.kill()
        worker.join(5)
        raise PdfTimeout(_("生成 PDF 超时，请稍后再试。")) from None
    finally:
        worker.join(5)
        if worker.is_alive():
            worker.kill()
    if status != "ok":
        current_app.logger.error("PDF rendering failed: %s", payload)
        raise PdfError(_("生成 PDF 失败，请稍后再试或联系协会。"))
    return payload


def render_pdf(template: str, context: dict, *, timeout: float | None = None) -> bytes:
    """Render templates/<template> (under pdf/) with plain values into PDF bytes."""
    if not template.startswith("pdf/"):
        raise ValueError("PDF templates live under templates/pdf/")
    _check_plain(context)
    html = render_template(template, **context, asset_base=f"https://{PORTAL_ASSET_HOST}")
    return html_to_pdf(html, timeout=timeout or current_app.config["PDF_TIMEOUT_SECONDS"])
