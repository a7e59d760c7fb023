"""The scheme's pages: members see their own accounts and bill deposits; staff run the scheme; refusals."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from tests.factories import PASSWORD, make_member, make_user
from tests.ledger.conftest import bill, new_pack, verify_ok
from tests.pdfcheck import pages_inked_in_side_margins, words_outside

pytestmark = pytest.mark.db


@dataclass
class Desk:
    """The scheme's world with one billed pack of the maker (1,200 yuan), staff, a second staff, an observer."""

    scheme: object
    code: str
    staff_email: str
    staff2_email: str
    observer_email: str


@pytest.fixture
def desk(scheme, api, session) -> Desk:
    code = new_pack(scheme, api)  # 60 kWh LFP at 20 yuan per kWh
    assert bill(scheme, api, code).status_code == 201
    staff = make_user(session, "staff")
    staff2 = make_user(session, "admin")
    observer = make_user(session, "observer")
    session.commit()
    return Desk(scheme, code, staff.email, staff2.email, observer.email)


@pytest.fixture
def as_(app):
    """A fresh client logged in as email (its own cookies)."""

    def log_in(email: str):
        client = app.test_client()
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code in (302, 303), answer.status_code
        return client

    return log_in


def txn_count() -> int:
    from sqlalchemy import func, select

    from portal.db import get_db
    from portal.ledger.models import LedgerTransaction

    with get_db().session(write=False) as s:
        return s.scalar(select(func.count()).select_from(LedgerTransaction))


def balance(kind: str, enterprise_id: int | None = None) -> int:
    from portal.db import get_db
    from portal.ledger.billing import account_balance

    with get_db().session(write=False) as s:
        return account_balance(s, kind, enterprise_id)


def text(answer) -> str:
    return answer.get_data(as_text=True)


# --- the member's pages --------------------------------------------------------------------------


def test_a_member_sees_its_balances_and_open_deposits(desk, as_):
    maker = as_(desk.scheme.world.maker.email)
    page = maker.get("/deposits")
    assert page.status_code == 200
    body = text(page)
    assert re.search(r'data-account="deposits_receivable">1,200.00<', body)
    assert re.search(r'data-account="deposits_held">1,200.00<', body)
    assert desk.code in body
    assert "/account/profile" in body  # where the bank account on file is edited
    assert "****" in body  # the scheme fixture put one on file


def test_a_member_of_another_enterprise_sees_only_its_own_figures(desk, as_):
    stranger = as_(desk.scheme.world.stranger.email)
    body = text(stranger.get("/deposits"))
    assert re.search(r'data-account="deposits_held">0.00<', body)
    assert desk.code not in body
    assert desk.code not in text(stranger.get("/deposits/statement"))
    assert desk.code not in stranger.get("/deposits/statement.csv").get_data().decode("utf-8-sig")


@pytest.mark.parametrize("path", ["/deposits", "/deposits/statement", "/deposits/statement.csv", "/deposits/bill"])
def test_the_public_is_sent_to_log_in_and_staff_are_not_members(desk, client, as_, path):
    answer = client.get(path)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert as_(desk.staff_email).get(path).status_code == 403


def test_a_lapsed_or_suspended_member_is_refused(desk, as_, session):
    for state in ("lapsed", "suspended"):
        _enterprise, user = make_member(session, state=state)
        session.commit()
        client = as_(user.email)
        assert client.get("/deposits").status_code == 403
        assert client.post("/deposits/bill", data={"codes": desk.code}).status_code == 403


