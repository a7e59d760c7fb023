"""Anonymous answers kept in memory: never older than the data, never one visitor's page given to another."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.core import dataversion, pagecache
from portal.db import get_db
from tests.factories import make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def statements(app):
    """How many SQL statements the application runs (a kept answer runs none)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = get_db().engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def outlet(session):
    found = make_outlet(session, name="长江路回收服务网点")
    session.commit()
    return found


def test_a_second_anonymous_visit_is_the_kept_answer_and_runs_no_query(client, outlet, statements):
    first = client.get(f"/outlets/{outlet.code}")
    assert first.status_code == 200 and "长江路回收服务网点" in first.text
    statements.clear()
    second = client.get(f"/outlets/{outlet.code}")
    assert second.status_code == 200 and second.data == first.data
    assert statements == []
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "no-cache"
    assert second.headers["X-Frame-Options"] == "DENY"  # the shared headers are added to kept answers too


def test_a_change_committed_anywhere_is_seen_at_once(app, app_config, client, session, outlet):
    from portal import create_app
    from portal.core.uow import unit_of_work

    assert "长江路回收服务网点" in client.get(f"/outlets/{outlet.code}").text
    outlet.name = "黄河路回收服务网点"  # a commit of a plain session
    session.commit()
    assert "黄河路回收服务网点" in client.get(f"/outlets/{outlet.code}").text

    other = create_app(app_config)  # another worker: its own memory, the same data folder and database
    with other.app_context(), unit_of_work() as s:
        s.get(type(outlet), outlet.id).name = "泰山路回收服务网点"
    with app.app_context():
        assert "泰山路回收服务网点" in client.get(f"/outlets/{outlet.code}").text
    other.extensions["portal_db"].dispose()


def test_writes_to_internal_tables_keep_the_version_and_a_rollback_changes_nothing(app, session, outlet):
    from portal.core import ratelimit
    from portal.core.uow import unit_of_work

    before = dataversion.current()
    with unit_of_work() as s:
        ratelimit.hit(s, "verify:test", limit=5, window=60)
    assert dataversion.current() == before
    with pytest.raises(RuntimeError), unit_of_work() as s:
        s.get(type(outlet), outlet.id).name = "不会保存"
        s.flush()
        raise RuntimeError
    assert dataversion.current() == before
    with unit_of_work() as s:
        s.get(type(outlet), outlet.id).name = "会保存"
    assert dataversion.current() != before


def test_a_signed_in_visitor_gets_their_own_page_and_it_is_not_kept_for_others(app, client, session, outlet, login):
    staff = make_user(session, "staff")
    session.commit()
    anonymous = app.test_client()
    assert "修改状态" not in anonymous.get(f"/outlets/{outlet.code}").text  # kept: the public page
    login(staff.email)
    staff_page = client.get(f"/outlets/{outlet.code}")
    assert "修改状态" in staff_page.text and "no-store" in staff_page.headers["Cache-Control"]
    assert "修改状态" not in anonymous.get(f"/outlets/{outlet.code}").text


def test_each_language_has_its_own_kept_page(app, client):
    assert 'lang="zh' in client.get("/").text
    assert 'lang="en"' in client.get("/?lang=en").text
    client.get("/lang/en")  # the choice kept in this visitor's session
    assert 'lang="en"' in client.get("/").text
    assert 'lang="zh' in app.test_client().get("/").text  # another visitor still gets Chinese


def test_pending_messages_are_shown_not_hidden_by_a_kept_page(client, session, outlet):
    client.get("/")
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("success", "消息一定要显示")]
    assert "消息一定要显示" in client.get("/").text
    assert "消息一定要显示" not in client.get("/").text  # shown once, as always


