"""The scheme's arithmetic on its own: integer fen, half up for the deposit, down for the collector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.ledger import accounts, amounts, journal


@pytest.mark.parametrize(
    ("kwh", "rate", "expected"),
    [("0.001", 1500, 2), ("0.003", 1500, 5), ("0.001", 1499, 1), ("60", 2000, 120000), ("52.5", 3000, 157500)],
)
def test_the_deposit_is_rounded_half_up_to_the_fen(kwh, rate, expected):
    assert amounts.deposit_fen(Decimal(kwh), rate, None) == expected


def test_a_flat_amount_wins_and_no_rate_means_no_deposit():
    assert amounts.deposit_fen(Decimal("60"), 2000, 50000) == 50000
    assert amounts.deposit_fen(Decimal("60"), None, None) is None


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_the_parts_of_a_refund_add_up_and_the_collector_is_rounded_down(deposit, share):
    payer, collector = amounts.refund_split(deposit, share)
    assert payer + collector == deposit
    assert 0 <= collector <= deposit * share / 10_000 < collector + 1


@pytest.mark.parametrize(("text", "bp"), [("20", 2000), ("12.5", 1250), ("0", 0), ("100", 10000), ("7.25%", 725)])
def test_percentages_are_basis_points(text, bp):
    assert amounts.parse_percent(text) == bp
    assert amounts.parse_percent(amounts.format_percent(bp)) == bp


@pytest.mark.parametrize("text", ["-1", "100.01", "12.345", "abc", "NaN", "Infinity"])
def test_bad_percentages_are_refused(text):
    with pytest.raises((ValueError, ArithmeticError)):
        amounts.parse_percent(text)


def test_account_codes_parse_back_and_unknown_ones_do_not():
    assert accounts.parse(accounts.code(accounts.HELD, 12)) == (accounts.HELD, 12)
    assert accounts.parse("escrow_bank") == (accounts.ESCROW, None)
    for bad in ("escrow_bank:3", "deposits_held", "deposits_held:x", "cash", "", "refunds_payable:" + "9" * 13):
        assert accounts.parse(bad) is None


@pytest.mark.parametrize(
    "posting",
    [
        journal.Posting(
            key="bill:7:0",
            kind="bill",
            posted_on=dt.date(2026, 12, 3),
            lines=(journal.Line("receivable:3", "D", 120000), journal.Line("held:3", "C", 120000)),
            battery_id=7,
            enterprise_id=3,
            memo="03HPB0DA0001R1CB00000001",
        ),
        journal.Posting(
            key='bank:"A\\1":0',
            kind="payment",
            posted_on=dt.date(2026, 1, 31),
            lines=(journal.Line("escrow", "D", 1), journal.Line("receivable:3", "C", 1)),
            reverses_id=12,
            reference="流水号-１",
            memo="更正：退回\u2028",
        ),
    ],
)
def test_the_hash_content_made_in_parts_is_the_canonical_array(posting):
    """``post_many`` makes the hash's content from parts made before the lock: the very bytes of the array."""
    created_at = dt.datetime(2026, 12, 3, 1, 2, 3, 4005, tzinfo=dt.UTC)
    whole = journal.canonical_values(
        41,
        posting.key,
        posting.kind,
        posting.posted_on.isoformat(),
        posting.battery_id,
        posting.enterprise_id,
        posting.reverses_id,
        posting.reference,
        posting.memo,
        "齐鲁动力 (token 5)",
        journal.utc_iso(created_at),
        [[line.account, line.side, line.amount_fen] for line in posting.lines],
    )
    assert journal.canonical(41, posting, "齐鲁动力 (token 5)", created_at) == whole
