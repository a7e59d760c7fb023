"""The GB/T 34014 battery-code checker (pure: no application, no database).

No published example code was found (the standard's Annex A is not freely available), so the codes
below are built by hand from the standard's rules, independently of the module's tables:
year = 2010 + n for the n-th symbol of 1-9 then A-Y without I, O, Q, U (so 7 = 2017, A = 2020,
B = 2021, E = 2024), months 1-9 then A, B, C, days 1-9 then A = 10 ... (F = 15, W = 28, X = 29, Y = 30).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.registry import codes
from portal.registry.codes import BATTERY_TYPES, PRODUCT_TYPES, CodeCheck, check, normalize

TODAY = dt.date(2026, 6, 1)

# code, expected fields (literal, worked out by hand from the rules above)
VALID_CODES = [
    (
        # an LFP pack made 2021-03-15: maker 05H, P, B, spec A1, trace 1234567, date B 3 F, serial 0000123
        "05HPBA11234567B3F0000123",
        {
            "maker_code": "05H",
            "product_type": "P",
            "product_type_label": "电池包",
            "battery_type": "B",
            "battery_type_label": "磷酸铁锂电池",
            "spec_code": "A1",
            "trace_code": "1234567",
            "production_date": "2021-03-15",
            "serial": "0000123",
        },
    ),
    (
        # a ternary cell made 2019-10-28: year 9, month A, day W
        "001CE3KX9Y8Z7W9AW0004567",
        {
            "maker_code": "001",
            "product_type": "C",
            "product_type_label": "单体",
            "battery_type": "E",
            "battery_type_label": "三元材料电池",
            "spec_code": "3K",
            "trace_code": "X9Y8Z7W",
            "production_date": "2019-10-28",
            "serial": "0004567",
        },
    ),
    (
        # an LFP module made on the leap day 2024-02-29: year E, month 2, day X
        "SDAMB010000001E2X1000000",
        {
            "maker_code": "SDA",
            "product_type": "M",
            "product_type_label": "模块",
            "battery_type": "B",
            "battery_type_label": "磷酸铁锂电池",
            "spec_code": "01",
            "trace_code": "0000001",
            "production_date": "2024-02-29",
            "serial": "1000000",
        },
    ),
    (
        # a ternary pack made 2020-01-01 (A 1 1)
        "ABCPEZZTRACE01A110000001",
        {
            "maker_code": "ABC",
            "product_type": "P",
            "product_type_label": "电池包",
            "battery_type": "E",
            "battery_type_label": "三元材料电池",
            "spec_code": "ZZ",
            "trace_code": "TRACE01",
            "production_date": "2020-01-01",
            "serial": "0000001",
        },
    ),
    (
        # an LFP cell made 2017-11-30, the year the standard was published: 7 B Y
        "7XYCB1234567897BY9999999",
        {
            "maker_code": "7XY",
            "product_type": "C",
            "product_type_label": "单体",
            "battery_type": "B",
            "battery_type_label": "磷酸铁锂电池",
            "spec_code": "12",
            "trace_code": "3456789",
            "production_date": "2017-11-30",
            "serial": "9999999",
        },
    ),
]


@pytest.mark.parametrize(("code", "fields"), VALID_CODES)
def test_valid_codes_decode(code, fields):
    result = check(code, today=TODAY)

    assert result.errors == []
    assert result.warnings == []
    assert result.valid is True
    assert result.normalized == code
    assert result.fields == fields


def test_as_dict_has_exactly_the_documented_keys():
    result = check("05HPBA11234567B3F0000123", today=TODAY)

    assert set(result.as_dict()) == {"valid", "normalized", "fields", "errors", "warnings"}
    assert result.as_dict()["fields"]["production_date"] == "2021-03-15"
    json.dumps(result.as_dict())  # plain JSON values only


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05hpba11234567b3f0000123", "05HPBA11234567B3F0000123"),
        ("05H PBA1 1234567 B3F 0000123", "05HPBA11234567B3F0000123"),
        ("05H-PBA1-1234567-B3F-0000123", "05HPBA11234567B3F0000123"),
        ("０５ＨＰＢＡ１１２３４５６７Ｂ３Ｆ００００１２３", "05HPBA11234567B3F0000123"),  # full-width
        ("05HPBA1\u30001234567\tB3F 0000123", "05HPBA11234567B3F0000123"),  # ideographic space and a tab
        ("05HPBA1－1234567—B3F0000123", "05HPBA11234567B3F0000123"),  # full-width hyphen, em dash
        ("  05HPBA11234567B3F0000123\r\n", "05HPBA11234567B3F0000123"),
        ("\ufeff05HPBA11234567B3F0000123\u200b", "05HPBA11234567B3F0000123"),  # BOM, zero-width space
    ],
)
def test_what_people_type_is_normalised(typed, expected):
    assert normalize(typed) == expected
    result = check(typed, today=TODAY)
    assert result.valid
    assert result.normalized == expected
    assert result.fields["production_date"] == "2021-03-15"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请输入电池编码。"),
        (" \t\u3000- ", "请输入电池编码。"),
        ("05HPBA11234567B3F000012", "编码应为24位，实为23位。"),
        ("05HPBA11234567B3F00001234", "编码应为24位，实为25位。"),
        ("05HPBA1123456#B3F0000123", "第14位含有不允许的字符'#'：编码只能由大写字母和数字组成。"),
        ("05HPBA1123456。B3F000012*", "第14、24位含有不允许的字符'。'、'*'：编码只能由大写字母和数字组成。"),
        ("05HXBA11234567B3F0000123", "第4位（产品类型）应为 P、M 或 C，实为'X'。"),
        ("05H1BA11234567B3F0000123", "第4位（产品类型）应为 P、M 或 C，实为'1'。"),
        ("05HPHA11234567B3F0000123", "第5位（电池类型）应为 A–G 或 Z，实为'H'。"),
        ("05HPYA11234567B3F0000123", "第5位（电池类型）应为 A–G 或 Z，实为'Y'。"),
        ("05HPBA11234567B3F00001A3", "第18–24位（序列号）应为7位数字，实为'00001A3'。"),
        ("05HPBA11234567B3FO000123", "第18–24位（序列号）应为7位数字，实为'O000123'。"),
        (
            "05HPBA11234567I3F0000123",
            "第15位（生产年份）应为 1–9、A–H、J–N、P、R–T 或 V–Y（不使用字母 I、O、Q、U、Z），实为'I'。",
        ),
        (
            "05HPBA11234567Z3F0000123",
            "第15位（生产年份）应为 1–9、A–H、J–N、P、R–T 或 V–Y（不使用字母 I、O、Q、U、Z），实为'Z'。",
        ),
        (
            "05HPBA1123456703F0000123",
            "第15位（生产年份）应为 1–9、A–H、J–N、P、R–T 或 V–Y（不使用字母 I、O、Q、U、Z），实为'0'。",
        ),
        ("05HPBA11234567BDF0000123", "第16位（生产月份）应为 1–9 或 A–C，实为'D'。"),
        ("05HPBA11234567B0F0000123", "第16位（生产月份）应为 1–9 或 A–C，实为'0'。"),
        (
            "05HPBA11234567B3U0000123",
            "第17位（生产日）应为 0–9、A–H、J–N、P、R–T 或 V–Y（不使用字母 I、O、Q、U、Z），实为'U'。",
        ),
        (
            "05HPBA11234567B3Q0000123",
            "第17位（生产日）应为 0–9、A–H、J–N、P、R–T 或 V–Y（不使用字母 I、O、Q、U、Z），实为'Q'。",
        ),
    ],
)
def test_each_structural_error_is_refused_and_named(code, message):
    result = check(code, today=TODAY)

    assert result.valid is False
    assert message in result.errors, result.errors


def test_errors_are_reported_together():
    # product type X, battery type H, month D and a serial with a letter, all in one code
    result = check("05HXHA11234567BDF00001A3", today=TODAY)

    assert result.errors == [
        "第4位（产品类型）应为 P、M 或 C，实为'X'。",
        "第5位（电池类型）应为 A–G 或 Z，实为'H'。",
        "第16位（生产月份）应为 1–9 或 A–C，实为'D'。",
        "第18–24位（序列号）应为7位数字，实为'00001A3'。",
    ]
    assert result.fields["product_type_label"] is None
    assert result.fields["battery_type_label"] is None
    assert result.fields["production_date"] is None


def test_a_character_that_is_not_a_letter_or_digit_is_reported_once():
    # '#' in the product-type position: one error (the character), not a second one (the product type)
    result = check("05H#BA11234567B3F0000123", today=TODAY)

    assert result.errors == ["第4位含有不允许的字符'#'：编码只能由大写字母和数字组成。"]


def test_a_wrong_length_is_not_decoded():
    result = check("05HPBA11234567B3F00001", today=TODAY)

    assert result.fields == {}
    assert result.errors == ["编码应为24位，实为22位。"]


def test_a_wrong_length_with_bad_characters_reports_both():
    result = check("05H#PBA", today=TODAY)

    assert result.errors == ["编码应为24位，实为7位。", "第4位含有不允许的字符'#'：编码只能由大写字母和数字组成。"]


def test_many_bad_characters_are_summarised():
    result = check("#" * 30, today=TODAY)

    (length, chars) = result.errors
    assert length == "编码应为24位，实为30位。"
    assert chars.startswith("第1、2、3、4、5、6、7、8、9、10等位含有不允许的字符'#'")


# --- dates that do not decode, or lie in the future: warnings, not errors ----------------------------


def test_a_future_date_is_a_warning_not_an_error():
    # 2040-12-01: year Y, month C, day 1
    result = check("05HPBA11234567YC10000123", today=TODAY)

    assert result.valid is True
    assert result.errors == []
    assert result.fields["production_date"] == "2040-12-01"
    assert result.warnings == ["生产日期 2040-12-01 晚于今天（2026-06-01），请核对编码。"]


def test_today_comes_from_the_portal_clock(at):
    at("2021-03-14 12:00")
    assert check("05HPBA11234567B3F0000123").warnings == ["生产日期 2021-03-15 晚于今天（2021-03-14），请核对编码。"]
    at("2021-03-15 08:00")
    assert check("05HPBA11234567B3F0000123").warnings == []


def test_a_day_that_does_not_exist_is_a_warning():
    # 2021, month 2, day Y = 30: February 30th
    result = check("05HPBA11234567B2Y0000123", today=TODAY)

    assert result.valid is True
    assert result.fields["production_date"] is None
    assert result.warnings == ["第15–17位（生产日期）'B2Y' 表示2021年2月30日，该日期不存在，未能解析生产日期。"]


def test_day_31_of_a_30_day_month_is_not_assumed():
    # '0' as the day is used by some sources for day 31; its meaning is unconfirmed
    result = check("05HPBA11234567B300000123", today=TODAY)

    assert result.valid is True
    assert result.fields["production_date"] is None
    assert result.warnings == ["第17位（生产日）'0' 的含义未经确认（有资料用它表示31日），未能解析生产日期。"]


def test_an_unconfirmed_battery_type_is_decoded_with_a_warning():
    # A: nickel-metal hydride in the published tables, not confirmed yet
    result = check("05HPAA11234567B3F0000123", today=TODAY)

    assert result.valid is True
    assert result.fields["battery_type_label"] == "镍氢电池"
    assert result.warnings == ["第5位（电池类型）'A' 对应“镍氢电池”，这一对应关系尚未核实。"]


# --- segments for display ---------------------------------------------------------------------------


def test_segments_name_each_position():
    rows = codes.segments(check("05HPBA11234567B3F0000123", today=TODAY))

    assert [(r.positions, r.chars, r.ok) for r in rows] == [
        ("1–3", "05H", True),
        ("4", "P", True),
        ("5", "B", True),
        ("6–7", "A1", True),
        ("8–14", "1234567", True),
        ("15–17", "B3F", True),
        ("18–24", "0000123", True),
    ]
    assert [r.name for r in rows] == [
        "厂商代码",
        "产品类型",
        "电池类型",
        "规格代码",
        "追溯信息代码",
        "生产日期",
        "序列号",
    ]
    assert rows[1].meaning == "电池包"
    assert rows[5].meaning == "2021-03-15"


def test_segments_mark_the_wrong_positions():
    rows = codes.segments(check("05H#HA11234567B2Y00001A3", today=TODAY))

    assert [r.positions for r in rows if not r.ok] == ["4", "5", "15–17", "18–24"]
    assert codes.segments(check("05HP", today=TODAY)) == []


# --- accessors and tables ---------------------------------------------------------------------------


def test_accessors_on_a_code():
    assert codes.product_type("05hpba11234567b3f0000123") == "P"
    assert codes.battery_type("001CE3KX9Y8Z7W9AW0004567") == "E"
    assert codes.production_date("SDAMB010000001E2X1000000") == dt.date(2024, 2, 29)
    assert codes.production_date("05HPBA11234567B300000123") is None
    with pytest.raises(ValueError, match="24-character"):
        codes.product_type("05HP")


def test_lookups_read_the_tables():
    assert PRODUCT_TYPES["P"].zh == "电池包"
    assert PRODUCT_TYPES.label("C", "en") == "Cell"
    assert BATTERY_TYPES["B"].confirmed and BATTERY_TYPES["E"].confirmed
    assert BATTERY_TYPES.label("E", "zh") == "三元材料电池"
    assert BATTERY_TYPES.label("H") is None
    assert set(PRODUCT_TYPES) == {"P", "M", "C"}
    assert set(BATTERY_TYPES) == set("ABCDEFGZ")
    assert len(BATTERY_TYPES) == 8


def test_the_shipped_tables_say_what_is_unconfirmed():
    data = json.loads(codes.TABLES_PATH.read_text(encoding="utf-8"))

    assert "notes" in data and "nconfirmed" in data["notes"]
    assert {k for k, v in data["battery_types"].items() if v["confirmed"]} == {"B", "E"}
    assert data["production_date"]["base_year"] == 2010


@pytest.fixture
def corrected_tables(tmp_path):
    """A corrected copy of the tables, loaded for one test; the shipped ones are restored afterwards."""

    def load(change) -> None:
        data = json.loads(codes.TABLES_PATH.read_text(encoding="utf-8"))
        change(data)
        path = tmp_path / "code_tables.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        codes.load_tables(path)

    yield load
    codes.load_tables()


def test_a_correction_of_the_tables_is_used_after_reloading(corrected_tables):
    def confirm_day_31_and_type_a(data):
        data["production_date"]["day_symbols"] += "0"
        data["production_date"]["unconfirmed_day_symbols"] = {}
        data["battery_types"]["A"]["confirmed"] = True
        data["battery_types"]["H"] = {"zh": "钠离子电池", "en": "Sodium-ion", "confirmed": True}

    corrected_tables(confirm_day_31_and_type_a)

    assert check("05HPBA11234567B300000123", today=TODAY).fields["production_date"] == "2021-03-31"
    assert check("05HPAA11234567B3F0000123", today=TODAY).warnings == []
    sodium = check("05HPHA11234567B3F0000123", today=TODAY)
    assert sodium.valid and sodium.fields["battery_type_label"] == "钠离子电池"
    assert BATTERY_TYPES.label("H", "en") == "Sodium-ion"


def test_the_shipped_tables_are_back_after_a_correction():
    assert check("05HPHA11234567B3F0000123", today=TODAY).valid is False
    assert "H" not in BATTERY_TYPES


def test_inconsistent_tables_are_refused(tmp_path):
    data = json.loads(codes.TABLES_PATH.read_text(encoding="utf-8"))
    data["production_date"]["month_symbols"] = "123456789AB"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="month_symbols"):
        codes.load_tables(path)
    assert codes.tables().month_symbols == "123456789ABC"  # the tables in use are unchanged


def test_works_without_an_application_context():
    from flask import has_app_context

    assert not has_app_context()
    assert check("05HXBA11234567B3F0000123", today=TODAY).errors == ["第4位（产品类型）应为 P、M 或 C，实为'X'。"]


# --- properties ----------------------------------------------------------------------------------------

# The date symbols as the standard describes them, written here independently of the JSON tables.
YEARS = "123456789ABCDEFGHJKLMNPRSTVWXY"  # 2011 .. 2040
MONTHS = "123456789ABC"
DAYS = "123456789ABCDEFGHJKLMNPRSTVWXY"  # 1 .. 30


@given(st.dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2040, 12, 30)).filter(lambda d: d.day <= 30))
def test_every_date_of_days_1_to_30_decodes(made):
    code = "05HPBA11234567" + YEARS[made.year - 2011] + MONTHS[made.month - 1] + DAYS[made.day - 1] + "0000123"

    result = check(code, today=dt.date(2041, 1, 1))

    assert result.valid
    assert result.fields["production_date"] == made.isoformat()
    assert result.warnings == []


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


CODE_LIKE = st.text(
    alphabet=st.sampled_from(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz -－　\tＡ１#。é٣ß")), max_size=30
)


@given(st.one_of(st.text(), CODE_LIKE))
def test_check_never_raises(text):
    result = check(text, today=TODAY)

    assert isinstance(result, CodeCheck)
    assert result.valid == (not result.errors)
    assert result.normalized == normalize(text)
    if result.fields:
        assert len(result.normalized) == 24
        assert set(result.fields) == {
            "maker_code",
            "product_type",
            "product_type_label",
            "battery_type",
            "battery_type_label",
            "spec_code",
            "trace_code",
            "production_date",
            "serial",
        }
