"""/search and /api/v1/search: one box over every kind, facets, fragments, paging, sorting, access."""

from __future__ import annotations

import pytest

from portal import search
from portal.search.engine import SearchDocument
from portal.search.highlight import fragment
from tests.factories import make_member, make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def corpus(app, session):
    staff = make_user(session, "staff")
    enterprise, admin = make_member(session, name="烟台长江新能源科技有限公司", city="370600")
    enterprise.description = "专注磷酸铁锂电池梯次利用"
    search.enqueue(session, "member", enterprise.id)
    make_outlet(session, staff, name="长江路4S店回收服务网点", address="烟台市开发区长江路188号")
    make_outlet(session, staff, name="黄河路换电站", address="济南市天桥区黄河路1号", city="济南")
    session.commit()
    search.catch_up()
    return {"member": enterprise, "admin": admin}


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_one_box_finds_every_kind_with_facet_counts(client, corpus):
    data = api(client, q="长江")
    assert data["total"] == 2
    assert {item["kind"] for item in data["items"]} == {"member", "outlet"}
    kinds = {f["value"]: f["count"] for f in data["facets"]["kind"]}
    assert kinds == {"member": 1, "outlet": 1}
    assert [f["label"] for f in data["facets"]["kind"]] and all(f["label"] for f in data["facets"]["kind"])


def test_kind_filter_and_text_in_descriptions(client, corpus):
    assert [i["kind"] for i in api(client, q="长江", kind="outlet")["items"]] == ["outlet"]
    found = api(client, q="梯次利用")["items"]
    assert [i["title"] for i in found] == ["烟台长江新能源科技有限公司"]
    assert "<mark>梯次利用</mark>" in found[0]["fragment"]


def test_sorting_by_date_and_paging(client, corpus):
    data = api(client, q="路", sort="date", per_page=1)  # two outlets and the member's address
    assert data["per_page"] == 1 and data["total"] == 3 and len(data["items"]) == 1
    second = api(client, q="路", sort="date", per_page=1, page=2)["items"][0]
    assert (second["kind"], second["id"]) != (data["items"][0]["kind"], data["items"][0]["id"])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kind": "nope"}, "kind"),
        ({"sort": "size"}, "sort"),
        ({"year": "26"}, "year"),
        ({"per_page": "51"}, "per_page"),
    ],
)
def test_bad_parameters_are_refused(client, corpus, params, field):
    response = client.get("/api/v1/search", query_string={"q": "长江", **params})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/search", query_string={"q": "长江", **params}).status_code == 422


def test_the_page_shows_facets_fragments_and_an_empty_hint(client, corpus):
    page = client.get("/search", query_string={"q": "长江路4S店"}).get_data(as_text=True)
    assert "共 1 条结果" in page
    assert "<mark>长江路4S店</mark>" in page
    assert "回收网点" in page
    empty = client.get("/search", query_string={"q": "没有这个词"}).get_data(as_text=True)
    assert "没有找到结果" in empty


def test_members_only_documents_are_found_only_by_members(app, client, session, corpus, login, monkeypatch):
    def load(s, ids):
        return {
            i: SearchDocument(
                kind="secret", id=i, title="会员专享培训课件", texts=["放电规范详解"], facets={"access": "members"}
            )
            for i in ids
        }

    def present(s, ids):
        return {i: search.Presented(title="会员专享培训课件", url="/training/1", text="放电规范详解") for i in ids}

    monkeypatch.setitem(
        search.SOURCES,
        "secret",
        search.Source("secret", load, lambda s: [1], lambda s: 1, present),
    )
    search.enqueue(session, "secret", 1)
    session.commit()
    search.catch_up()
    assert api(client, q="放电规范")["total"] == 0
    reviewer = make_user(session, "reviewer")
    from tests.factories import make_application

    _application, applicant = make_application(session)  # an enterprise not (yet) admitted
    session.commit()
    for outsider in (reviewer, applicant):
        login(outsider.email)
        assert api(client, q="放电规范")["total"] == 0
        client.post("/logout")
    login(corpus["admin"].email)
    assert api(client, q="放电规范")["items"][0]["title"] == "会员专享培训课件"


def test_applicants_are_not_in_the_search(app, client, session, corpus):
    from tests.factories import make_application

    application, _user = make_application(session)
    search.enqueue(session, "member", application.enterprise_id)
    session.commit()
    search.catch_up()
    assert api(client, q=application.enterprise.name)["total"] == 0


@pytest.mark.parametrize(
    "text, query, expected",
    [
        ("烟台市开发区长江路188号", "长江路", "烟台市开发区<mark>长江路</mark>188号"),
        ("ＧＢ／Ｔ 34015 车用", "gb/t", "<mark>ＧＢ／Ｔ</mark> 34015 车用"),
        ("<b>4S店</b>", "4s店", "&lt;b&gt;<mark>4S店</mark>&lt;/b&gt;"),
        ("没有匹配的文字", "长江", "没有匹配的文字"),
    ],
)
def test_fragments_mark_the_right_characters_and_escape_html(text, query, expected):
    assert str(fragment(text, query)) == expected


def test_a_long_text_is_cut_around_the_match_without_splitting_it():
    text = "前" * 200 + "放电规范" + "后" * 200
    out = str(fragment(text, "放电规范", width=40))
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>放电规范</mark>" in out
    out = str(fragment("前" * 10 + "放电规范" + "后" * 10, "放电规范", width=12))
    assert "<mark>放电规范</mark>" in out  # the mark is never cut in two
