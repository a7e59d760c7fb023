"""The document cache: a hit is the same bytes without a render; changed data or assets are a new document."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

import portal.pdf
from portal.pdf import render_pdf
from portal.pdf.cache import DocumentCache
from tests.core.test_pdf import CERTIFICATE

CERT = "pdf/membership_certificate.html"


@pytest.fixture
def renders(monkeypatch):
    """Count the documents actually rendered (calls reaching the workers)."""
    calls = []
    real = portal.pdf.html_to_pdf

    def counting(html, *, timeout):
        calls.append(html)
        return real(html, timeout=timeout)

    monkeypatch.setattr(portal.pdf, "html_to_pdf", counting)
    return calls


def cache_dir(app) -> Path:
    return Path(app.config["PORTAL_DATA_DIR"]) / "pdf-cache"


def text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_hit_returns_identical_bytes_without_a_render(app, renders):
    first = render_pdf(CERT, CERTIFICATE)
    second = render_pdf(CERT, dict(CERTIFICATE))

    assert second == first
    assert len(renders) == 1
    assert [p.suffix for p in cache_dir(app).iterdir()] == [".pdf"]  # one entry, no temporary left


def test_changed_data_is_a_new_document_never_the_old_entry(app, renders):
    current = render_pdf(CERT, CERTIFICATE)
    # The record changes (the term is renewed, the member renamed): the old entry must not answer.
    renewed = render_pdf(CERT, {**CERTIFICATE, "term_end": "2027年12月31日"})
    renamed = render_pdf(CERT, {**CERTIFICATE, "name": "烟台绿源新能源科技有限公司"})
    again = render_pdf(CERT, {**CERTIFICATE, "term_end": "2027年12月31日"})

    assert len(renders) == 3
    assert "2026年01月01日 至 2027年12月31日" in text(renewed)
    assert "2027年12月31日" not in text(current)
    assert "烟台绿源新能源科技有限公司" in text(renamed)
    assert again == renewed
    assert len(list(cache_dir(app).glob("*.pdf"))) == 3


def test_a_changed_stylesheet_is_a_new_document(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    css = static / "css" / "pdf.css"
    css.write_text("body { color: black }")
    cache = DocumentCache(tmp_path / "cache", 10**6, str(static), str(tmp_path / "uploads"))
    html = '<link rel="stylesheet" href="https://portal.local/static/css/pdf.css"><p>x</p>'

    before = cache.key(CERT, html)
    assert cache.key(CERT, html) == before
    css.write_text("body { color: green; background: url(../img/seal.png) }")
    after_css = cache.key(CERT, html)
    (static / "img").mkdir()
    (static / "img" / "seal.png").write_bytes(b"\x89PNG seal")
    after_image = cache.key(CERT, html)

    assert len({before, after_css, after_image}) == 3
    assert cache.key("pdf/other.html", html) != after_image


def test_the_cache_can_be_turned_off(app, renders):
    app.config["PDF_CACHE"] = False

    render_pdf(CERT, CERTIFICATE)
    render_pdf(CERT, CERTIFICATE)

    assert len(renders) == 2
    assert not cache_dir(app).exists()


def test_the_cache_keeps_within_its_bound_least_recently_used_first(tmp_path):
    cache = DocumentCache(tmp_path / "cache", 2500, str(tmp_path), str(tmp_path))
    for n, key in enumerate(["a", "b", "c"]):
        cache.put(key, key.encode() * 1000)
        os.utime(cache.folder / f"{key}.pdf", (1_000_000 + n, 1_000_000 + n))
    # "b" and "c" fill the folder to 2000 bytes; reading "a" was not possible (it went first).
    assert cache.get("a") is None
    assert cache.get("b") == b"b" * 1000  # a hit makes "b" the most recently used
    cache.put("d", b"d" * 1000)

    assert sorted(p.name for p in cache.folder.iterdir()) == ["b.pdf", "d.pdf"]
    assert sum(p.stat().st_size for p in cache.folder.iterdir()) <= 2500


def test_a_document_larger_than_the_whole_cache_is_not_kept(tmp_path):
    cache = DocumentCache(tmp_path / "cache", 100, str(tmp_path), str(tmp_path))
    cache.put("big", b"x" * 101)

    assert cache.get("big") is None


def test_a_cache_that_cannot_be_written_still_gives_the_document(app, renders, caplog):
    cache_dir(app).parent.mkdir(parents=True, exist_ok=True)
    cache_dir(app).write_text("a file where the folder should be")

    pdf = render_pdf(CERT, CERTIFICATE)

    assert pdf.startswith(b"%PDF-")
    assert "PDF cache not written" in caplog.text
    assert render_pdf(CERT, CERTIFICATE).startswith(b"%PDF-")  # rendered again, never an error
    assert len(renders) == 2
