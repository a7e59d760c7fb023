"""The outlet list as print: every open outlet grouped by city, page numbers, A4, numbered and verifiable."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from pypdf import PdfReader

from tests.factories import commit_and_index, make_outlet, make_sample_outlets, make_user
from tests.pdfcheck import pages_inked_in_side_margins

# Not marked db: rendering is the same on either database (the register itself runs on both in tests/documents),
# so the suite renders each of these documents once, on SQLite.

LONG_NAME = "山东黄河三角洲新能源汽车动力蓄电池回收利用与梯次储能科技股份有限公司东营经济技术开发区回收服务网点"


def _text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "".join(page.extract_text() for page in reader.pages)


def test_the_printed_list_holds_every_open_outlet_by_city_and_verifies(client, session):
    staff = make_user(session, "staff")
    make_sample_outlets(session, staff)  # three open, one closed in Weihai
    for n in range(60):
        make_outlet(
            session,
            staff,
            code=f"SD-DY-{n:04d}",
            name=f"{LONG_NAME}{n}",
            city="东营",
            district="东营区",
            address=f"东营市东营区府前大街{n + 1}号",
        )
    commit_and_index(session)
    response = client.get("/outlets/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    if out := os.environ.get("OUTLET_LIST_OUT"):  # to look at it: pdftoppm -png -r 60
        Path(out).write_bytes(response.data)
    reader, text = _text(response.data)
    assert 3 <= len(reader.pages) <= 8  # 63 rows: a few pages, nothing cut or spilled onto empty pages
    assert pages_inked_in_side_margins(response.data, margin_mm=10) == []  # no column runs off the edge
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    pages = len(reader.pages)
    assert f"第 {pages} / {pages} 页" in text and "第 1 / " in text
    flat = text.replace("\n", "")
    assert "公示服务网点共 63 个" in flat and "东营市（60 个）" in flat and "济南市（1 个）" in flat
    assert "泉城新能源换电站" in flat and "已关闭的长江路网点" not in flat
    assert reader.metadata.title.startswith("山东省新能源汽车动力蓄电池回收服务网点名录")
    number = re.search(r"名录编号 (WD-\S+?)；", flat).group(1)
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert "有效" in page and "63" in page
    # the same list the same day: the same number (and the cached document)
    assert client.get("/outlets/print.pdf").data == response.data


def test_a_changed_list_is_a_new_document(client, session):
    staff = make_user(session, "staff")
    make_sample_outlets(session, staff)
    commit_and_index(session)
    first = client.get("/outlets/print.pdf").data
    make_outlet(
        session,
        staff,
        code="SD-NEW-1",
        name="新开的回收网点",
        city="济南",
        district="历下区",
        address="济南市历下区经十路1号",
    )
    commit_and_index(session)
    second = client.get("/outlets/print.pdf").data
    number = lambda data: re.search(r"名录编号 (WD-\S+?)；", _text(data)[1].replace("\n", "")).group(1)  # noqa: E731
    assert number(first) != number(second) and "新开的回收网点" in _text(second)[1]
