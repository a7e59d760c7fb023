"""API errors: one envelope, 422 for bad parameters, never a 500 for bad input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("page=%EF%BC%91", "page"),  # a full-width digit one
        ("page=1_0", "page"),
        ("page=%2B3", "page"),
        ("page=100001", "page"),
        ("page=99999999999999999999999", "page"),
        ("per_page=99999999999999999999999", "per_page"),
        ("page=" + "9" * 5000, "page"),
        ("page=000", "page"),
        ("city=上海", "city"),
        ("city=999999", "city"),
        ("tier=gold", "tier"),
        ("activity=mining", "activity"),
    ],
)
def test_bad_parameters_are_answered_422_with_the_field(client, query, field):
    response = client.get(f"/api/v1/members?{query}")

    assert response.status_code == 422
    assert response.mimetype == "application/json"
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert error["message"]


def test_per_page_above_100_says_the_limit_in_chinese(client):
    error = error_of(client.get("/api/v1/members?per_page=101"))

    assert error["fields"]["per_page"] == "不能超过 100。"


def test_unknown_city_names_the_value(client):
    error = error_of(client.get("/api/v1/members", query_string={"city": "上海"}))

    assert error["message"] == "查询参数无效。"
    assert error["fields"] == {"city": "无法识别的取值：上海"}


def test_every_bad_filter_is_reported_at_once(client):
    error = error_of(client.get("/api/v1/members", query_string={"city": "x", "tier": "y", "activity": "z"}))

    assert set(error["fields"]) == {"city", "tier", "activity"}


def test_unknown_api_path_is_a_404_envelope(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert error["fields"] == {}


def test_wrong_method_is_a_405_envelope(client):
    response = client.post("/api/v1/members")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_an_unexpected_error_in_the_api_is_a_500_envelope_without_details(app, client):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/_boom", "test_boom", boom)

    response = client.get("/api/v1/_boom")

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "secret internals" not in response.get_data(as_text=True)
