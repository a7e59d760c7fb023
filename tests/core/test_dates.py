"""The one date parser: every spelling people type, and a clear error naming the field otherwise."""

import datetime as dt

import pytest

from portal.core.dates import collect_date, parse_date
from portal.errors import DomainError


@pytest.mark.parametrize(
    "raw",
    [
        "2026-12-01",
        "2026-12-1",
        "2026/12/01",
        "2026/12/1",
        "2026.12.1",
        "2026年12月1日",
        "2026年12月01",
        "20261201",
        " 2026-12-01 ",
        "２０２６－１２－０１",
        "2026-12-01 00:00:00",
        dt.date(2026, 12, 1),
        dt.datetime(2026, 12, 1, 15, 30),
    ],
)
def test_spellings_of_one_day(app, raw):
    with app.test_request_context():
        assert parse_date(raw) == dt.date(2026, 12, 1)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_is_none_unless_required(app, raw):
    with app.test_request_context():
        assert parse_date(raw, field="d") is None
        with pytest.raises(DomainError) as caught:
            parse_date(raw, field="d", required=True)
        assert caught.value.fields == {"d": "请填写日期。"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2026-02-30", "没有这一天：2026-02-30。"),
        ("2026-13-01", "没有这一天：2026-13-01。"),
        ("1899-01-01", "日期超出合理范围。"),
        ("3000-01-01", "日期超出合理范围。"),
        ("12/01/2026", "日期格式应为“年-月-日”，例如 2026-12-01。"),
        ("明天", "日期格式应为“年-月-日”，例如 2026-12-01。"),
        ("2026-12-01T08:00", "日期格式应为“年-月-日”，例如 2026-12-01。"),
    ],
)
def test_bad_dates_name_the_field(app, raw, message):
    with app.test_request_context():
        with pytest.raises(DomainError) as caught:
            parse_date(raw, field="effective_on")
        assert caught.value.fields == {"effective_on": message}
        assert caught.value.message == message


def test_collect_gathers_instead_of_raising(app):
    with app.test_request_context():
        errors: dict[str, str] = {}
        assert collect_date("2026-02-30", errors, "a") is None
        assert collect_date("", errors, "b", required_message="请填写截止日期。") is None
        assert collect_date("2026-1-2", errors, "c") == dt.date(2026, 1, 2)
        assert errors == {"a": "没有这一天：2026-02-30。", "b": "请填写截止日期。"}
