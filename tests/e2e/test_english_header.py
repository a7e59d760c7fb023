"""The header in English, signed in (staff have the longest menu): at 1366 px its links stand on one line."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD, make_member, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.db]
LAPTOP = {"width": 1366, "height": 768}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# The tops and heights of the header's menu entries (links, the log-out button) as the browser lays them out.
MENU_BOXES = """() => {
  const entries = document.querySelectorAll('#site-nav > a, #site-nav > form.inline-form button');
  return Array.from(entries).map((e) => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent.trim(), top: r.top, bottom: r.bottom, width: r.width};
  });
}"""


@pytest.fixture
def account(request, session):
    """An administrator (every staff entry) or a member's admin, with unread notifications (a badge)."""
    from portal.notify.services import notify

    if request.param == "admin":
        user = make_user(session, "admin", name="Ada Admin")
    else:
        user = make_member(session, name="Alpha Recycling Co")[1]
    for n in range(12):
        notify(session, [user.id], f"Notice {n}")
    session.commit()
    return user


def sign_in_in_english(page, email: str) -> None:
    page.goto("/lang/en")
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("account", ["admin", "member_admin"], indirect=True)
def test_the_header_fits_one_line_at_1366_px_in_english(new_page, account):
    page = new_page(viewport=LAPTOP)
    sign_in_in_english(page, account.email)
    page.goto("/staff" if account.role == "admin" else "/account")

    boxes = page.evaluate(MENU_BOXES)
    nav_height = page.locator("#site-nav").bounding_box()["height"]
    line_height = max(b["bottom"] - b["top"] for b in boxes)
    page.screenshot(path=f"test-artifacts/english-header-1366-{account.role}.png")

    assert page.locator("html").get_attribute("lang") == "en"
    assert len(boxes) >= 10, boxes
    chinese = [b["text"] for b in boxes if b["text"] != "中文" and CJK.search(b["text"])]
    assert not chinese, f"menu entries not in English: {chinese}"
    rows = sorted({round(b["top"]) for b in boxes})
    assert max(rows) - min(rows) <= 2, f"the menu wraps onto {len(rows)} lines: {boxes}"
    assert nav_height <= line_height + 2, f"the menu is {nav_height} px high, one line is {line_height} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