def test_a_browser_that_has_the_page_gets_304(client, outlet):
    first = client.get(f"/outlets/{outlet.code}")
    again = client.get(f"/outlets/{outlet.code}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"/outlets/{outlet.code}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_counted_look_up_is_counted_every_time(app, client, session, staff):
    import datetime as dt

    from portal.documents import register

    document = register.issue(
        session,
        staff,
        kind="membership_certificate",
        subject_type="membership",
        subject_id=7,
        holder_name="烟台绿源动力电池再生利用有限公司",
        shown={},
        valid_to=dt.date(2099, 12, 31),
    )
    session.commit()
    app.config["VERIFY_RATE_LIMIT"] = 3
    answers = [client.get(f"/verify/{document.number}").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]


def test_an_answer_from_a_view_that_wrote_is_not_kept(app, client):
    """A GET view that writes without saying so (not marked ``uow.writes``) still counts every time."""
    from portal.core import ratelimit, uow

    def counted():
        ratelimit.hit(uow.session(), "test:counted", limit=3, window=60)
        uow.commit()
        return "counted"

    app.add_url_rule("/test-counted", "test_counted", counted)
    assert [client.get("/test-counted").status_code for _ in range(5)] == [200, 200, 200, 429, 429]


def test_the_minute_is_part_of_the_key(app, client, outlet, at, statements):
    at("2026-12-01 09:00:10")
    client.get(f"/outlets/{outlet.code}")
    at("2026-12-01 09:00:50")
    statements.clear()
    client.get(f"/outlets/{outlet.code}")
    assert statements == []
    at("2026-12-01 09:01:00")
    client.get(f"/outlets/{outlet.code}")
    assert statements != []


def test_a_cleared_cache_computes_afresh(app, client, runner, outlet, statements):
    client.get(f"/outlets/{outlet.code}")
    result = runner.invoke(args=["cache", "clear"])
    assert result.exit_code == 0 and "缓存" in result.output
    statements.clear()
    client.get(f"/outlets/{outlet.code}")
    assert statements != []


def test_the_store_is_bounded_and_drops_the_least_recently_used():
    store, now = pagecache.Store(max_bytes=100), ("v1",)
    assert store.get(now, "a") is None
    store.put(now, "a", 1, 40)
    store.put(now, "b", 2, 40)
    assert store.get(now, "a") == 1  # a is now the most recently used
    store.put(now, "c", 3, 40)
    assert store.get(now, "b") is None and store.get(now, "a") == 1 and store.get(now, "c") == 3


def test_the_store_keeps_only_the_current_versions():
    store = pagecache.Store(max_bytes=1000)
    store.get(("v1",), "a")
    store.put(("v1",), "a", 1, 10)
    assert store.get(("v2",), "a") is None  # newer versions: everything kept before is dropped
    store.put(("v1",), "b", 2, 10)  # a request that began under v1 finishes late: not kept
    assert store.get(("v2",), "b") is None
    store.put(("v2",), "b", 2, 10)
    assert store.get(("v2",), "b") == 2


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_a_page_with_a_form_token_is_never_given_to_another_visitor(self, app):
        one, two = app.test_client(), app.test_client()
        one.get("/login")
        one.get("/login")  # Flask-Login marks the session not fresh: it changes once more
        again = one.get("/login")  # a returning visitor: the token comes from the session, which is unchanged
        assert "Set-Cookie" not in again.headers
        other = two.get("/login")
        assert again.status_code == other.status_code == 200
        assert again.data != other.data  # each visitor's own token
        assert "Set-Cookie" in other.headers


def test_a_search_page_follows_the_index(client, session):
    from portal import search

    assert "泰山北路回收网点" not in client.get("/outlets", query_string={"q": "泰山北路"}).text
    make_outlet(session, name="泰山北路回收网点")
    session.commit()
    before = client.get("/outlets", query_string={"q": "泰山北路"}).text  # the index has not caught up yet
    search.catch_up()
    assert "泰山北路回收网点" not in before
    assert "泰山北路回收网点" in client.get("/outlets", query_string={"q": "泰山北路"}).text
