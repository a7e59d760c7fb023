"""The registry's small world plus a deposit scheme in force, tokens that may bill and read, a whitelist.

``scheme`` gives the world with: a rule from 2026-11-02 (LFP 20 yuan/kWh, NCM 30 yuan/kWh, collector
20 %, forfeiture 365 days after retirement), the maker's and the car maker's deposit tokens, the
recycler and the cascade-use enterprise on the whitelist, the outlet rated 合规.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.registry.conftest import World, api, in_car, world  # noqa: F401  (fixtures re-used here)


@dataclass
class Scheme:
    world: World
    maker_token: str  # deposits:write + ledger:read
    car_token: str
    rule_id: int


RULE = {"lfp": "20", "ncm": "30"}


@pytest.fixture
def scheme(world, session) -> Scheme:  # noqa: F811
    from portal.core.actors import system
    from portal.ledger import rules
    from portal.members.models import Enterprise
    from portal.members.queries import get_enterprise
    from portal.outlets.models import Outlet
    from tests.factories import make_token

    rule = rules.add_rule(
        session,
        system("test"),
        rules.RuleInput(
            effective_from="2026-11-02", collector_share_percent="20", forfeit_after_days="365", yuan_per_kwh=RULE
        ),
    )
    for party, activity in ((world.recycler, "recycling"), (world.cascade, "cascade_use")):
        session.get(Enterprise, party.id).whitelist_activity = activity
        session.get(Enterprise, party.id).whitelist_batch = 3
    for party in (world.maker, world.car, world.outlet_operator, world.cascade, world.recycler):
        enterprise = session.get(Enterprise, party.id)
        enterprise.bank_name, enterprise.bank_account_name = "中国工商银行济南分行", enterprise.name
        enterprise.bank_account_no = f"16020000000{party.id:08d}"
    outlet = session.query(Outlet).filter_by(code=world.outlet_code).one()
    outlet.status = "compliant"
    scopes = ("batteries:read", "batteries:write", "deposits:write", "ledger:read")
    maker_token = make_token(session, get_enterprise(session, world.maker.id), scopes, name="押金对接")
    car_token = make_token(session, get_enterprise(session, world.car.id), scopes, name="押金对接")
    session.commit()
    return Scheme(world, maker_token, car_token, rule.id)


def new_pack(scheme: Scheme, api, kwh: float = 60) -> str:  # noqa: F811
    """A registered pack made by the maker (LFP by its code's battery type), not yet sold: its code."""
    from tests.factories import battery_code

    code = battery_code()
    made = api("POST", "/batteries", scheme.maker_token, json={"code": code, "rated_capacity_kwh": kwh, "mass_kg": 420})
    assert made.status_code == 201, made.get_json()
    return code


def bill(scheme: Scheme, api, *codes: str, token: str | None = None):  # noqa: F811
    body = {"codes": list(codes)} if len(codes) != 1 else {"code": codes[0]}
    return api("POST", "/deposits", token or scheme.maker_token, json=body)


def retire_to_outlet(scheme: Scheme, api, code: str) -> None:  # noqa: F811
    """The car maker retires the fitted pack to the outlet; the outlet operator confirms the intake."""
    w = scheme.world
    sent = api(
        "POST",
        f"/batteries/{code}/events",
        w.car.token,
        json={
            "event": "retired",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": w.outlet_operator.credit_code,
            "outlet_code": w.outlet_code,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    taken = api(
        "POST",
        f"/batteries/{code}/events",
        w.outlet_operator.token,
        json={"event": "outlet_intake", "occurred_at": "2026-11-02 09:30"},
    )
    assert taken.status_code == 201, taken.get_json()


def verify_ok(session) -> None:
    from portal.ledger.verify import verify

    report = verify(session)
    assert report.ok, report.problems
