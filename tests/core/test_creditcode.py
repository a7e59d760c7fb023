"""The unified social credit code validator (GB 32100-2015), tested from published codes and hand-made errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.creditcode import CHARSET, CreditCodeError, normalise, validate_credit_code

# Codes published by their holders (see shared/domain/REFERENCE.md), not made by the validator.
REAL_CODES = [
    "91350100M000100Y43",  # the widely cited example
    "91440300MA5H0HLK5U",
    "91370303MAKEJDBW7N",  # an enterprise in Zibo
    "12100000400000624D",  # a university (category 12)
    "51310110501144395U",  # an association (category 51)
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code):
    assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91370303makejdbw7n", "91370303MAKEJDBW7N"),
        ("9137 0303 MAKE JDBW 7N", "91370303MAKEJDBW7N"),
        ("  91440300MA5H0HLK5U  ", "91440300MA5H0HLK5U"),
        ("91350100-M000100Y4-3", "91350100M000100Y43"),
        # full-width digits and letters, an ideographic space, a full-width hyphen
        ("９１３７０３０３ＭＡＫＥＪＤＢＷ７Ｎ", "91370303MAKEJDBW7N"),
        ("１２１０００００\u3000４０００００６２４ｄ", "12100000400000624D"),
        ("51310110－501144395u", "51310110501144395U"),
        # pasted from a web page or a spreadsheet cell: no-break space, tab, line end
        ("51310110\u00a0501144395U", "51310110501144395U"),
        ("\t91370303MAKEJDBW7N\r\n", "91370303MAKEJDBW7N"),
    ],
)
def test_codes_are_normalised_before_checking(typed, expected):
    assert validate_credit_code(typed) == expected


def _message(code: str) -> str:
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(code)
    return str(info.value)


@pytest.mark.parametrize(
    ("code", "fragments"),
    [
        ("", ["请填写统一社会信用代码"]),
        ("   ", ["请填写统一社会信用代码"]),
        ("91370303MAKEJDBW7", ["应为18位", "您输入了17位"]),
        ("91370303MAKEJDBW7NN", ["应为18位", "您输入了19位"]),
        ("913703", ["应为18位", "您输入了6位"]),
        ("91350100M000100Y431", ["应为18位", "您输入了19位"]),
    ],
)
def test_wrong_length_is_named(code, fragments):
    message = _message(code)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("code", "position", "letter"),
    [
        ("91370303MAKEJDBWIN", 17, "I"),
        ("91370303MAKEJOBW7N", 14, "O"),
        ("91350100M000100S43", 16, "S"),
        ("9144030VMA5H0HLK5U", 8, "V"),
        ("Z1370303MAKEJDBW7N", 1, "Z"),
        ("91370303makejdbw7o", 18, "O"),  # lower-case letters are judged after upper-casing
    ],
)
def test_letters_never_used_are_named(code, position, letter):
    message = _message(code)
    assert f"第{position}位“{letter}”" in message
    assert "不使用字母I、O、S、V、Z" in message


@pytest.mark.parametrize(
    ("code", "position", "char"), [("9137030*MAKEJDBW7N", 8, "*"), ("91370303MAKEJ#BW7N", 14, "#")]
)
def test_other_foreign_characters_are_named(code, position, char):
    message = _message(code)
    assert f"第{position}位“{char}”不是有效字符" in message
    assert "I、O、S、V、Z" not in message


@pytest.mark.parametrize(("code", "authority"), [("B1370303MAKEJDBW7N", "B"), ("01370303MAKEJDBW7N", "0")])
def test_unknown_registration_authority(code, authority):
    assert f"第1位登记管理部门代码“{authority}”不存在" in _message(code)


@pytest.mark.parametrize(
    ("code", "category", "authority", "allowed"),
    [
        ("94370303MAKEJDBW7N", "4", "工商", "1、2、3"),
        ("90370303MAKEJDBW7N", "0", "工商", "1、2、3"),
        ("54310110501144395U", "4", "民政", "1、2、3、9"),
        ("15100000400000624D", "5", "机构编制", "1、2、3、9"),
        ("Y2370303MAKEJDBW7N", "2", "其他", "1"),
    ],
)
def test_category_not_allowed_for_its_authority(code, category, authority, allowed):
    message = _message(code)
    assert f"第2位机构类别代码“{category}”" in message
    assert f"不属于登记管理部门“{authority}”" in message
    assert f"允许：{allowed}" in message


@pytest.mark.parametrize(
    ("code", "division"),
    [
        ("91990303MAKEJDBW7N", "990303"),  # no province 99
        ("91000000MAKEJDBW7N", "000000"),
        ("9139A303MAKEJDBW7N", "39A303"),  # a letter in the division code
        ("91AB0100M000100Y43", "AB0100"),
    ],
)
def test_bad_division_code(code, division):
    message = _message(code)
    assert "第3至8位" in message
    assert f"行政区划码“{division}”无效" in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91370303MAKEJDBW7A", "N"),
        ("91350100M000100Y40", "3"),
        ("91440300MA5H0HLK5T", "U"),
        ("12100000400000624E", "D"),
        ("51310110501144395Y", "U"),
    ],
)
def test_wrong_check_character_is_named_without_the_expected_one(code, expected):
    message = _message(code)
    assert "第18位校验码不符" in message
    assert expected not in message.replace("第18位", "")  # the character that would make it pass is not given
    assert "应为" not in message


@pytest.mark.parametrize(
    ("code", "organisation"),
    [
        ("91370303MAKEJDBW8N", "MAKEJDBW8"),  # its 9th character should be 7
        ("91350100M000100Y53", "M000100Y5"),
        ("12100000400000634D", "400000634"),
    ],
)
def test_wrong_organisation_code_check_character(code, organisation):
    message = _message(code)
    assert f"组织机构代码“{organisation}”的校验位（第17位）不符" in message
    assert "第18位" not in message


def test_normalise_leaves_a_clean_code_alone():
    assert normalise("91370303MAKEJDBW7N") == "91370303MAKEJDBW7N"
    assert normalise(None) == ""


@given(
    code=st.sampled_from(REAL_CODES),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(CHARSET),
)
def test_any_single_character_change_makes_a_valid_code_invalid(code, position, replacement):
    if code[position] == replacement:
        replacement = CHARSET[(CHARSET.index(replacement) + 1) % len(CHARSET)]
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(CreditCodeError):
        validate_credit_code(changed)
