"""What templates are given to be quick: their gettext in one call, links built once for many rows.

Each helper must give exactly what the slower way gives: Jinja's own newstyle gettext, url_for.
"""

from __future__ import annotations

import jinja2
import pytest
from flask import url_for

from portal.core.language import translations
from portal.web import RowLinks, query_link

SNIPPETS = [
    "{{ _('查询') }}",
    "{{ _('共 %(n)d 个网点', n=3) }}",
    "{{ _('%(name)s 标志', name=name) }}",  # a variable holding markup: escaped where the template escapes
    "{{ _('100%% 合规') }}",  # a format string even without variables: "%%" is one "%"
    "{{ gettext('搜索') }}",
    "{{ ngettext('%(num)d 个', '%(num)d 个', 2) }}",
    "{{ pgettext('header', '回收网点') }}",
    "{{ _(pgettext('header', '会员名录')) }}",
    "{{ npgettext('header', '%(num)d 条', '%(num)d 条', 5) }}",
    "{% trans n=2 %}共 {{ n }} 项{% endtrans %}",
    "{% trans count=3 %}{{ count }} 项{% pluralize %}{{ count }} 项{% endtrans %}",
]


def _jinja_reference(autoescape: bool) -> jinja2.Environment:
    """Jinja's own newstyle callables over the same catalogue: what the portal's must equal."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701 - as mail templates
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    return env


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_gettext_gives_what_jinjas_newstyle_gettext_gives(app, lang, autoescape):
    with app.test_request_context("/", query_string={"lang": lang}):
        app.preprocess_request()
        ours = app.jinja_env.overlay(autoescape=autoescape)
        reference = _jinja_reference(autoescape)
        for snippet in SNIPPETS:
            values = {"name": "<b>A&B</b>"}
            expected = reference.from_string(snippet).render(**values)
            assert ours.from_string(snippet).render(**values) == expected, snippet
        if lang == "en":  # the catalogue is really used
            assert ours.from_string("{{ _('查询') }}").render() != "查询"


def test_gettext_escapes_variables_in_html_templates(app):
    with app.test_request_context("/"):
        app.preprocess_request()
        html = app.jinja_env.from_string("{{ _('%(name)s 标志', name=name) }}").render(name="<b>")
        assert html == "&lt;b&gt; 标志"


ODD_CODES = ["SD00041", "a b/c?d#e%f", "中文&代码", "x+y=z;@!", "0", ""]


def test_row_links_give_what_url_for_gives(app):
    with app.test_request_context("/outlets?q=x"):
        extra = {"q": "长江 路&", "page": "2", "city": None}
        for code in ODD_CODES[:-1]:
            assert RowLinks("outlets.detail", "code")(code) == url_for("outlets.detail", code=code)
            links = RowLinks("outlets.detail", "code", **extra)
            assert links(code) == url_for("outlets.detail", code=code, **extra)
            anchored = RowLinks("outlets.detail", "code", q="a", _anchor="results")
            assert anchored(code) == url_for("outlets.detail", code=code, q="a", _anchor="results")
        for number in (1, 42, 1234567):
            assert RowLinks("members.profile", "enterprise_id")(number) == url_for(
                "members.profile", enterprise_id=number
            )


def test_row_links_fall_back_to_url_for_where_the_slot_is_not_the_paths_end(app):
    with app.test_request_context("/"):
        links = RowLinks("outlets.set_makers", "code")  # /outlets/<code>/makers
        assert links._to_url is None
        assert links("SD 1") == url_for("outlets.set_makers", code="SD 1")


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": ["回收"]},
        {"q": ["回收 利用&x=1"], "kind": ["standard", "outlet"], "page": ["1"]},
        {"q": "a/b:c;d@e?f'g(h)*i,j!k$l", "year": ["2024"], "status": None},
        {"q": ["#%+="], "topic": [None, "safety"]},
    ],
)
def test_query_links_give_what_url_for_gives(app, args):
    with app.test_request_context("/search"):
        assert query_link(url_for("search.page"), args) == url_for("search.page", **args)


def test_fixed_urls_are_url_for_under_each_script_root(app):
    from portal.web import fixed_url

    for root in ("", "/portal"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for _ in range(2):  # built, then remembered
                assert fixed_url("main.index") == url_for("main.index") == f"{root}/"
                assert fixed_url("static", filename="css/portal.css") == url_for("static", filename="css/portal.css")


def test_every_page_links_its_menu_through_the_fixed_urls(client):
    html = client.get("/about").get_data(as_text=True)
    for path in ("/outlets", "/standards", "/members", "/static/css/portal.css", "/lang/en?next=/about"):
        assert f'href="{path}"' in html
