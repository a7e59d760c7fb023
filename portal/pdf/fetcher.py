"""The only way a document reaches a file: portal static assets and uploaded images, nothing else.

No Flask or portal imports here: the render worker loads this file on its own (see worker.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

PORTAL_ASSET_HOST = "portal.local"
ALLOWED_UPLOAD_KINDS = (".png", ".jpg")
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".css": "text/css", ".svg": "image/svg+xml"}


def resolve_asset(url: str, static_root: Path, uploads_root: Path) -> Path:
    """The file behind a portal asset URL; ValueError for anything that is not a portal asset."""
    parsed = urlparse(url)
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
    return target


def make_url_fetcher(static_dir: str, uploads_dir: str):
    """A WeasyPrint URL fetcher that only serves portal static files and uploaded images."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_root = Path(static_dir).resolve()
    uploads_root = Path(uploads_dir).resolve()

    class PortalURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if urlparse(url).scheme == "data":
                return super().fetch(url, headers)  # inline data needs no fetching
            target = resolve_asset(url, static_root, uploads_root)
            content_type = MIME.get(target.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": content_type})

    return PortalURLFetcher(allowed_protocols=("https", "data"), allow_redirects=False)
