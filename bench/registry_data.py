"""Synthetic batteries and lifecycle events (fictional), as the registry API takes them: for bench/registry.py.

The in-process mix, as shares of the events reported (``plan``): a battery maker sells packs to car
makers outside the association (``sold``, with the contract as evidence: 40 %); a car maker that
builds its own packs fits them (``fitted`` with a VIN: 39 %); some of its packs are retired to a
member's collection outlet and taken in there (3 events each: 9 %); a few go on to a member recycler
and are finally processed (6 events each: 12 %). Every event is one the state machine accepts from
the state the previous one left, and every hand-over to a member is confirmed through ``/events``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from portal.core.vin import check_character, vin_errors
from tests.factories import battery_code, credit_code

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))
# Car makers outside the association that buy packs: names, and credit codes far from the members' ones.
BUYERS = [
    (name, credit_code(9_000_000 + i))
    for i, name in enumerate(["海岱电动汽车有限公司", "黄河新能源物流车有限公司", "泰山重型汽车集团有限公司"])
]
SCRAP_BUYER = ("渤海再生金属有限公司", credit_code(9_000_100))  # a recycler outside the association


@dataclass(frozen=True)
class Mix:
    """How many batteries follow each story; events = sold + fitted + 3 * to_outlet + 6 * to_recycler."""

    sold: int
    fitted: int
    to_outlet: int
    to_recycler: int

    @property
    def events(self) -> int:
        return self.sold + self.fitted + 3 * self.to_outlet + 6 * self.to_recycler

    @property
    def car_maker_packs(self) -> int:
        return self.fitted + self.to_outlet + self.to_recycler


def plan(events: int) -> Mix:
    """The story counts for about this many events (exactly, for multiples of 100)."""
    to_recycler, to_outlet = events * 2 // 100, events * 3 // 100
    sold = events * 40 // 100
    fitted = events - sold - 3 * to_outlet - 6 * to_recycler
    return Mix(sold, fitted, to_outlet, to_recycler)


def vin(n: int) -> str:
    """A VIN with a right check digit, distinct for each n (below 10 million)."""
    body = f"LFV2A21K0G{n:07d}"
    value = body[:8] + check_character(body) + body[9:]
    assert not vin_errors(value), value
    return value


def batteries(maker: str, first: int, count: int, seed: int) -> list[dict]:
    """Packs of one maker as POST /api/v1/batteries takes them: LFP and NCM, 40-90 kWh, 280-560 kg."""
    rng = random.Random(seed)
    out = []
    for n in range(first, first + count):
        kind = "B" if rng.random() < 0.6 else "E"  # B: LFP, E: NCM (the chemistry follows from the code)
        capacity = round(rng.uniform(40, 90), 1)
        out.append(
            {
                "code": battery_code(n, maker=maker, kind=kind),
                "rated_capacity_kwh": capacity,
                "mass_kg": round(capacity * rng.uniform(6.5, 7.5), 1),
            }
        )
    return out


def at(day: dt.datetime, index: int) -> str:
    """A time on that day, a few seconds apart per item, as member systems send it (ISO 8601, +08:00)."""
    return (day + dt.timedelta(seconds=index % 36_000)).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def sold(code: str, when: str, index: int) -> dict:
    name, buyer_code = BUYERS[index % len(BUYERS)]
    return {
        "code": code,
        "event": "sold",
        "occurred_at": when,
        "counterparty_credit_code": buyer_code,
        "counterparty_name": name,
        "evidence_document": f"销售合同 HT-2026-{index // 200:05d}",
    }


def fitted(code: str, when: str, n: int) -> dict:
    return {"code": code, "event": "fitted", "occurred_at": when, "vin": vin(n)}


def retired(code: str, when: str, operator_credit_code: str, outlet_code: str) -> dict:
    return {
        "code": code,
        "event": "retired",
        "occurred_at": when,
        "counterparty_credit_code": operator_credit_code,
        "outlet_code": outlet_code,
    }


def outlet_intake(code: str, when: str) -> dict:
    return {"code": code, "event": "outlet_intake", "occurred_at": when}


def outlet_dispatch(code: str, when: str, receiver_credit_code: str, index: int = 0) -> dict:
    item = {
        "code": code,
        "event": "outlet_dispatch",
        "occurred_at": when,
        "counterparty_credit_code": receiver_credit_code,
    }
    if receiver_credit_code == SCRAP_BUYER[1]:
        item |= {"counterparty_name": SCRAP_BUYER[0], "evidence_document": f"危废转移联单 ZY-{index // 100:05d}"}
    return item


def recycler_intake(code: str, when: str) -> dict:
    return {"code": code, "event": "recycler_intake", "occurred_at": when}


def final_processing(code: str, when: str, mass_kg: float) -> dict:
    share = mass_kg / 100  # recovered metals, a few per cent of the pack's mass
    return {
        "code": code,
        "event": "final_processing",
        "occurred_at": when,
        "recovered_kg": {
            "li": round(share * 1.2, 3),
            "ni": round(share * 2.1, 3),
            "co": round(share * 0.6, 3),
            "mn": 0,
        },
    }


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
