"""The OpenAPI document describes every route of /api/v1; /healthz reports the database."""

from __future__ import annotations

import importlib
import re

import pytest

from tests.factories import make_member

PREFIX = "/api/v1"


def api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every rule the application serves under /api/v1."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def documented(doc: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item if method != "parameters"}


def test_openapi_document_is_version_3_1(client):
    response = client.get("/api/v1/openapi.json")

    doc = response.get_json()
    assert response.status_code == 200
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    assert doc["servers"] == [{"url": "http://portal.test/api/v1"}]


def test_openapi_lists_every_route_of_the_api(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()

    assert api_routes(app), "no API routes found"
    assert documented(doc) == api_routes(app)


def test_api_blueprint_routes_all_live_under_the_prefix(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert rule.rule.startswith(PREFIX + "/"), rule.rule


def test_every_operation_has_an_id_and_a_success_answer(client):
    doc = client.get("/api/v1/openapi.json").get_json()

    ids = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            ids.append(operation["operationId"])
            expected = "201" if method == "post" and "201" in operation["responses"] else "200"
            assert expected in operation["responses"], (path, method)
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("query", "path", "header"), parameter
                if parameter["in"] == "path":
                    assert parameter["required"] is True
                    assert "{" + parameter["name"] + "}" in path
    assert len(ids) == len(set(ids))


def test_every_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)

    for ref in set(re.findall(r'"\$ref":\s*"#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            assert part in node, f"unresolved $ref #/{ref}"
            node = node[part]


@pytest.mark.db
def test_member_items_match_the_documented_schema(client, session):
    make_member(session)
    session.commit()
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Member"]

    (item,) = client.get("/api/v1/members").get_json()["items"]

    assert set(item) == set(schema["properties"])
    assert set(schema["required"]) <= set(item)
    assert re.fullmatch(schema["properties"]["credit_code"]["pattern"], item["credit_code"])
    assert item["city"] in schema["properties"]["city"]["enum"]
    assert item["tier"] in schema["properties"]["tier"]["enum"]


def test_paging_limits_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/members"]["get"]["parameters"]}

    assert params["per_page"]["schema"]["maximum"] == 100
    assert {"q", "activity", "tier", "city", "page", "per_page"} <= set(params)
    assert "422" in doc["paths"]["/members"]["get"]["responses"]


# --- /healthz ---------------------------------------------------------------------------------------


@pytest.mark.db
def test_healthz_reports_the_database(client, session, backend):
    make_member(session)
    session.commit()

    response = client.get("/healthz")

    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == backend
    assert body["database"]["members"] == 1


def test_healthz_reports_an_unreachable_database_as_503(app_config, tmp_path):
    from portal import create_app

    broken = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/none.db"})
    try:
        with broken.app_context():
            response = broken.test_client().get("/healthz")
    finally:
        broken.extensions["portal_db"].dispose()

    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False


def test_features_describe_their_own_endpoints(client, monkeypatch):
    # Not "from portal.api import openapi": that may be the view function of the same name.
    openapi = importlib.import_module("portal.api.openapi")

    monkeypatch.setattr(openapi, "_FEATURE_PATHS", {})
    monkeypatch.setattr(openapi, "_FEATURE_SCHEMAS", {})
    widget = {"type": "object", "properties": {"code": {"type": "string"}}}
    path = {"get": {"operationId": "getWidget", "responses": {"200": {"description": "A widget."}}}}

    openapi.describe({"/widgets/{code}": path}, {"Widget": widget})
    openapi.describe({"/widgets/{code}": path})  # the same description again is harmless
    doc = client.get("/api/v1/openapi.json").get_json()

    assert doc["paths"]["/widgets/{code}"] == path
    assert doc["components"]["schemas"]["Widget"] == widget
    assert "/members" in doc["paths"]
    with pytest.raises(ValueError, match="described twice"):
        openapi.describe({"/widgets/{code}": {"get": {}}})
