"""PDF rendering: Chinese fonts embedded, plain values only, no file or network access, a time limit."""

from __future__ import annotations

import io
import multiprocessing
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.pdf import PdfError, PdfTimeout, make_url_fetcher, render_pdf
from tests.factories import make_user

MEMBER_NAME = "烟台绿源动力电池再生利用有限公司"
CERTIFICATE = {
    "name": MEMBER_NAME,
    "credit_code": "91370600MA3C5L7Q4X",
    "number": "SDBRA-2026-0007",
    "tier": "理事单位",
    "tier_en": "Council member",
    "term_start": "2026年01月01日",
    "term_end": "2026年12月31日",
    "certificate_number": "SDBRA-2026-0007-Z2026",
    "verification_code": "3F9A0C77B21E4D58",
    "issued_on": "2026年03月02日",
}


def fonts(reader: PdfReader) -> list[dict]:
    """BaseFont name and whether a font program is embedded, for every font on every page."""
    found = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append({"name": str(font["/BaseFont"]), "embedded": embedded})
    return found


def test_certificate_renders_with_embedded_simplified_chinese_fonts(app):
    pdf = render_pdf("pdf/membership_certificate.html", CERTIFICATE)

    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    used = fonts(reader)
    assert pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    assert MEMBER_NAME in text
    assert "会员编号 SDBRA-2026-0007" in text
    assert used, "no fonts in the PDF"
    for font in used:
        # Subset names look like ABCDEF+Noto-Serif-CJK-SC-Bold.
        assert "CJK-SC" in font["name"] or "CJKsc" in font["name"], font
        assert "JP" not in font["name"].split("+", 1)[1], font
        assert font["embedded"], font


def test_pdf_templates_take_plain_values_only(app, session):
    user = make_user(session, "staff")

    with pytest.raises(TypeError, match=r"context\['name'\] is a User"):
        render_pdf("pdf/membership_certificate.html", {**CERTIFICATE, "name": user})
    with pytest.raises(TypeError, match=r"context\['rows'\]\[1\]\['who'\] is a User"):
        render_pdf("pdf/membership_certificate.html", {**CERTIFICATE, "rows": [{"who": "a"}, {"who": user}]})


def test_only_pdf_templates_are_rendered(app):
    with pytest.raises(ValueError, match="templates/pdf/"):
        render_pdf("auth/login.html", {})


def test_rendering_past_the_time_limit_is_stopped_with_a_friendly_message(app):
    with pytest.raises(PdfTimeout) as caught:
        render_pdf("pdf/membership_certificate.html", CERTIFICATE, timeout=0.01)

    assert str(caught.value) == "生成 PDF 超时，请稍后再试。"
    assert isinstance(caught.value, PdfError)
    assert multiprocessing.active_children() == []


# --- the URL fetcher -----------------------------------------------------------------------------


@pytest.fixture
def fetcher(app, tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (uploads / "licence.pdf").write_bytes(b"%PDF-1.4 secret")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG outside the uploads")
    return make_url_fetcher(app.static_folder, str(uploads))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/static/css/pdf.css",
        "http://portal.local/static/css/pdf.css",
        "https://portal.local/../etc/passwd",
        "https://portal.local/static/../../../../etc/passwd",
        "https://portal.local/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://portal.local/static/css/missing.css",
        "https://portal.local/uploads/licence.pdf",
        "https://portal.local/uploads/../secret.png",
        "https://portal.local/etc/passwd",
        "https://user@portal.local.evil.example/static/css/pdf.css",
        "ftp://portal.local/static/css/pdf.css",
    ],
)
def test_fetcher_refuses_anything_but_portal_assets(fetcher, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_fetcher_serves_static_files(app, fetcher):
    response = fetcher.fetch("https://portal.local/static/css/pdf.css")

    expected = (Path(app.static_folder) / "css" / "pdf.css").read_bytes()
    assert response.read() == expected
    assert response.headers.get_content_type() == "text/css"


def test_fetcher_serves_uploaded_images(fetcher):
    response = fetcher.fetch("https://portal.local/uploads/logo.png")

    assert response.read() == b"\x89PNG\r\n\x1a\nfake"
    assert response.headers.get_content_type() == "image/png"
