"""Standards open for comment: clause parsing, the deadline by the clock, answers, visibility, XLSX."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.consultations import services
from portal.consultations.models import Comment, Consultation
from portal.errors import DomainError
from tests.factories import make_consultation, make_member, make_user

DRAFT = """5 技术要求
5.1 一般要求
回收服务网点应具备消防设施。
5.2.3 贮存区应设置标识。
A.1 附录条款
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            DRAFT,
            [
                ("5", "技术要求"),
                ("5.1", "一般要求\n回收服务网点应具备消防设施。"),
                ("5.2.3", "贮存区应设置标识。"),
                ("A.1", "附录条款"),
            ],
        ),
        ("1\u3000范围\n\n2 规范性引用文件", [("1", "范围"), ("2", "规范性引用文件")]),
        ("3.1\n术语内容", [("3.1", "术语内容")]),
        ("4.2 贮存\n2026年起施行的规定属于本条", [("4.2", "贮存\n2026年起施行的规定属于本条")]),
        ("6．1 全角点号", [("6.1", "全角点号")]),
    ],
)
def test_clause_parsing(text, expected):
    assert services.parse_clauses(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "没有找到任何章条编号"),
        ("本标准规定了回收要求。\n没有编号", "前没有章条编号"),
        ("团体标准（征求意见稿）\n5 要求", "前没有章条编号"),
        ("5 要求\n5 再来一次", "重复"),
    ],
)
def test_text_without_clause_numbers_is_refused(text, message):
    with pytest.raises(DomainError) as err:
        services.parse_clauses(text)
    assert message in err.value.fields["clauses"]


@pytest.fixture
def world(session, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    _ent_a, member_a = make_member(session, name="甲回收有限公司")
    _ent_b, member_b = make_member(session, name="乙再生科技有限公司")
    reviewer = make_user(session, "reviewer")
    consultation = make_consultation(session, staff, code="T/SDBRA 001—2026", deadline="2026-11-30", clauses=DRAFT)
    session.commit()
    return {"staff": staff, "a": member_a, "b": member_b, "reviewer": reviewer, "round": consultation}


def clause(world, number):
    return next(c for c in world["round"].clauses if c.number == number)


@pytest.mark.db
def test_comments_are_taken_until_the_end_of_the_deadline_day(client, session, login, at, world):
    login(world["a"].email)
    url = f"/consultations/{world['round'].id}/comments"
    at("2026-11-30 23:59")
    response = client.post(url, data={"clause": clause(world, "5.1").id, "text": "建议增加灭火器数量要求。"})
    assert response.status_code == 302
    at("2026-12-01 00:00")
    response = client.post(url, data={"clause": clause(world, "5.1").id, "text": "迟到的意见。"})
    assert response.status_code == 422 and "已截止" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Comment)) == 1


@pytest.mark.db
def test_members_see_only_their_own_comments_until_the_round_closes(client, session, login, at, world):
    services.add_comment(session, world["a"], world["round"].id, clause(world, "5").id, "甲的意见内容")
    services.add_comment(session, world["b"], world["round"].id, clause(world, "5").id, "乙的意见内容")
    session.commit()
    login(world["a"].email)
    page = client.get(f"/consultations/{world['round'].id}").get_data(as_text=True)
    assert "甲的意见内容" in page and "乙的意见内容" not in page
    at("2026-12-02 09:00")
    page = client.get(f"/consultations/{world['round'].id}").get_data(as_text=True)
    assert "乙的意见内容" in page and "乙再生科技有限公司" in page
    assert "提交意见" not in page


@pytest.mark.db
@pytest.mark.parametrize(
    ("decision", "reason", "ok"),
    [
        ("采纳", "", True),
        ("accepted", "", True),
        ("部分采纳", "", False),
        ("未采纳", "", False),
        ("未采纳", "与国标冲突", True),
        ("同意", "x", False),
    ],
)
def test_answer_rules(client, session, login, world, decision, reason, ok):
    comment = services.add_comment(session, world["a"], world["round"].id, clause(world, "5.1").id, "意见")
    session.commit()
    login(world["staff"].email)
    response = client.post(
        f"/staff/consultations/comments/{comment.id}/answer", data={"decision": decision, "reason": reason}
    )
    session.rollback()
    session.expire_all()
    stored = session.get(Comment, comment.id)
    if ok:
        assert response.status_code == 302 and "/login" not in response.headers["Location"], response.headers[
            "Location"
        ]
        assert stored.decision in ("accepted", "rejected")
    else:
        assert response.status_code == 422
        assert ("请填写理由" in response.get_data(as_text=True)) or ("处理意见应为" in response.get_data(as_text=True))
        assert stored.decision is None


