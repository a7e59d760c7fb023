"""In English, a page shows no Chinese (CJK) text except proper names marked lang="zh-CN" and data.

Chinese names the user must type are quoted (“电池编码”). Every record made here has ASCII names,
addresses and titles, so any CJK character left on an English page is an untranslated interface
string, or data shown in Chinese where an English form exists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import (
    PASSWORD,
    make_call,
    make_campaign,
    make_consultation,
    make_event,
    make_material,
    make_member,
    make_notice,
    make_outlet,
    make_project,
    make_standard,
    make_user,
)

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
QUOTED = re.compile(r"“[^”]*”")  # a Chinese name the user must type (a column title, a holiday) is quoted
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
PUBLIC_PAGES = [
    "/",
    "/outlets",
    "/standards",
    "/members",
    "/projects",
    "/notices",
    "/training",
    "/benchmarks",
    "/search?q=x",
    "/login",
    "/join",
    "/verify",
]


class VisibleText(HTMLParser):
    """Collects what a reader sees or hears: text and labelling attributes, without scripts, styles
    and anything marked as Chinese (lang="zh..."), which is a deliberate proper name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        hidden = self._hidden() or tag in ("script", "style") or (values.get("lang") or "").startswith("zh")
        if not hidden:
            self.parts.extend(values[a] for a in SHOWN_ATTRIBUTES if values.get(a))
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    return parser.parts


def chinese_on(client, url: str) -> list[str]:
    """The visible snippets of the page at url that hold CJK characters."""
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return [part for part in visible_text(response.get_data(as_text=True)) if CJK.search(QUOTED.sub("", part))]


def links_in_nav(client, url: str, nav_class: str) -> list[str]:
    """The hrefs of the <nav class="... nav_class ..."> of the page at url."""
    page = client.get(url).get_data(as_text=True)
    nav = re.search(rf'<nav class="[^"]*\b{nav_class}\b[^"]*"[^>]*>(.*?)</nav>', page, re.S)
    assert nav, f"no {nav_class} on {url}"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.fixture
def ascii_data(session, at):
    """A member, its outlet, a standard, a notice, training, a call with a project: all in ASCII."""
    at("2026-05-10 10:00")
    staff = make_user(session, "admin", name="Ada Admin", email="admin@example.cn")
    enterprise, admin = make_member(session, name="Alpha Recycling Co", city="370600")
    enterprise.address, enterprise.contact_name = "188 Changjiang Road, Yantai", "Zhang San"
    admin.name = "Bob Member"
    outlet = make_outlet(
        session,
        staff,
        name="Harbour Collection Point",
        operator="Alpha Recycling Co",
        address="188 Changjiang Road",
        district="370671",
        type="collection",
    )
    standard = make_standard(session, staff, title_zh="Battery Recycling Test Standard", level="national")
    make_notice(session, staff, title="Outlet Inspection Notice", body="Please read.")
    make_material(session, staff, title="Traceability Course", summary="How to report", topic="traceability")
    make_event(session, staff, title="Outlet Safety Course", place="Jinan")
    make_consultation(session, staff, title="Storage Rules Draft", clauses="5 Requirements")
    campaign = make_campaign(session, staff, name="Campaign 2026", cities=("370600",))
    call = make_call(session, staff, title="Demonstration Call 2026", criteria="Technology 40\nImpact 35\nEconomy 25")
    make_project(
        session,
        admin,
        call,
        title="Zaozhuang Storage Station",
        city="370400",
        site="New Energy Park",
        summary="A storage station.",
        targets=(("Capacity", "20", "MWh"),),
    )
    session.commit()
    return {
        "outlet": outlet.code,
        "outlet_id": outlet.id,
        "campaign": campaign.id,
        "standard": standard.id,
        "enterprise": enterprise.id,
        "member": admin.email,
    }


def assert_english(client, urls):
    found = {url: snippets for url in urls if (snippets := chinese_on(client, url))}
    report = "\n".join(f"{url}: {snippets[:12]}" for url, snippets in found.items())
    assert not found, f"Chinese text on English pages:\n{report}"


def test_public_pages_are_english(client, ascii_data):
    client.get("/lang/en")
    detail_links = []
    standards = client.get("/standards").get_data(as_text=True)
    detail_links.append(re.search(r'href="(/standards/[^"?/]+)"', standards))
    members = client.get("/members").get_data(as_text=True)
    detail_links.append(re.search(r'href="(/members/[^"?/]+)"', members))
    details = [f"/outlets/{ascii_data['outlet']}", *(m.group(1) for m in detail_links if m)]

    assert len(details) == 3, details
    assert_english(client, PUBLIC_PAGES + details)


def test_member_pages_are_english(client, ascii_data):
    client.get("/lang/en")
    client.post("/login", data={"email": ascii_data["member"], "password": PASSWORD})

    assert_english(client, ["/account", *links_in_nav(client, "/account", "account-nav")])


def test_staff_pages_are_english(client, ascii_data):
    client.get("/lang/en")
    client.post("/login", data={"email": "admin@example.cn", "password": PASSWORD})

    assert_english(client, ["/staff", *links_in_nav(client, "/staff", "subnav")])


def test_the_checklist_is_english(client, ascii_data):
    """Needs the change to templates/campaigns/* (checklist_title, checklist_item filters, punct)."""
    client.get("/lang/en")
    client.post("/login", data={"email": "admin@example.cn", "password": PASSWORD})
    campaign = f"/staff/campaigns/{ascii_data['campaign']}"

    assert_english(client, [campaign, f"{campaign}/outlets/{ascii_data['outlet_id']}/inspect"])
    page = client.get(f"{campaign}/outlets/{ascii_data['outlet_id']}/inspect").get_data(as_text=True)
    assert "Collection outlet inspection checklist (version 1)" in page
    assert "The storage area is well ventilated" in page
