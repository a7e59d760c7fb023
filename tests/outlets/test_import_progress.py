"""Progress of an import: every phase (reading, validating, writing, then indexing) is reported."""

from __future__ import annotations

import io

import pytest

from portal.outlets import importer
from portal.outlets.importer import import_outlets
from tests.outlets.test_import import GOOD, IMPORTER, csv_bytes

pytestmark = pytest.mark.db


def rows(n: int) -> list[str]:
    city_line = GOOD[0].split(",")
    return [",".join([f"SP{i:04d}", f"网点{i}", *city_line[2:]]) for i in range(n)]


def test_an_import_reports_each_phase_in_order_and_ends_each_at_its_total(session, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 4)
    told: list[tuple[str, int, int]] = []
    report = import_outlets(session, csv_bytes(*rows(10)), "x.csv", actor=IMPORTER, progress=lambda *a: told.append(a))
    assert report.created == 10
    phases = list(dict.fromkeys(phase for phase, _d, _t in told))
    assert phases == ["reading", "validating", "writing"]
    last = {phase: (done, total) for phase, done, total in told}
    assert last == {"reading": (1, 1), "validating": (10, 10), "writing": (10, 10)}
    validating = [done for phase, done, _t in told if phase == "validating"]
    assert validating == sorted(validating) and len(validating) > 1  # told along the way, never backwards


def test_a_refused_import_stops_after_validating(session):
    told: list[str] = []
    bad = "SD9,x,某公司,,北京,,北京市某路1号,收集型,,,,,"
    report = import_outlets(
        session, csv_bytes(GOOD[0], bad), "x.csv", actor=IMPORTER, progress=lambda p, *_: told.append(p)
    )
    assert not report.written
    assert "writing" not in told and told[-1] == "validating"


def test_the_cli_shows_every_phase_including_the_index_catch_up(app, runner, tmp_path):
    from portal import search

    path = tmp_path / "outlets.csv"
    path.write_bytes(csv_bytes(*rows(3)))
    result = runner.invoke(args=["outlets", "import", str(path)])
    assert result.exit_code == 0, result.output
    for label in ("读取文件", "校验", "写入", "更新索引"):
        assert label in result.output
    assert search.engine().count("outlet") == 3


def _upload(client, body: bytes, progress_id: str = "") -> object:
    return client.post(
        "/staff/outlets/import",
        data={"file": (io.BytesIO(body), "o.csv"), "coordinate_system": "wgs84", "progress_id": progress_id},
        content_type="multipart/form-data",
    )


@pytest.fixture
def staff(app, session, login):
    from tests.factories import make_user

    user = make_user(session, "staff")
    session.commit()
    login(user.email)
    return user


def test_the_upload_page_records_progress_under_the_browsers_id_and_forgets_it_after(
    app, client, session, staff, monkeypatch
):
    from portal.core import progress

    seen: list[tuple[str | None, str, int, int]] = []
    real = progress.update
    monkeypatch.setattr(
        progress,
        "update",
        lambda pid, **kw: (seen.append((pid, kw["phase"], kw["done"], kw["total"])), real(pid, **kw)),
    )
    response = _upload(client, csv_bytes(*rows(3)), "abcdef0123456789")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {pid for pid, *_ in seen} == {"abcdef0123456789"}
    assert [phase for _pid, phase, *_ in seen][-1] == "writing" and seen[-1][2:] == (3, 3)
    assert progress.read("abcdef0123456789") is None  # finished: the file is gone
    answer = client.get("/staff/outlets/import/progress/abcdef0123456789").get_json()
    assert answer == {"done": 0, "total": 0, "phase": "waiting"}
    page = client.get("/staff/outlets/import").get_data(as_text=True)
    assert 'name="progress_id"' in page and "/staff/outlets/import/progress/__ID__" in page


def test_progress_is_for_staff_only(app, client, session, login):
    from tests.factories import make_user

    member = make_user(session, "observer")
    session.commit()
    login(member.email)
    assert client.get("/staff/outlets/import/progress/abcdef0123456789").status_code == 403


def test_a_file_over_the_pages_row_limit_is_refused_whole_with_a_chinese_reason(
    app, client, session, staff, monkeypatch
):
    from tests.outlets.test_import import count

    monkeypatch.setattr(importer, "WEB_MAX_ROWS", 2)
    response = _upload(client, csv_bytes(*rows(3)))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "文件有 3 行数据" in page and "最多 2 行" in page and "flask outlets import" in page
    session.rollback()
    assert count(session) == 0
    response = _upload(client, csv_bytes(*rows(2)))
    assert response.status_code == 200
    session.rollback()
    assert count(session) == 2