@pytest.mark.db
def test_summary_exports_as_xlsx_with_the_required_columns(client, session, login, at, world):
    services.add_comment(session, world["b"], world["round"].id, clause(world, "5.2.3").id, "标识应含二维码。")
    first = services.add_comment(session, world["a"], world["round"].id, clause(world, "5.1").id, "增加灭火器要求。")
    services.answer(session, world["staff"], first.id, "partly", "仅采纳灭火器类型部分")
    session.commit()
    at("2026-12-05 10:00")
    login(world["staff"].email)
    response = client.get(f"/staff/consultations/{world['round'].id}/summary.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "章条编号", "意见内容", "提出单位", "处理意见", "备注")
    assert rows[1] == (1, "5.1", "增加灭火器要求。", "甲回收有限公司", "部分采纳", "仅采纳灭火器类型部分")
    assert rows[2] == (2, "5.2.3", "标识应含二维码。", "乙再生科技有限公司", "待处理", None)


@pytest.mark.db
def test_opening_a_round_with_bad_input_is_refused_and_changes_nothing(client, session, login, world):
    login(world["staff"].email)
    data = {"title": "新标准", "deadline": "2026-12-31", "clauses": "没有任何编号的文字"}
    response = client.post("/staff/consultations/new", data=data)
    assert response.status_code == 422 and "没有章条编号" in response.get_data(as_text=True)
    data = {"title": "新标准", "deadline": "2026-11-01", "clauses": "1 范围"}
    response = client.post("/staff/consultations/new", data=data)
    assert response.status_code == 422 and "截止日期不能早于今天" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Consultation)) == 1
    ok = client.post("/staff/consultations/new", data={**data, "deadline": "2026-12-31"})
    assert ok.status_code == 302


@pytest.mark.db
def test_staff_actions_and_commenting_are_refused_to_the_wrong_people(client, session, login, world):
    comment = services.add_comment(session, world["a"], world["round"].id, clause(world, "5").id, "意见")
    session.commit()
    rid = world["round"].id
    staff_urls = [
        ("get", "/staff/consultations"),
        ("get", "/staff/consultations/new"),
        ("post", "/staff/consultations/new"),
        ("post", f"/staff/consultations/comments/{comment.id}/answer"),
        ("get", f"/staff/consultations/{rid}/summary.xlsx"),
    ]
    for method, url in [*staff_urls, ("post", f"/consultations/{rid}/comments"), ("get", f"/consultations/{rid}")]:
        response = getattr(client, method)(url, data={"decision": "accepted"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    login(world["b"].email)
    for method, url in staff_urls:
        assert getattr(client, method)(url, data={"decision": "accepted"}).status_code == 403, url
    client.post("/logout")
    login(world["reviewer"].email)
    response = client.post(f"/consultations/{rid}/comments", data={"clause": clause(world, "5").id, "text": "评审意见"})
    assert response.status_code == 403
    session.rollback()
    session.expire_all()
    assert session.get(Comment, comment.id).decision is None
    assert session.scalar(select(func.count()).select_from(Comment)) == 1


@pytest.mark.db
def test_the_commenter_is_notified_of_the_answer(client, session, login, world):
    from portal.notify.models import Notification

    comment = services.add_comment(session, world["a"], world["round"].id, clause(world, "5.1").id, "意见")
    session.commit()
    login(world["staff"].email)
    client.post(
        f"/staff/consultations/comments/{comment.id}/answer", data={"decision": "未采纳", "reason": "与国标冲突"}
    )
    session.rollback()
    note = session.scalar(select(Notification).where(Notification.user_id == world["a"].id))
    assert note is not None and "5.1" in note.title and "未采纳" in note.title and note.body == "与国标冲突"


@pytest.mark.db
def test_applicants_cannot_read_draft_standards_under_comment(client, session, login, world):
    from tests.factories import make_application

    _application, applicant = make_application(session)
    session.commit()
    login(applicant.email)
    assert client.get("/consultations").status_code == 403
    assert client.get(f"/consultations/{world['round'].id}").status_code == 403
