"""The harness itself: pages that break the Content-Security-Policy or throw are reported."""

from __future__ import annotations

import pytest

from portal.web import CSP

pytestmark = pytest.mark.e2e

BROKEN_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="https://cdn.example.com/x.css"><script src="/harness/throws.js"></script></head>
<body><p style="color: red">内联样式</p><script>document.title = "inline";</script></body></html>"""


def test_csp_violations_and_script_errors_are_caught(page, browser_log):
    def fulfil(route):
        if route.request.url.endswith(".js"):
            route.fulfill(status=200, content_type="text/javascript", body="undefinedFunction();")
        else:
            route.fulfill(
                status=200,
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP},
                body=BROKEN_PAGE,
            )

    page.route("**/harness/**", fulfil)
    page.goto("/harness/page")
    page.wait_for_load_state("load")
    page.wait_for_function("document.readyState === 'complete'")
    problems = "\n".join(browser_log.problems)
    assert "CSP violation: style-src" in problems  # the style attribute
    assert "CSP violation: script-src" in problems  # the inline script
    assert "cdn.example.com" in problems  # an asset from another host
    assert "[pageerror] ReferenceError: undefinedFunction is not defined" in problems
    assert page.title() != "inline"
    browser_log.problems.clear()  # seen: they must not fail this test


def test_a_portal_page_is_clean(page, browser_log):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "山东省动力电池回收利用公共服务平台"
    assert browser_log.problems == []
