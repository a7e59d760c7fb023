"""Training certificates: for attendees only, numbered in the register, verified by their QR code; refused to others."""

from __future__ import annotations

import io
import subprocess
from urllib.parse import urlparse

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.training import services
from tests.factories import make_event, make_member, make_user
from tests.pdfcheck import pages_inked_in_side_margins

# Not marked db: rendering is the same on either database (the register itself runs on both in tests/documents),
# so the suite renders each of these documents once, on SQLite.

LONG_TITLE = "新能源汽车废旧动力蓄电池回收服务网点建设运营与安全贮存、梯次利用产品检测及再生利用规范条件解读专题培训班"


@pytest.fixture
def attended(session):
    """Two members registered for a course; staff recorded that only the first attended."""
    staff = make_user(session, "staff")
    event = make_event(session, staff, capacity=5, title=LONG_TITLE)
    enterprise, admin = make_member(
        session, name="山东黄河三角洲新能源汽车动力蓄电池回收利用与梯次储能科技股份有限公司"
    )
    person = make_user(session, "member_editor", enterprise=enterprise, name="欧阳晓明")
    other = make_member(session)[1]
    came = services.register(session, person, event.id)
    absent = services.register(session, other, event.id)
    services.record_attendance(session, staff, event.id, [came.id])
    session.commit()
    return {"staff": staff, "admin": admin, "person": person, "other": other, "came": came.id, "absent": absent.id}


def page_png(pdf: bytes, tmp_path) -> Image.Image:
    (tmp_path / "t.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", "t.pdf", "t"], cwd=tmp_path, check=True)
    return Image.open(tmp_path / "t.png")


def test_the_attendee_downloads_a_certificate_that_verifies(client, login, attended, tmp_path):
    import zxingcpp

    login(attended["person"].email)
    assert "下载培训证书" in client.get(f"/training/events/{_event_of(client, attended)}").get_data(as_text=True)
    response = client.get(f"/training/certificates/{attended['came']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1  # the longest realistic title and enterprise name still fit on one page
    assert pages_inked_in_side_margins(response.data, margin_mm=10) == []  # and nothing runs off its edge
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, as the membership one
    text = reader.pages[0].extract_text()
    assert "培训证书" in text.replace(" ", "") and "欧阳晓明" in text and "8学时" in text and "2026年12月10日" in text
    fonts = [str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all("CJK" in f for f in fonts)
    codes = zxingcpp.read_barcodes(page_png(response.data, tmp_path))
    assert len(codes) == 1
    path = urlparse(codes[0].text).path
    assert path.startswith("/verify/PX-2026-") and path.removeprefix("/verify/") in text
    client.post("/logout")
    page = client.get(path).get_data(as_text=True)
    assert "有效" in page and "欧阳晓明" in page and "培训证书" in page
    # the same certificate again: the same number
    login(attended["person"].email)
    again = PdfReader(io.BytesIO(client.get(f"/training/certificates/{attended['came']}.pdf").data))
    assert path.removeprefix("/verify/") in again.pages[0].extract_text()


def _event_of(client, attended) -> int:
    from portal.db import get_db
    from portal.training.models import TrainingRegistration

    with get_db().session(write=False) as s:
        return s.get(TrainingRegistration, attended["came"]).event_id


def test_the_enterprise_admin_and_staff_may_download_it(client, login, attended):
    for who in ("admin", "staff"):
        login(attended[who].email)
        assert client.get(f"/training/certificates/{attended['came']}.pdf").status_code == 200, who
        client.post("/logout")


def test_refused_to_others_and_to_the_absent(client, login, attended):
    url = f"/training/certificates/{attended['came']}.pdf"
    assert "/login" in client.get(url).headers["Location"]  # anonymous
    login(attended["other"].email)  # another enterprise's member admin
    assert client.get(url).status_code == 404
    assert client.get("/training/certificates/999999.pdf").status_code == 404
    absent = client.get(f"/training/certificates/{attended['absent']}.pdf")  # their own, but absent
    assert absent.status_code == 409 and "出勤后" in absent.get_data(as_text=True)


def test_a_document_that_cannot_be_rendered_now_is_a_clear_503(client, login, attended, monkeypatch):
    from portal import pdf

    def busy(*args, **kwargs):
        raise pdf.PdfTimeout("生成 PDF 超时，请稍后再试。")

    monkeypatch.setattr(pdf, "html_to_pdf", busy)
    monkeypatch.setitem(client.application.config, "PDF_CACHE", False)
    login(attended["person"].email)
    response = client.get(f"/training/certificates/{attended['came']}.pdf")
    assert response.status_code == 503 and "生成 PDF 超时" in response.get_data(as_text=True)
