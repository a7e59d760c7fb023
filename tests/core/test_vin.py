"""VIN validation (GB 16735 / ISO 3779): published VINs, hand-computed check digits and every refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.vin import is_valid_vin, normalize_code, normalize_vin, vin_errors

# VINs whose check digit (position 9) is right, none produced by the module under test:
PUBLISHED_VINS = [
    "1M8GDM9AXKP042788",  # the classic ISO 3779 / Wikipedia example (check digit X)
    "LFV2A21KXE4176550",  # FAW-Volkswagen, from a used-car listing in a public repository (check digit X)
    "LFV2A21K8G4043336",  # FAW-Volkswagen, from an insurance quote request in a public repository
    "LFV2A21K0G4053021",  # FAW-Volkswagen, the documented example of a VIN-recognition API (iscorrect: 1)
    "LSVAU033062297649",  # SAIC-Volkswagen prefix, from a vehicle record in a public repository
    # Built by hand (BYD prefix LGX). Values L3 G7 X7 C3 E5 4 C3 B2 _ N5 0 0 0 0 0 0 1, weights
    # 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2: 24+49+42+15+20+12+6+20+0+45+0+0+0+0+0+0+2 = 235;
    # 235 mod 11 = 4, so position 9 is 4.
    "LGXCE4CB4N0000001",
]


@pytest.mark.parametrize("vin", PUBLISHED_VINS)
def test_published_vins_are_accepted(vin):
    assert vin_errors(vin) == []
    assert is_valid_vin(vin)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lfv2a21k8g4043336", "LFV2A21K8G4043336"),
        ("LFV 2A21K 8G4043336", "LFV2A21K8G4043336"),
        ("LFV-2A21K-8G4043336", "LFV2A21K8G4043336"),
        ("ＬＦＶ２Ａ２１Ｋ８Ｇ４０４３３３６", "LFV2A21K8G4043336"),  # full-width
        ("LFV2A21K\u30008G4043336\t", "LFV2A21K8G4043336"),  # ideographic space, tab
        ("LFV2A21K—8G4043336", "LFV2A21K8G4043336"),  # an em dash from a Chinese input method
        ("\ufeffLFV2A21K8G4043336\u200b", "LFV2A21K8G4043336"),  # BOM and zero-width space from a spreadsheet
    ],
)
def test_normalize_vin(typed, expected):
    assert normalize_vin(typed) == expected
    assert vin_errors(typed) == []


def test_the_published_vin_with_a_wrong_check_digit_is_refused():
    # Published in a public repository's seed data; its check digit should be 2, not 9.
    errors = vin_errors("LFV2A21K9G3010001")

    assert errors == ["第9位校验位不符，请核对车辆识别代号是否抄错。"]


@pytest.mark.parametrize("vin", PUBLISHED_VINS)
def test_a_wrong_check_digit_is_refused_without_revealing_the_right_one(vin):
    right = vin[8]
    messages = set()
    for wrong in "0123456789X":
        if wrong == right:
            continue
        errors = vin_errors(vin[:8] + wrong + vin[9:])
        assert len(errors) == 1
        messages.add(errors[0])
    # The same words whatever digit was typed: the message cannot carry the right character.
    assert messages == {"第9位校验位不符，请核对车辆识别代号是否抄错。"}
    assert f"'{right}'" not in messages.pop()


@pytest.mark.parametrize(
    ("vin", "fragment"),
    [
        ("", "请填写车辆识别代号"),
        ("LFV2A21K8G404333", "应为17位，实为16位"),
        ("LFV2A21K8G40433361", "应为17位，实为18位"),
        ("LFV2A21K8G404333#", "第17位含有不允许的字符'#'"),
        ("LFV2A21K8G4O43336", "第12位使用了字母'O'"),
        ("IFV2A21K8G4043336", "第1位使用了字母'I'"),
        ("LFV2A21K8G40Q3336", "第13位使用了字母'Q'"),
        ("LFV2A21KAG4043336", "第9位是校验位，应为数字或 X，实为'A'"),
    ],
)
def test_each_refusal_names_what_is_wrong(vin, fragment):
    errors = vin_errors(vin)

    assert errors
    assert any(fragment in e for e in errors), errors
    assert not is_valid_vin(vin)


def test_several_problems_are_reported_together():
    errors = vin_errors("IOQ2A21K8G404")

    assert any("应为17位，实为13位" in e for e in errors)
    assert any("第1、2、3位使用了字母'I'、'O'、'Q'" in e for e in errors)


@given(st.text(max_size=40))
def test_normalize_code_is_idempotent_and_vin_errors_never_raise(text):
    once = normalize_code(text)

    assert normalize_code(once) == once
    assert isinstance(vin_errors(text), list)
