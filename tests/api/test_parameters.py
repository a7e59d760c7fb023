"""Query parameters are held to what the OpenAPI document says, and 405 answers name the methods."""

from __future__ import annotations

import pytest

from portal.api.params import document, operation_for
from portal.core.paging import MAX_PAGE


def error_of(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["error"]


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/api/v1/members", 100), ("/api/v1/outlets", 100), ("/api/v1/standards", 100), ("/api/v1/search", 200)],
)
def test_q_longer_than_documented_is_refused_and_at_the_limit_accepted(client, path, limit):
    assert "q" in error_of(client.get(path, query_string={"q": "回" * (limit + 1)}))["fields"]
    assert client.get(path, query_string={"q": "回" * limit}).status_code == 200


def test_search_paging_is_documented_as_served(app, client):
    params = {
        p["name"]: p["schema"] for p in operation_for("/api/v1/search", "GET", document(), "/api/v1")["parameters"]
    }
    assert params["per_page"]["default"] == 10 and params["per_page"]["maximum"] == 50
    assert params["page"]["maximum"] == MAX_PAGE
    assert client.get("/api/v1/search?q=回收").get_json()["per_page"] == 10
    assert client.get("/api/v1/search?q=回收&per_page=50").status_code == 200
    assert error_of(client.get("/api/v1/search?q=回收&per_page=51"))["fields"] == {"per_page": "不能超过 50。"}
    assert "page" in error_of(client.get(f"/api/v1/search?q=回收&page={MAX_PAGE + 1}"))["fields"]


def test_enumerated_filters_are_enums_in_the_document(app):
    doc = document()
    for path, names in {
        "/members": ("city", "activity", "tier"),
        "/standards": ("level", "status", "topic"),
        "/search": ("kind", "level", "status", "topic"),
    }.items():
        schemas = {p["name"]: p["schema"] for p in doc["paths"][path]["get"]["parameters"]}
        for name in names:
            assert schemas[name].get("enum"), (path, name)


def test_an_enumerated_filter_takes_a_label_or_a_code_and_names_anything_else(client):
    assert client.get("/api/v1/members", query_string={"city": "烟台市"}).status_code == 200
    assert client.get("/api/v1/members", query_string={"city": "370600"}).status_code == 200
    assert error_of(client.get("/api/v1/search", query_string={"kind": "nothing"}))["fields"] == {
        "kind": "无法识别的取值：nothing"
    }


def test_a_405_says_which_methods_the_url_takes(client):
    response = client.delete("/api/v1/outlets")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    page = client.post("/outlets")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_the_idempotency_key_is_visible_ascii_as_documented(client):
    from portal.core import uow
    from tests.factories import make_member, make_token

    session = uow.session()
    enterprise, _user = make_member(session, activities=("battery_maker",))
    token = make_token(session, enterprise, scopes=("deposits:write",))
    session.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "键 1"}
    response = client.post("/api/v1/deposits", json={"code": "X"}, headers=headers)
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("near", "status"),
    [
        ("36.65,117.12", 200),
        ("36.65, 117.12", 200),
        ("+36.6,117", 200),
        (".5,117", 200),
        ("1e1,2", 422),
        ("90.1,1", 422),
        ("３６,117", 422),
    ],
)
def test_near_is_accepted_exactly_as_the_document_says(client, near, status):
    assert client.get("/api/v1/outlets", query_string={"near": near}).status_code == status
