"""Security headers on every answer, and templates that the Content-Security-Policy can allow."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/members", "/healthz", "/no-such-page", "/api/v1/nothing"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives(response)["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives(response)["script-src"] == "script-src 'self'"
    assert directives(response)["object-src"] == "object-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_html_and_json_are_labelled_as_such(client):
    assert client.get("/").mimetype == "text/html"
    assert client.get("/api/v1/members").mimetype == "application/json"


def test_hsts_only_in_production(app_config):
    from portal import create_app

    production = create_app({**app_config, "PRODUCTION": True})
    try:
        with production.app_context():
            response = production.test_client().get("/healthz", base_url="https://portal.example.cn")
    finally:
        production.extensions["portal_db"].dispose()

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_http_only_and_same_site(client, session):
    from tests.factories import PASSWORD, make_user

    user = make_user(session, "staff")
    session.commit()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- templates the policy allows -------------------------------------------------------------------

ASSET_TAGS = {"link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src", "embed": "src"}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class PolicyScanner(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' and without other hosts would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and not values.get("src"):
            self.problems.append(f"line {line}: inline <script>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> block")
        for name, _value in attrs:
            if name == "style":
                self.problems.append(f'line {line}: style="..." on <{tag}>')
            if name.startswith("on"):
                self.problems.append(f"line {line}: event handler {name} on <{tag}>")
        for name in ("src", "href", "srcset"):
            if name in values and (values[name] or "").lower().lstrip().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL on <{tag}>")
        asset = ASSET_TAGS.get(tag)
        if asset and EXTERNAL.match(values.get(asset) or ""):
            self.problems.append(f"line {line}: external asset {values[asset]} on <{tag}>")

    handle_startendtag = handle_starttag


def scan(html: str) -> list[str]:
    scanner = PolicyScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def all_templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_scan():
    names = {p.relative_to(TEMPLATES).as_posix() for p in all_templates()}

    assert {"base.html", "auth/login.html", "pdf/membership_certificate.html"} <= names


@pytest.mark.parametrize("path", all_templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_template_has_nothing_the_policy_would_block(path):
    assert scan(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="module">import x from "./x.js"</script>', "inline <script>"),
        ("<style>p { color: red }</style>", "<style> block"),
        ('<p style="color: red">x</p>', 'style="..."'),
        ('<button onclick="go()">x</button>', "event handler onclick"),
        ('<a href="javascript:go()">x</a>', "javascript: URL"),
        ('<script src="https://cdn.example.com/x.js"></script>', "external asset"),
        ('<link rel="stylesheet" href="//cdn.example.com/x.css">', "external asset"),
        ('<img src="http://example.com/x.png">', "external asset"),
    ],
)
def test_the_scanner_finds_what_the_policy_blocks(html, problem):
    problems = scan(html)

    assert len(problems) == 1
    assert problem in problems[0]


def test_the_scanner_allows_local_assets_and_outside_links():
    html = (
        "<script src=\"{{ url_for('static', filename='js/portal.js') }}\" defer></script>"
        '<link rel="stylesheet" href="/static/css/portal.css"><img src="data:image/png;base64,AA==" alt="">'
        '<a href="https://beian.miit.gov.cn/" rel="noopener">ICP</a>'
    )

    assert scan(html) == []


@pytest.mark.parametrize("path", ["/", "/login", "/forgot", "/members", "/join", "/privacy", "/about", "/x-404"])
def test_rendered_pages_have_nothing_the_policy_would_block(client, path):
    response = client.get(path)

    assert response.status_code in (200, 404)
    assert scan(response.get_data(as_text=True)) == []
