"""The site search box sits in the header of every page and leads to /search."""

from __future__ import annotations

import re

from tests.factories import make_user

BOX = re.compile(r'<form class="site-search" method="get" action="/search" role="search">.*?id="site-q" name="q"', re.S)


def test_every_public_page_has_the_search_box_in_its_header(client):
    for path in ("/", "/outlets", "/standards", "/projects", "/members", "/notices", "/training", "/search?q=回收"):
        page = client.get(path).get_data(as_text=True)
        header = page.split("</header>")[0]
        assert BOX.search(header), path


def test_signed_in_pages_have_it_too_and_it_searches(client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    assert BOX.search(client.get("/staff").get_data(as_text=True).split("</header>")[0])
    assert client.get("/search", query_string={"q": "回收"}).status_code == 200
