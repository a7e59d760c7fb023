"""PDF rendering: Chinese fonts embedded, plain values only, no file or network access, a time limit."""

from __future__ import annotations

import io
import multiprocessing
import socket
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.pdf import PdfError, PdfTimeout, html_to_pdf, make_url_fetcher, pool, render_pdf
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
    assert pool.current_pool().worker_pids() == []  # the worker that overran was killed


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


# --- user text cannot reach files or the network -------------------------------------------------


@pytest.fixture
def listener():
    """A TCP socket on a free loopback port: any connection the renderer makes shows up here."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            return count
        conn.close()
        count += 1


def hostile_markup(port: int) -> str:
    return (
        '<img src="file:///etc/passwd">'
        f'<span style="background: url(http://127.0.0.1:9/x)">u</span>'
        f'<div style="background-image: url(http://127.0.0.1:{port}/y)">v</div>'
        f'<img src="http://127.0.0.1:{port}/z.png">'
    )


def test_the_fetcher_refuses_a_local_file_and_the_network_inside_a_document(app, listener):
    from weasyprint import HTML

    port = listener.getsockname()[1]
    real = make_url_fetcher(app.static_folder, str(Path(app.config["PORTAL_DATA_DIR"]) / "uploads"))
    asked, refused = [], []

    class Recording(type(real)):
        def fetch(self, url, headers=None):
            asked.append(url)
            try:
                return super().fetch(url, headers)
            except ValueError:
                refused.append(url)
                raise

    fetcher = Recording(allowed_protocols=("https", "data"), allow_redirects=False)
    # Unescaped on purpose: even markup that got past the templates' escaping is refused here.
    HTML(string=f"<p>{hostile_markup(port)}</p>", base_url="https://portal.local/", url_fetcher=fetcher).write_pdf()

    hostile = {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        f"http://127.0.0.1:{port}/y",
        f"http://127.0.0.1:{port}/z.png",
    }
    assert hostile <= set(asked)
    assert set(asked) == set(refused)
    assert connections(listener) == 0


def test_user_text_in_a_document_is_escaped_and_fetches_nothing(app, listener):
    port = listener.getsockname()[1]
    name = f"恶意公司{hostile_markup(port)}"

    pdf = render_pdf("pdf/membership_certificate.html", {**CERTIFICATE, "name": name})

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert '<img src="file:///etc/passwd">' in text  # shown as text, not taken as markup
    assert "url(http://127.0.0.1:9/x)" in text
    assert connections(listener) == 0


def test_the_worker_reads_no_local_file_even_from_raw_html(app, tmp_path, listener):
    port = listener.getsockname()[1]
    evil = tmp_path / "evil.css"
    evil.write_text(f"@page {{ size: A6 }} body {{ background: url(http://127.0.0.1:{port}/css) }}")
    html = f'<html><head><link rel="stylesheet" href="file://{evil}"></head><body>{hostile_markup(port)}x</body></html>'

    pdf = html_to_pdf(html, timeout=20)

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 (default), not the file's A6
    assert connections(listener) == 0