def test_the_statement_filters_by_type_and_pack_and_refuses_bad_filters(desk, as_, api):
    maker = as_(desk.scheme.world.maker.email)
    other = new_pack(desk.scheme, api)
    assert bill(desk.scheme, api, other).status_code == 201
    both = text(maker.get("/deposits/statement"))
    assert desk.code in both and other in both
    one = text(maker.get(f"/deposits/statement?code={desk.code}"))
    assert desk.code in one and other not in one
    assert desk.code not in text(maker.get("/deposits/statement?type=payment"))
    bad = maker.get("/deposits/statement?date_from=2026-13-40&type=nonsense")
    assert bad.status_code == 422
    assert "筛选条件有误" in text(bad) and "未知的业务类型" in text(bad)
    backwards = maker.get("/deposits/statement?date_from=2026-11-05&date_to=2026-11-01")
    assert backwards.status_code == 422 and "结束日期不能早于开始日期" in text(backwards)
    assert maker.get("/deposits/statement.xlsx?type=nonsense").status_code == 422


def test_exports_hold_the_filtered_lines(desk, as_, api):
    from openpyxl import load_workbook

    maker = as_(desk.scheme.world.maker.email)
    other = new_pack(desk.scheme, api, kwh=50)
    assert bill(desk.scheme, api, other).status_code == 201
    answer = maker.get(f"/deposits/statement.csv?code={desk.code}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "凭证号"
    assert {r[8] for r in rows[1:]} == {desk.code}
    assert sorted(r[7] for r in rows[1:]) == ["1,200.00", "1,200.00"]  # receivable and held both rise
    workbook = load_workbook(io.BytesIO(maker.get("/deposits/statement.xlsx?type=bill").get_data()))
    cells = [[c for c in row] for row in workbook.active.iter_rows(values_only=True)]
    assert {r[8] for r in cells[1:]} == {desk.code, other}
    assert "1,000.00" in {r[6] for r in cells[1:]}  # 50 kWh at 20 yuan
    assert maker.get("/deposits/statement.doc").status_code == 404


def test_the_pdf_statement_names_the_member(desk, as_):
    maker = as_(desk.scheme.world.maker.email)
    answer = maker.get("/deposits/statement.pdf")
    assert answer.status_code == 200, text(answer)[:500]
    data = answer.get_data()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        found = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    else:
        from pypdf import PdfReader

        found = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert desk.scheme.world.maker.name in found
    assert "1,200.00" in found
    # the page margins are 12 mm: no column, border or background runs into them
    assert words_outside(data, margin_mm=10) == [] and pages_inked_in_side_margins(data, margin_mm=10) == []
    # numbered in the documents register: anyone holding the paper can check it; the same content keeps its number
    number = re.search(r"对账单编号 (ZD-\S+?)；", found.replace("\n", "")).group(1)
    assert "有效" in maker.get(f"/verify/{number}").get_data(as_text=True)
    again = maker.get("/deposits/statement.pdf").get_data()
    assert number.encode() in subprocess.run(["pdftotext", "-", "-"], input=again, capture_output=True).stdout


def test_a_member_bills_pasted_codes(desk, as_, api, session):
    maker = as_(desk.scheme.world.maker.email)
    assert maker.get("/deposits/bill").status_code == 200
    first, second = new_pack(desk.scheme, api), new_pack(desk.scheme, api, kwh=40)
    before = txn_count()
    answer = maker.post("/deposits/bill", data={"codes": f"{first}\n\n {second.lower()} \n"})
    assert answer.status_code == 303, text(answer)
    assert txn_count() == before + 2
    assert balance("deposits_held", desk.scheme.world.maker.id) == 120000 + 120000 + 80000
    verify_ok(session)


def test_a_bad_code_bills_nothing_and_names_its_line(desk, as_, api):
    maker = as_(desk.scheme.world.maker.email)
    fresh = new_pack(desk.scheme, api)
    before = txn_count()
    answer = maker.post("/deposits/bill", data={"codes": f"{fresh}\n{desk.code}\nNOT-A-CODE"})
    assert answer.status_code == 422
    body = text(answer)
    assert "未计收任何押金" in body
    assert re.search(r"<td>2</td><td>电池编码</td><td[^>]*>该电池包的押金已于", body)
    assert re.search(r"<td>3</td><td>电池编码</td><td[^>]*>没有找到编码为", body)
    assert txn_count() == before
    empty = maker.post("/deposits/bill", data={"codes": "  \n"})
    assert empty.status_code == 422 and "至少需要一个电池编码" in text(empty)
    assert txn_count() == before


def test_a_member_bills_by_file_and_a_bad_file_is_refused(desk, as_, api):
    from openpyxl import Workbook

    maker = as_(desk.scheme.world.maker.email)
    fresh = new_pack(desk.scheme, api)
    before = txn_count()
    upload = {"file": (io.BytesIO(f"备注,电池编码\n首批,{fresh}\n".encode()), "押金.csv")}
    answer = maker.post("/deposits/bill", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 303, text(answer)
    assert txn_count() == before + 1
    workbook = Workbook()
    workbook.active.append(["编号错"])
    workbook.active.append([fresh])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    wrong = maker.post("/deposits/bill", data={"file": (buffer, "a.xlsx")}, content_type="multipart/form-data")
    assert wrong.status_code == 422 and "缺少必需的列" in text(wrong)
    again = {"file": (io.BytesIO(f"电池编码\n{fresh}\n".encode()), "b.csv")}
    twice = maker.post("/deposits/bill", data=again, content_type="multipart/form-data")
    assert twice.status_code == 422 and re.search(r"<td>2</td><td>电池编码/code</td>", text(twice))
    assert txn_count() == before + 1


# --- staff pages -----------------------------------------------------------------------------------


STAFF_READS = [
    "/deposits/staff",
    "/deposits/staff/trial-balance",
    "/deposits/staff/reconciliation",
    "/deposits/staff/verify",
    "/deposits/staff/statement",
    "/deposits/staff/rules",
    "/deposits/staff/adjustments",
    "/deposits/staff/transactions/1",
]
STAFF_WRITES = [
    "/deposits/staff/payments",
    "/deposits/staff/payouts",
    "/deposits/staff/months",
    "/deposits/staff/rules/new",
    "/deposits/staff/adjustments",
    "/deposits/staff/transactions/1/reverse",
    "/deposits/staff/adjustments/1/approve",
    "/deposits/staff/adjustments/1/reject",
]


@pytest.mark.parametrize("path", STAFF_READS)
def test_staff_pages_are_read_by_staff_and_observers_only(desk, client, as_, path):
    assert as_(desk.staff_email).get(path).status_code == 200
    assert as_(desk.observer_email).get(path).status_code == 200
    assert as_(desk.scheme.world.maker.email).get(path).status_code == 403
    answer = client.get(path)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("path", STAFF_WRITES)
def test_observers_members_and_the_public_may_not_write(desk, client, as_, path):
    before = txn_count()
    data = {"reason": "x", "note": "x", "month": "2026-10", "amount": "1", "enterprise_id": "1"}
    assert as_(desk.observer_email).post(path, data=data).status_code == 403
    assert as_(desk.scheme.world.maker.email).post(path, data=data).status_code == 403
    assert client.post(path, data=data).status_code == 302
    assert txn_count() == before


def test_the_dashboard_shows_the_schemes_figures_and_a_chart(desk, as_):
    import xml.etree.ElementTree as ET

    page = as_(desk.observer_email).get("/deposits/staff")
    body = text(page)
    totals = body[body.index('id="totals"') : body.index('id="monthly"')]
    assert totals.count("1,200.00") == 2  # receivable and held; escrow is still 0.00
    svg = re.search(r"<svg.*?</svg>", body, re.S).group(0)
    bars = ET.fromstring(svg).findall("{http://www.w3.org/2000/svg}rect[@class='bar']")  # noqa: S314 (our own SVG)
    assert len(bars) == 12
    assert '<td>2026-11</td><td class="num">1,200.00</td>' in body


def test_trial_balance_reconciliation_and_verify(desk, as_):
    staff = as_(desk.staff_email)
    trial = text(staff.get("/deposits/staff/trial-balance"))
    debits = re.search(r'id="total-debits">([^<]+)<', trial).group(1)
    credits = re.search(r'id="total-credits">([^<]+)<', trial).group(1)
    assert debits == credits == "1,200.00"
    assert "借方合计与贷方合计相等" in trial
    recon = text(staff.get("/deposits/staff/reconciliation"))
    assert desk.scheme.world.maker.name in recon and "相符" in recon and "不符的电池包" not in recon
    assert "校验通过" in text(staff.get("/deposits/staff/verify"))


def test_staff_record_a_payment_and_bad_input_writes_nothing(desk, as_):
    staff = as_(desk.staff_email)
    maker_id = desk.scheme.world.maker.id
    form = staff.get("/deposits/staff/payments")
    assert form.status_code == 200 and "1,200.00元" in text(form)
    before = txn_count()
    for bad, message in (
        ({"enterprise_id": "", "amount": "10", "received_on": "2026-11-02", "reference": "B1"}, "请选择单位"),
        ({"enterprise_id": maker_id, "amount": "abc", "received_on": "2026-11-02", "reference": "B1"}, "金额"),
        ({"enterprise_id": maker_id, "amount": "1300", "received_on": "2026-11-02", "reference": "B1"}, "超过"),
        ({"enterprise_id": maker_id, "amount": "10", "received_on": "2099-01-01", "reference": "B1"}, "不能晚于今天"),
        ({"enterprise_id": maker_id, "amount": "10", "received_on": "2026-11-02", "reference": ""}, "银行流水号"),
    ):
        answer = staff.post("/deposits/staff/payments", data=bad)
        assert answer.status_code == 422, bad
        assert message in text(answer)
    assert txn_count() == before
    good = {"enterprise_id": maker_id, "amount": "500", "received_on": "2026-11-02", "reference": "ICBC 0001"}
    answer = staff.post("/deposits/staff/payments", data=good)
    assert answer.status_code == 303
    assert balance("deposits_receivable", maker_id) == 70000
    assert balance("escrow_bank") == 50000
    assert "ICBC0001" in text(staff.get(answer.headers["Location"]))


def test_a_payout_above_what_is_payable_is_refused(desk, as_):
    staff = as_(desk.staff_email)
    form = staff.get("/deposits/staff/payouts")
    assert form.status_code == 200 and 'value="2026-11-02"' in text(form)
    before = txn_count()
    answer = staff.post(
        "/deposits/staff/payouts",
        data={"enterprise_id": desk.scheme.world.maker.id, "amount": "1", "paid_on": "2026-11-02", "reference": "O1"},
    )
    assert answer.status_code == 422
    assert "不能超过应付退款0.00元" in text(answer)
    assert txn_count() == before


def test_staff_reverse_a_transaction_with_a_reason(desk, as_, session):
    staff = as_(desk.staff_email)
    page = text(staff.get("/deposits/staff/transactions/1"))
    assert "冲销这张凭证" in page and desk.code in page
    before = txn_count()
    refused = staff.post("/deposits/staff/transactions/1/reverse", data={"reason": "  "})
    assert refused.status_code == 422 and "请填写原因" in text(refused)
    assert txn_count() == before
    assert staff.post("/deposits/staff/transactions/999/reverse", data={"reason": "x"}).status_code == 404
    done = staff.post("/deposits/staff/transactions/1/reverse", data={"reason": "容量登记有误"})
    assert done.status_code == 303
    assert txn_count() == before + 1
    assert balance("deposits_held", desk.scheme.world.maker.id) == 0
    again = staff.post("/deposits/staff/transactions/1/reverse", data={"reason": "再来一次"})
    assert again.status_code == 422 and "已被" in text(again)
    verify_ok(session)


def test_an_adjustment_needs_another_staff_member(desk, as_):
    proposer, other = as_(desk.staff_email), as_(desk.staff2_email)
    fund_to_payable = f"recycling_fund D 10.00\nrefunds_payable:{desk.scheme.world.maker.id} C 10.00"
    for bad, message in (
        ({"lines": "recycling_fund D 10\nrefunds_payable:1 C 9", "reason": "r"}, "借贷不平衡"),
        ({"lines": "escrow_bank D 10\nrecycling_fund C 10", "reason": "r"}, "只能调整"),
        ({"lines": fund_to_payable, "reason": ""}, "请填写原因"),
    ):
        answer = proposer.post("/deposits/staff/adjustments", data=bad)
        assert answer.status_code == 422 and message in text(answer)
    made = proposer.post("/deposits/staff/adjustments", data={"lines": fund_to_payable, "reason": "基金垫付"})
    assert made.status_code == 303
    before = txn_count()
    assert proposer.post("/deposits/staff/adjustments/1/approve").status_code == 403  # one's own
    assert txn_count() == before
    # The fund holds nothing yet: the posting would overdraw it, so approving is refused too.
    refused = other.post("/deposits/staff/adjustments/1/approve")
    assert refused.status_code == 422 and "不能为负" in text(refused)
    assert txn_count() == before
    rejected = other.post("/deposits/staff/adjustments/1/reject", data={"note": ""})
    assert rejected.status_code == 422 and "请填写原因" in text(rejected)
    assert other.post("/deposits/staff/adjustments/1/reject", data={"note": "基金尚无余额"}).status_code == 303
    assert "基金尚无余额" in text(other.get("/deposits/staff/adjustments"))


def test_rule_versions_are_listed_and_added(desk, as_):
    staff = as_(desk.staff_email)
    assert "2026-11-02" in text(staff.get("/deposits/staff/rules"))
    from sqlalchemy import func, select

    from portal.db import get_db
    from portal.ledger.models import DepositRule

    def rules() -> int:
        with get_db().session(write=False) as s:
            return s.scalar(select(func.count()).select_from(DepositRule))

    form = text(staff.get("/deposits/staff/rules/new"))
    assert "磷酸铁锂（元/kWh）" in form and 'name="rate_lfp"' in form
    bad = {"effective_from": "2026-10-01", "collector_share_percent": "120", "forfeit_after_days": "5"}
    answer = staff.post("/deposits/staff/rules/new", data=bad)
    assert answer.status_code == 422
    assert "不能早于今天" in text(answer) and "百分比" in text(answer) and "30到3650" in text(answer)
    assert rules() == 1
    good = {
        "effective_from": "2027-01-01",
        "collector_share_percent": "15",
        "forfeit_after_days": "400",
        "rate_lfp": "22",
        "refund_via_outlets": "y",
        "refund_via_whitelist": "y",
    }
    assert staff.post("/deposits/staff/rules/new", data=good).status_code == 303
    assert rules() == 2
    assert "2027-01-01" in text(staff.get("/deposits/staff/rules"))


def test_staff_close_a_month(desk, as_, at):
    staff = as_(desk.staff_email)
    at("2026-12-03 10:00")
    assert 'value="2026-11"' in text(staff.get("/deposits/staff/months"))
    for bad in ("2026-13", "2026-12", "十一月"):
        answer = staff.post("/deposits/staff/months", data={"month": bad})
        assert answer.status_code == 422, bad
    assert staff.post("/deposits/staff/months", data={"month": "2026-11"}).status_code == 303
    assert "已结账" in text(staff.post("/deposits/staff/months", data={"month": "2026-11"}))
    assert "2026-11" in text(staff.get("/deposits/staff/months"))


def test_the_staff_statement_filters_by_enterprise(desk, as_, api):
    car_pack = new_pack(desk.scheme, api)
    # The maker bills this one too; the car maker bills nothing: filter by the car maker shows nothing.
    assert bill(desk.scheme, api, car_pack).status_code == 201
    staff = as_(desk.staff_email)
    every = text(staff.get("/deposits/staff/statement"))
    assert desk.code in every and car_pack in every
    maker_only = text(staff.get(f"/deposits/staff/statement?enterprise_id={desk.scheme.world.maker.id}"))
    assert desk.code in maker_only
    none = text(staff.get(f"/deposits/staff/statement?enterprise_id={desk.scheme.world.car.id}"))
    assert desk.code not in none
    assert staff.get("/deposits/staff/statement?enterprise_id=abc").status_code == 422
