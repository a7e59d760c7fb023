"""Error pages for people: friendly, in Chinese, never a bare 500 for bad input."""

from __future__ import annotations

import io

import pytest

from tests.factories import PASSWORD, make_member


def test_unknown_page_is_a_friendly_404_in_chinese(client):
    response = client.get("/no/such/page")

    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "您要找的页面不存在或已被移除" in page
    assert "返回首页" in page
    assert '<html lang="zh-CN">' in page


def test_wrong_method_on_a_page_is_a_friendly_405(client):
    response = client.get("/logout")

    assert response.status_code == 405
    assert "不支持此请求方式" in response.get_data(as_text=True)


@pytest.fixture
def small_cap_client(app_config):
    from portal import create_app

    application = create_app({**app_config, "MAX_CONTENT_LENGTH": 1024})
    with application.app_context():
        yield application.test_client()
    application.extensions["portal_db"].dispose()


def test_a_body_over_the_cap_is_a_friendly_413(small_cap_client):
    response = small_cap_client.post("/login", data={"email": "a@example.cn", "password": "x" * 4096})

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "上传的内容过大，超过了网站允许的上限" in page
    assert "返回首页" in page


def test_an_upload_over_the_cap_is_a_friendly_413(small_cap_client):
    response = small_cap_client.post(
        "/join",
        data={"licence": (io.BytesIO(b"%PDF-1.4" + b"0" * 8192), "licence.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    assert "上传的内容过大" in response.get_data(as_text=True)


def test_a_body_under_the_cap_is_handled_normally(small_cap_client):
    response = small_cap_client.post("/login", data={"email": "a@example.cn", "password": "x" * 100})

    assert response.status_code == 401


def test_a_body_over_the_cap_is_a_413_with_csrf_on(app_config):
    from portal import create_app

    application = create_app({**app_config, "MAX_CONTENT_LENGTH": 1024, "WTF_CSRF_ENABLED": True})
    try:
        with application.app_context():
            response = application.test_client().post("/login", data={"password": "x" * 4096})
    finally:
        application.extensions["portal_db"].dispose()

    assert response.status_code == 413
    assert "上传的内容过大" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=abc", "per_page=101", "city=上海", "page=99999999999999999999"])
def test_bad_directory_parameters_on_html_pages_are_not_500(client, query):
    response = client.get(f"/members?{query}")

    assert response.status_code in (200, 422)
    assert "服务器出现了问题" not in response.get_data(as_text=True)


def test_a_forbidden_page_is_a_friendly_403(client, session):
    _, member = make_member(session)
    session.commit()
    client.post("/login", data={"email": member.email, "password": PASSWORD})

    response = client.get("/staff")

    assert response.status_code == 403
    assert "您没有权限访问此页面" in response.get_data(as_text=True)


def test_error_pages_show_the_logged_in_header(client, session):
    _, member = make_member(session)
    session.commit()
    client.post("/login", data={"email": member.email, "password": PASSWORD})

    page = client.get("/no/such/page").get_data(as_text=True)

    assert "退出" in page
