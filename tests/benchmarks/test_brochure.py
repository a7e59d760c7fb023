"""The benchmark-enterprise brochure: Chinese text, a CJK font embedded, A4, 2-4 pages, user text inert."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from pypdf import PdfReader

from portal.benchmarks import services
from portal.documents import register
from portal.members import enterprises
from tests.benchmarks.helpers import selection_input
from tests.factories import checked_upload, make_member, make_outlet, make_project, make_user
from tests.pdfcheck import pages_inked_in_side_margins

# Not marked db: rendering is the same on either database (the register itself runs on both in tests/documents),
# so the suite renders each of these documents once, on SQLite.
NAME = "山东黄河三角洲新能源汽车动力蓄电池回收利用与梯次储能科技股份有限公司"

HOSTILE = '<img src="file:///etc/passwd"><div style="background: url(http://127.0.0.1:9/x)">x</div>'
PARAGRAPH = (
    "公司成立于2016年，专注于新能源汽车废旧动力蓄电池的回收、梯次利用和再生利用，建有规范化回收服务网点和"
    "集中贮存中心，配套电池包自动化拆解线、梯次利用储能产品组装线和湿法冶金再生利用生产线，形成“回收—检测—"
    "梯次利用—再生利用”的完整链条。公司参与起草国家标准和团体标准多项，承担省级重点研发项目，"
)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), (11, 110, 79)).save(buffer, "PNG")
    return buffer.getvalue()


def _benchmark(session, description: str, *, projects: int = 0) -> int:
    staff = make_user(session, "staff")
    name = NAME
    enterprise, admin = make_member(session, name=name)
    enterprise.description = description
    enterprises.set_logo(session, admin, enterprise.id, checked_upload(_png(), name="logo.png"))
    enterprise.whitelist_activity, enterprise.whitelist_batch = "both", 5
    make_outlet(session, staff, operator=name, operator_credit_code=enterprise.credit_code)
    for _n in range(projects):
        make_project(session, admin, state="operating", staff=staff)
    selection = services.open_selection(session, staff, selection_input(criteria=(("whitelist", "100"),)))
    services.nominate(session, staff, selection.id, enterprise.id)
    services.confirm(session, staff, selection.id, [enterprise.id])
    session.commit()
    return enterprise.id


def _fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """(BaseFont, embedded) of every font on every page."""
    found = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font["/BaseFont"]), embedded))
    return found


def test_the_brochure_of_the_longest_description_is_a4_on_two_to_four_pages(app, client, session):
    description = "\n".join([HOSTILE] + [PARAGRAPH * 2] * 22)[:5000]  # the profile form's limit
    enterprise_id = _benchmark(session, description, projects=6)  # the brochure shows six at most
    response = client.get(f"/benchmarks/2026/{enterprise_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    if out := os.environ.get("BROCHURE_OUT"):  # to look at it: pdftoppm -png -r 60
        Path(out).write_bytes(response.data)
    assert 2 <= len(reader.pages) <= 4
    assert pages_inked_in_side_margins(response.data, margin_mm=12) == []  # nothing off the edge (15 mm margins)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "2026年度 动力电池回收利用标杆企业" in text and "企业简介" in text and "资质与荣誉" in text
    assert f"第 {len(reader.pages)} / {len(reader.pages)} 页" in text
    assert "file:///etc/passwd" in text and "127.0.0.1:9" in text  # shown as text: escaped, never fetched
    assert "root:x:0:0" not in text
    number = re.search(r"文件编号 (\S+?)；", text).group(1)
    document = register.lookup(session, number)  # numbered in the documents register
    assert (document.kind, document.holder_name) == ("benchmark_profile", NAME)
    fonts = _fonts(reader)
    assert fonts and all("CJK-SC" in name and embedded for name, embedded in fonts), fonts


def test_a_short_brochure_has_its_cover_page_and_one_more(app, client, session):
    enterprise_id = _benchmark(session, PARAGRAPH)
    reader = PdfReader(io.BytesIO(client.get(f"/benchmarks/2026/{enterprise_id}.pdf").data))
    assert len(reader.pages) == 2
    assert "公示回收网点" in reader.pages[0].extract_text() and "第 1 / 2 页" in reader.pages[0].extract_text()
    assert PARAGRAPH[:20] in reader.pages[1].extract_text()
    again = PdfReader(io.BytesIO(client.get(f"/benchmarks/2026/{enterprise_id}.pdf").data))
    number = re.search(r"文件编号 (\S+?)；", "".join(p.extract_text() for p in reader.pages)).group(1)
    assert number in "".join(p.extract_text() for p in again.pages)  # the same number on a second download
    assert "有效" in client.get(f"/verify/{number}").get_data(as_text=True)  # and anyone can check it


def test_no_brochure_for_an_enterprise_that_is_not_a_benchmark(app, client, session):
    enterprise, _admin = make_member(session)
    session.commit()
    assert client.get(f"/benchmarks/2026/{enterprise.id}.pdf").status_code == 404
