"""Issue 14 end to end, `flask search verify [--repair]`, and /healthz naming the kinds that differ."""

from __future__ import annotations

import multiprocessing

import pytest

from portal import search
from portal.search.engine import SearchDocument
from tests.factories import make_member

pytestmark = pytest.mark.db


@pytest.fixture
def members(app, session):
    """Twelve indexed members."""
    found = []
    for n in range(12):
        enterprise, _admin = make_member(session, name=f"烟台第{n}新能源科技有限公司")
        search.enqueue(session, "member", enterprise.id)
        found.append(enterprise)
    session.commit()
    search.catch_up()
    return found


def _catch_up_elsewhere(config: dict) -> None:
    """`flask search follow` in its own process: its own app and engine on the same index folder."""
    from portal import create_app

    app = create_app(config)
    with app.app_context():
        search.catch_up()
    app.extensions["portal_db"].dispose()


def test_an_edit_applied_by_another_process_is_listed_once(app, app_config, client, session, members):
    assert client.get("/api/v1/search", query_string={"q": "新能源"}).get_json()["total"] == 12  # searcher open
    edited = members[5]
    edited.description = "磷酸铁锂电池梯次利用"
    search.enqueue(session, "member", edited.id)
    session.commit()
    process = multiprocessing.get_context("fork").Process(target=_catch_up_elsewhere, args=(app_config,))
    process.start()
    process.join(60)
    assert process.exitcode == 0

    health = client.get("/healthz").get_json()["search_index"]
    assert health["kinds"]["member"] == {"database": 12, "indexed": 12}
    assert health["ok"] is True and health["differing_kinds"] == []
    found = client.get("/api/v1/search", query_string={"q": "新能源"}).get_json()
    assert found["total"] == 12
    assert [i["id"] for i in found["items"]].count(edited.id) == 1
    assert [i["id"] for i in client.get("/api/v1/search", query_string={"q": "梯次利用"}).get_json()["items"]] == [
        edited.id
    ]


def test_a_clean_index_verifies(runner, members):
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 0, result.output
    assert "matches" in result.output


def _tamper(members) -> dict[str, int]:
    """Make the index disagree with the database in every way it can: stale, missing, extra, twice."""
    engine = search.engine()
    stale, missing, twice = members[0], members[1], members[2]
    engine.write([SearchDocument(kind="member", id=stale.id, title="旧名称", texts=[])], [f"member:{missing.id}"])
    engine.write([SearchDocument(kind="member", id=9999, title="已不存在的企业", texts=[])], [])
    writer = engine._open().writer()
    writer.add_document(**SearchDocument(kind="member", id=twice.id, title=twice.name, texts=[]).fields())
    writer.commit()
    return {"stale": stale.id, "missing": missing.id, "extra": 9999, "twice": twice.id}


def test_a_tampered_index_fails_and_names_every_key(client, runner, members):
    keys = _tamper(members)
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"member:{keys['stale']} stale digest" in result.output
    assert f"member:{keys['missing']} missing in index" in result.output
    assert "member:9999 extra in index" in result.output
    assert f"member:{keys['twice']} indexed more than once" in result.output
    health = client.get("/healthz").get_json()["search_index"]
    assert health["differing_kinds"] == ["member"] and health["ok"] is False
    assert "database" in health["kinds"]["member"] and "indexed" in health["kinds"]["member"]


def test_repair_reapplies_exactly_the_differing_keys(client, runner, session, members, monkeypatch):
    keys = _tamper(members)
    applied: list = []
    original = search.indexer._apply
    monkeypatch.setattr(search.indexer, "_apply", lambda s, pairs: applied.extend(pairs) or original(s, pairs))
    result = runner.invoke(args=["search", "verify", "--repair"])
    assert result.exit_code == 0, result.output
    assert sorted(applied) == sorted(("member", i) for i in keys.values())
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    assert client.get("/healthz").get_json()["search_index"]["differing_kinds"] == []
    current = search.SOURCES["member"].load(session, [keys["stale"]])[keys["stale"]]
    assert search.engine().digests("member")[keys["stale"]] == current.digest()
    assert sorted(search.engine().ids("member")) == sorted(m.id for m in members)
