"""Phone numbers (mainland mobiles and landlines) and website addresses."""

from __future__ import annotations

import pytest

from portal.core.validators import normalise_phone, normalise_url


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+8619912345678", "19912345678"),
        ("0086 15012345678", "15012345678"),
        ("86-17712345678", "17712345678"),
        ("\u3000166 1234 5678 ", "16612345678"),
    ],
)
def test_mobiles(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("010-12345678", "010-12345678"),  # Beijing: three-digit area code
        ("01012345678", "010-12345678"),
        ("(010)62345678", "010-62345678"),
        ("（010）62345678", "010-62345678"),
        ("021-87654321", "021-87654321"),  # Shanghai
        ("021 8765 4321", "021-87654321"),
        ("0531-88888888", "0531-88888888"),  # Jinan: four-digit area code
        ("053188888888", "0531-88888888"),
        ("0535-6666666", "0535-6666666"),  # seven-digit local number
        ("0631 5234567", "0631-5234567"),
    ],
)
def test_landlines_with_area_codes(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0531-88888888-123", "0531-88888888-123"),
        ("0531-88888888转8001", "0531-88888888-8001"),
        ("0531-88888888 ext. 12", "0531-88888888-12"),
        ("010-62345678 EXT 5", "010-62345678-5"),
    ],
)
def test_extensions(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 0531 88888888", "0531-88888888"),
        ("+86(0531)88888888", "0531-88888888"),
        # the international form drops the trunk 0 of the area code
        ("+86 531 8888 8888", "0531-88888888"),
        ("+86-10-62345678", "010-62345678"),
        ("0086 21 87654321", "021-87654321"),
        ("+86 531 88888888-123", "0531-88888888-123"),
    ],
)
def test_landlines_with_country_code(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "88888888",  # no area code
        "1380013800",  # ten digits
        "138001380001",  # twelve digits
        "12800138000",  # no mobile range starts 12
        "23800138000",
        "13800138000x",
        "0531-888888",  # six-digit local number
        "0531-888888888",  # nine digits
        "0000-88888888",
        "012-62345678",  # 010 is the only area code starting 01
        "0531-08888888",  # a local number never starts with 0 (a doubled trunk prefix)
        "(0531)(0531)88888888",
        "95588",  # service numbers are not contact numbers
        "400-800-8888",
        "+1 212 555 0100",
        "0531-88888888-1234567",  # extension too long
    ],
)
def test_invalid_phones_are_refused(typed):
    assert normalise_phone(typed) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", ""),
        ("  ", ""),
        ("www.sdbra.org.cn", "https://www.sdbra.org.cn"),
        ("http://example.cn/about", "http://example.cn/about"),
        ("https://例子.中国", "https://例子.中国"),
        ("https://example.com:8443/a?b=c", "https://example.com:8443/a?b=c"),
    ],
)
def test_urls(typed, stored):
    assert normalise_url(typed) == stored


@pytest.mark.parametrize(
    "typed", ["javascript:alert(1)", "ftp://example.cn", "not a url", "https://user@evil.example.cn", "localhost"]
)
def test_invalid_urls_are_refused(typed):
    assert normalise_url(typed) is None
