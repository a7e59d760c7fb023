"""Generated documents kept on disk, keyed by what they are made of, so any change gives a new document.

The key hashes the template name, the rendered HTML (which holds all of the document's data), the
size and modification time of every portal asset the HTML or its stylesheets refer to, and the
renderer's version. So a changed record (a revoked certificate, a renamed member, a new statement
line), a changed template, stylesheet or image never meets an old entry; nothing needs invalidating.

Entries are written atomically (a temporary file, then ``os.replace``), so the web processes sharing
the folder never read half a document. The folder is kept under a size bound, least recently used
first out (a hit refreshes the entry's time).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import tempfile
import time
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin

from portal.pdf.fetcher import PORTAL_ASSET_HOST, resolve_asset

# Bump when the worker's rendering changes in a way the HTML does not show (options, warm-up).
RENDERER = "1"
ASSET_URL = re.compile(rf"https://{re.escape(PORTAL_ASSET_HOST)}/[^\s\"'<>()]+")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
SUFFIX = ".pdf"


@functools.cache
def _renderer_version() -> str:
    try:
        return f"{RENDERER}/weasyprint-{metadata.version('weasyprint')}"
    except metadata.PackageNotFoundError:
        return RENDERER


class DocumentCache:
    """A folder of generated PDFs, at most ``max_bytes`` in all."""

    def __init__(self, folder: str | os.PathLike, max_bytes: int, static_dir: str, uploads_dir: str):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.static_root = Path(static_dir).resolve()
        self.uploads_root = Path(uploads_dir).resolve()

    def key(self, template: str, html: str) -> str:
        """The entry's name: a SHA-256 of the template, the HTML, its assets and the renderer."""
        digest = hashlib.sha256()
        for part in (_renderer_version(), template, html, *self._asset_stamps(html)):
            digest.update(part.encode("utf-8", "surrogatepass"))  # a lone surrogate must not fail here
            digest.update(b"\0")
        return digest.hexdigest()

    def _asset_stamps(self, html: str) -> list[str]:
        stamps, seen, pending = [], set(), ASSET_URL.findall(html)
        while pending:
            url = pending.pop()
            if url in seen or len(seen) > 200:
                continue
            seen.add(url)
            try:
                path = resolve_asset(url, self.static_root, self.uploads_root)
                stat = path.stat()
            except (ValueError, OSError):
                stamps.append(f"{url} missing")  # the fetcher refuses it too
                continue
            stamps.append(f"{url} {stat.st_size} {stat.st_mtime_ns}")
            if path.suffix.lower() == ".css":
                for match in CSS_URL.finditer(path.read_text(encoding="utf-8", errors="replace")):
                    pending.append(urljoin(url, match.group(1) or match.group(2)))
        return sorted(stamps)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        """The cached document, or None."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:  # not there, or just evicted by another process
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Keep a document (atomically), then trim the folder to its bound."""
        if len(data) > self.max_bytes:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.trim()

    def trim(self) -> None:
        """Remove the least recently used entries until the folder is within its bound."""
        entries, total = [], 0
        with os.scandir(self.folder) as found:
            for entry in found:
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if stat.st_mtime < time.time() - 3600:  # left by a process that died writing it
                        Path(entry.path).unlink(missing_ok=True)
                    continue
                if not entry.name.endswith(SUFFIX):
                    continue
                entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
                total += stat.st_size
        entries.sort()
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size
