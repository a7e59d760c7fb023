"""The scheme's arithmetic, in integer fen (no database, no floats).

deposit = rated capacity (kWh) x rate (fen per kWh), rounded half up to the fen (or a flat amount);
collector's share = deposit x share, rounded down to the fen; the payer gets the rest, so the two
parts always add up to the deposit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

BASIS_POINTS = 10_000


def deposit_fen(capacity_kwh: Decimal, fen_per_kwh: int | None, flat_fen: int | None) -> int | None:
    """The deposit on a pack; None when the rule gives no rate for it."""
    if flat_fen is not None:
        return flat_fen
    if fen_per_kwh is None:
        return None
    return int((Decimal(capacity_kwh) * fen_per_kwh).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_split(deposit: int, collector_share_bp: int) -> tuple[int, int]:
    """(payer's part, collector's part) of a refunded deposit."""
    collector = deposit * collector_share_bp // BASIS_POINTS
    return deposit - collector, collector


def parse_percent(text: str) -> int:
    """'12.5' (percent, up to two decimals) -> 1250 basis points; ValueError outside 0-100."""
    value = Decimal(str(text).strip().rstrip("%"))
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(value * 100)


def format_percent(bp: int) -> str:
    """1250 -> '12.5'."""
    return f"{Decimal(bp) / 100:f}".rstrip("0").rstrip(".") if bp % 100 else str(bp // 100)
