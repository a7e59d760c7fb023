"""Document numbers: shape, check character, typo tolerance, randomness (pure, no database)."""

from __future__ import annotations

import re

import pytest

from portal.documents.numbers import ALPHABET, BadNumber, check_char, new_number, normalise

SHAPE = re.compile(r"^HY-2026-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$")


def test_format():
    number = new_number("HY", 2026)
    assert SHAPE.match(number), number
    assert normalise(number) == number


@pytest.mark.parametrize("spelling", [str.lower, lambda n: n.replace("-", ""), lambda n: " ".join(n.split("-"))])
def test_normalise_forgives_case_spaces_and_hyphens(spelling):
    number = new_number("HY", 2026)
    assert normalise(spelling(number)) == number


def test_o_i_l_read_as_digits():
    body = "0011ABCDEF"
    number = f"HY-2026-{body[:5]}-{body[5:]}-{check_char('2026' + body)}"
    typed = number.replace("-00", "-O0", 1).replace("11A", "l1A", 1)
    assert typed != number and normalise(typed) == number


def test_every_single_typo_is_caught():
    number = new_number("HY", 2026)
    tail = number.replace("-", "")[6:]
    for i, original in enumerate(tail):
        for wrong in ALPHABET:
            if wrong == original:
                continue
            typed = number.replace("-", "")[:6] + tail[:i] + wrong + tail[i + 1 :]
            with pytest.raises(BadNumber):
                normalise(typed)


def test_adjacent_swaps_are_mostly_caught():
    caught = total = 0
    for _ in range(50):
        tail = new_number("HY", 2026).replace("-", "")[6:]
        for i in range(len(tail) - 1):
            if tail[i] == tail[i + 1]:
                continue
            total += 1
            swapped = tail[:i] + tail[i + 1] + tail[i] + tail[i + 2 :]
            try:
                normalise("HY2026" + swapped)
            except BadNumber:
                caught += 1
    assert caught / total > 0.9


@pytest.mark.parametrize(
    "text", ["", "HY", "HY-2026", "HY-2026-ABCDE-FGHJK", "HY-2026-ABCDE-FGHJK-MM", "1234", "<script>"]
)
def test_malformed(text):
    with pytest.raises(BadNumber):
        normalise(text)


def test_not_sequential_nor_repeated():
    numbers = [new_number("HY", 2026) for _ in range(500)]
    assert len(set(numbers)) == 500
    bodies = [n.replace("-", "")[6:16] for n in numbers]
    assert sorted(bodies) != bodies  # drawn, not counted up
    first_chars = {b[0] for b in bodies}
    assert len(first_chars) > 20  # spread over the alphabet
