"""Standard numbers: the many ways people type them all mean the same standard."""

from __future__ import annotations

import pytest

from portal.library.numbers import normalise_number, parse_number


@pytest.mark.parametrize(
    ("raw", "prefix", "base", "part", "year"),
    [
        ("GB/T 34015.3-2021", "GB/T", "34015", 3, 2021),
        ("gb/t 34015.3-2021", "GB/T", "34015", 3, 2021),
        ("gbt34015", "GB/T", "34015", None, None),
        ("GB/T 34015", "GB/T", "34015", None, None),
        ("GB／T34015", "GB/T", "34015", None, None),  # full-width slash
        ("ＧＢ／Ｔ　３４０１５．３－２０２１", "GB/T", "34015", 3, 2021),  # all full-width
        ("GB/T 34015.3—2021", "GB/T", "34015", 3, 2021),  # em dash
        ("GB/T 34015.3–2021", "GB/T", "34015", 3, 2021),  # en dash
        ("GB 38031-2020", "GB", "38031", None, 2020),
        ("QC/T 1234-2023", "QC/T", "1234", None, 2023),
        ("qct1234", "QC/T", "1234", None, None),
        ("GB/Z 12345-2019", "GB/Z", "12345", None, 2019),
        ("T/SDBRA 001-2024", "T/SDBRA", "001", None, 2024),
        ("t/sdbra001-2024", "T/SDBRA", "001", None, 2024),
        ("DB37/T 4321-2022", "DB37/T", "4321", None, 2022),
        ("JT/T 617.1-2018", "JT/T", "617", 1, 2018),
        ("GB 4208-93", "GB", "4208", None, 1993),
    ],
)
def test_numbers_are_parsed_in_every_usual_spelling(raw, prefix, base, part, year):
    parsed = parse_number(raw)
    assert parsed is not None
    assert (parsed.prefix, parsed.base, parsed.part, parsed.year) == (prefix, base, part, year)


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("gbt34015.3-2021", "GB/T 34015.3-2021"),
        ("GB／T 34015", "GB/T 34015"),
        (" gb/t  33598.2-2020 ", "GB/T 33598.2-2020"),
        ("T/SDBRA 001-2024", "T/SDBRA 001-2024"),
        ("GB 4208-93", "GB 4208-93"),
    ],
)
def test_numbers_are_printed_one_way(raw, printed):
    assert normalise_number(raw) == printed


@pytest.mark.parametrize(
    "raw", ["", "   ", "梯次利用", "GB/T", "GB/T abc", "34015", "GB/T 34015.3-20211", "GB/T-34015"]
)
def test_what_is_not_a_number(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "base", "part", "year"),
    [("34015", "34015", None, None), ("34015.3", "34015", 3, None), ("34015.3-2021", "34015", 3, 2021)],
)
def test_a_query_may_leave_out_the_prefix(raw, base, part, year):
    parsed = parse_number(raw, allow_bare=True)
    assert (parsed.prefix, parsed.base, parsed.part, parsed.year) == ("", base, part, year)


def test_leading_zeros_do_not_matter_for_matching():
    assert parse_number("T/SDBRA 001-2024").base_key == parse_number("T/SDBRA 1").base_key == "1"
