"""The verify page and API, the rate limit, the staff register with its permissions, and the certificate Done-when."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from urllib.parse import urlparse

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from portal.db import get_db
from portal.documents import register
from portal.documents.models import IssuedDocument
from portal.members import memberships
from tests.factories import make_member, make_user
from tests.pdfcheck import pages_inked_in_side_margins

pytestmark = pytest.mark.db


def issue(session, actor, holder="烟台绿源动力电池再生利用有限公司", subject_id=7):
    document = register.issue(
        session,
        actor,
        kind="membership_certificate",
        subject_type="membership",
        subject_id=subject_id,
        holder_name=holder,
        shown={"会员编号": "SDBRA-2026-0007"},
        valid_to=dt.date(2099, 12, 31),
    )
    session.commit()
    return document.number, document.id


def fetch(number: str) -> IssuedDocument:
    with get_db().session(write=False) as s:
        document = s.scalar(select(IssuedDocument).where(IssuedDocument.number == number))
        s.expunge_all()
        return document


def test_verify_page_shows_status_and_only_what_is_shown(client, session, staff):
    number, _id = issue(session, staff)
    page = client.get(f"/verify/{number.lower()}").get_data(as_text=True)
    assert "有效" in page and "烟台绿源动力电池再生利用有限公司" in page and "SDBRA-2026-0007" in page
    assert staff.email not in page


def test_verify_form_redirects_and_refuses_typos(client, session, staff):
    number, _id = issue(session, staff)
    response = client.get("/verify", query_string={"number": number.replace("-", " ").lower()})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/verify/{number}")
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.get("/verify", query_string={"number": typo})
    assert response.status_code == 400 and "校验位" in response.get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_unknown_number_is_404_not_500(client):
    for text in ("HY-2026-00000-00000-0", "hy 2026 00000 00000 1", "HY202600000000000"):
        response = client.get(f"/verify/{text}")
        assert response.status_code == 404, text
        assert "未找到" in response.get_data(as_text=True)
        assert client.get(f"/api/v1/certificates/{text}").status_code == 404
    for text in ("nonsense", "x" * 300, "%E4%B8%AD"):  # not number-shaped: e-mail links' route answers, never 500
        assert client.get(f"/verify/{text}").status_code in (400, 404), text
        assert client.get(f"/api/v1/certificates/{text}").status_code in (404, 422), text


def test_api(client, session, staff):
    number, _id = issue(session, staff)
    data = client.get(f"/api/v1/certificates/{number}").get_json()
    assert data["status"] == "valid" and data["status_label"] == "有效" and data["replaced_by"] is None
    assert data["shown"] == [{"label": "会员编号", "value": "SDBRA-2026-0007"}]
    missing = client.get("/api/v1/certificates/HY-2026-00000-00000-0")
    assert missing.status_code == 404 and "未找到" in missing.get_json()["error"]["message"]


def test_replaced_links_to_the_new_number(client, session, staff, login):
    number, document_id = issue(session, staff)
    login(staff.email)
    assert client.post(f"/staff/documents/{document_id}/reissue").status_code == 303
    new = fetch(number).replaced_by_id
    with get_db().session(write=False) as s:
        new_number = s.get(IssuedDocument, new).number
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert "已被替换" in page and f"/verify/{new_number}" in page
    assert client.get(f"/api/v1/certificates/{number}").get_json()["replaced_by"] == new_number


@pytest.mark.parametrize("path", ["/verify/{n}", "/api/v1/certificates/{n}"])
def test_rate_limited_per_address(app, client, session, staff, path):
    app.config["VERIFY_RATE_LIMIT"] = 3
    number, _id = issue(session, staff)
    for i in range(3):
        assert client.get(path.format(n=number if i else "HY-2026-00000-00000-0")).status_code in (200, 404)
    response = client.get(path.format(n=number))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    body = response.get_json()["error"]["message"] if path.startswith("/api") else response.get_data(as_text=True)
    assert "秒后" in body
    other = client.get(path.format(n=number), environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_staff_list_search_and_filter(client, session, staff, login):
    number, document_id = issue(session, staff)
    issue(session, staff, holder="济南另一家回收有限公司", subject_id=8)
    login(staff.email)
    page = client.get("/staff/documents", query_string={"q": "绿源"}).get_data(as_text=True)
    assert number in page and "济南另一家" not in page
    assert number in client.get("/staff/documents", query_string={"q": number.lower()}).get_data(as_text=True)
    client.post(f"/staff/documents/{document_id}/revoke", data={"reason": "信息有误"})
    revoked = client.get("/staff/documents", query_string={"status": "revoked"}).get_data(as_text=True)
    assert number in revoked and "济南另一家" not in revoked
    assert number not in client.get("/staff/documents", query_string={"status": "valid"}).get_data(as_text=True)


def test_revoke_without_reason_changes_nothing(client, session, staff, login):
    number, document_id = issue(session, staff)
    login(staff.email)
    client.post(f"/staff/documents/{document_id}/revoke", data={"reason": ""})
    assert fetch(number).revoked_at is None


@pytest.mark.parametrize("who", ["anonymous", "member", "other_admin"])
def test_refused_people(client, session, staff, login, who):
    enterprise, _admin = make_member(session)
    _other, other_admin = make_member(session)
    member = make_user(session, "member_editor", enterprise=enterprise)
    session.commit()
    number, document_id = issue(session, staff, holder=enterprise.name, subject_id=enterprise.membership.id)
    if who != "anonymous":
        login({"member": member, "other_admin": other_admin}[who].email)
    listing = client.get("/staff/documents")
    assert listing.status_code in (302, 403)
    for action, data in (("revoke", {"reason": "x"}), ("reissue", {})):
        assert client.post(f"/staff/documents/{document_id}/{action}", data=data).status_code in (302, 403)
    document = fetch(number)
    assert document.is_live


# --- the Done-when: the member's certificate, its QR code, revoked by staff ---------------------------


def page_png(pdf: bytes, tmp_path) -> Image.Image:
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "c.pdf", "c"], cwd=tmp_path, check=True
    )
    return Image.open(tmp_path / "c.png")


def test_certificate_qr_verifies_then_revoked(app, client, login, session, staff, at, tmp_path):
    import zxingcpp

    at("2026-05-10 10:00")
    enterprise, admin = make_member(session, name="烟台绿源动力电池再生利用有限公司", tier="council")
    memberships.record_payment(session, staff, enterprise.membership.id, 2026, 500000, dt.date(2026, 5, 1))
    credit_code, email = enterprise.credit_code, admin.email
    session.commit()
    login(email)
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert sorted((round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))) == [210, 297]
    text = reader.pages[0].extract_text()
    with get_db().session(write=False) as s:
        document = s.scalar(select(IssuedDocument))
        number, document_id = document.number, document.id
    assert "烟台绿源动力电池再生利用有限公司" in text and credit_code in text and number in text
    fonts = [str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("CJK" in f for f in fonts)

    codes = zxingcpp.read_barcodes(page_png(response.data, tmp_path))
    assert len(codes) == 1
    url = urlparse(codes[0].text)
    assert url.path == f"/verify/{number}"
    client.post("/logout")
    assert "有效" in client.get(url.path).get_data(as_text=True)

    login(staff.email)
    client.post(f"/staff/documents/{document_id}/revoke", data={"reason": "会员级别印错"})
    page = client.get(url.path).get_data(as_text=True)
    assert "已撤销" in page and "有效</span>" not in page
    client.post("/logout")
    login(email)
    assert client.get("/account/certificate.pdf").status_code == 303  # a revoked term's certificate stays revoked
    assert client.get("/account/certificate.pdf").status_code == 303


def test_longest_name_stays_on_one_page(client, login, session, staff, at):
    at("2026-05-10 10:00")
    name = "山东" + "省级动力电池回收利用与梯次利用储能技术研究开发" * 7 + "有限责任公司"
    enterprise, admin = make_member(session, name=name[:200])
    memberships.record_payment(session, staff, enterprise.membership.id, 2026, 500000, dt.date(2026, 5, 1))
    email = admin.email
    session.commit()
    login(email)
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    assert pages_inked_in_side_margins(response.data, margin_mm=10) == []  # inside the frame, nothing off the edge
