"""The public code-checker page /tools/battery-code and GET /api/v1/batteries/validate."""

from __future__ import annotations

from tests.api.test_openapi import api_routes, documented

PAGE = "/tools/battery-code"
API = "/api/v1/batteries/validate"

LFP_PACK = "05HPBA11234567B3F0000123"  # built by hand: an LFP pack made 2021-03-15 (see test_codes.py)
TERNARY_CELL = "001CE3KX9Y8Z7W9AW0004567"  # a ternary cell made 2019-10-28
BAD_TYPE = "05HXBA11234567B3F0000123"  # product type X


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the page ---------------------------------------------------------------------------------------


def test_the_empty_page_shows_the_form(client):
    response = client.get(PAGE)

    html = _text(response)
    assert response.status_code == 200
    assert '<textarea id="codes" name="codes"' in html
    assert 'method="get"' in html
    assert "code-result" not in html


def test_one_code_is_decoded(client):
    response = client.get(PAGE, query_string={"codes": LFP_PACK})

    html = _text(response)
    assert response.status_code == 200
    assert "编码有效" in html
    assert "2021-03-15" in html
    assert "磷酸铁锂电池" in html
    assert "电池包" in html
    assert "<td>15–17</td><td><code>B3F</code></td>" in html
    assert html.count('class="panel code-result"') == 1


def test_a_typed_code_is_shown_normalised_beside_what_was_typed(client):
    html = _text(client.get(PAGE, query_string={"codes": "05h-pba1 1234567 b3f 0000123"}))

    assert f'<code class="url">{LFP_PACK}</code>' in html
    assert "05h-pba1 1234567 b3f 0000123" in html
    assert "编码有效" in html


def test_many_codes_show_each_result_and_the_errors(client):
    lines = "\n".join([LFP_PACK, "", TERNARY_CELL, BAD_TYPE, "05HPBA11234567B3F000012", "05HPBA11234567B2Y0000123"])

    response = client.get(PAGE, query_string={"codes": lines})

    html = _text(response)
    assert response.status_code == 200
    assert html.count('class="panel code-result"') == 5  # the blank line is left out
    assert "共 5 个编码：3 个结构正确，2 个有误。" in html
    assert "2019-10-28" in html
    assert "第4位（产品类型）应为 P、M 或 C，实为&#39;X&#39;。" in html
    assert "编码应为24位，实为23位。" in html
    assert "该日期不存在" in html  # the February 30th warning
    assert html.count("编码无效") == 2


def test_500_lines_are_accepted(client):
    lines = "\n".join([LFP_PACK] * 500)

    response = client.get(PAGE, query_string={"codes": lines})

    assert response.status_code == 200
    assert _text(response).count('class="panel code-result"') == 500


def test_more_than_500_lines_are_refused_with_a_clear_error(client):
    lines = "\n".join([LFP_PACK] * 501)

    response = client.get(PAGE, query_string={"codes": lines})

    html = _text(response)
    assert response.status_code == 422
    assert "一次最多校验500个编码（每行一个），您提交了501个，请分批校验。" in html
    assert "code-result" not in html
    assert LFP_PACK in html  # what was typed stays in the box


def test_only_blank_lines_say_there_is_nothing_to_check(client):
    html = _text(client.get(PAGE, query_string={"codes": " \n\u3000\n-"}))

    assert "没有可校验的编码" in html


def test_the_page_escapes_what_was_typed(client):
    html = _text(client.get(PAGE, query_string={"codes": "<script>alert(1)</script>"}))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in html  # normalised
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # as typed


def test_the_page_does_not_need_a_login_and_keeps_no_wide_table(client):
    html = _text(client.get(PAGE, query_string={"codes": LFP_PACK}))

    assert 'name="password"' not in html
    # cells of .table-wrap never wrap; the decoded table must wrap on a phone
    assert 'class="table-wrap"' not in html


# --- the API ----------------------------------------------------------------------------------------


def test_api_decodes_a_valid_code(client):
    response = client.get(API, query_string={"code": "05hpba1-1234567-b3f-0000123"})

    assert response.status_code == 200
    assert response.get_json() == {
        "valid": True,
        "normalized": LFP_PACK,
        "fields": {
            "maker_code": "05H",
            "product_type": "P",
            "product_type_label": "电池包",
            "battery_type": "B",
            "battery_type_label": "磷酸铁锂电池",
            "spec_code": "A1",
            "trace_code": "1234567",
            "production_date": "2021-03-15",
            "serial": "0000123",
        },
        "errors": [],
        "warnings": [],
    }


def test_api_reports_an_invalid_code_with_200(client):
    response = client.get(API, query_string={"code": "05HXHA11234567B3F0000123"})

    body = response.get_json()
    assert response.status_code == 200
    assert body["valid"] is False
    assert body["errors"] == ["第4位（产品类型）应为 P、M 或 C，实为'X'。", "第5位（电池类型）应为 A–G 或 Z，实为'H'。"]


def test_api_gives_warnings_for_a_future_date(client, at):
    at("2026-06-01 10:00")

    body = client.get(API, query_string={"code": "05HPBA11234567YC10000123"}).get_json()

    assert body["valid"] is True
    assert body["warnings"] == ["生产日期 2040-12-01 晚于今天（2026-06-01），请核对编码。"]


def test_api_without_a_code_answers_422_in_the_error_shape(client):
    for query in ({}, {"code": ""}):
        response = client.get(API, query_string=query)

        assert response.status_code == 422, query
        error = response.get_json()["error"]
        assert error["code"] == "invalid"
        assert error["message"] == "请提供要校验的电池编码（参数 code）。"
        assert set(error["fields"]) == {"code"}


def test_a_code_of_only_spaces_and_dashes_is_checked_and_found_empty(client):
    # The document says code is a non-empty string; one that normalises to nothing is answered, not refused.
    body = client.get(API, query_string={"code": "  - "}).get_json()
    assert body["valid"] is False and body["normalized"] == "" and body["errors"] == ["请输入电池编码。"]


def test_the_openapi_document_describes_the_endpoint(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()

    assert ("/batteries/validate", "get") in documented(doc)
    assert ("/batteries/validate", "get") in api_routes(app)
    operation = doc["paths"]["/batteries/validate"]["get"]
    assert operation["parameters"][0]["name"] == "code"
    assert operation["parameters"][0]["required"] is True
    assert "422" in operation["responses"]
    schema = doc["components"]["schemas"]["BatteryCodeCheck"]
    body = client.get(API, query_string={"code": LFP_PACK}).get_json()
    assert set(schema["properties"]) == set(body) == set(schema["required"])
    assert set(schema["properties"]["fields"]["properties"]) == set(body["fields"])
