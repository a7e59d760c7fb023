"""The lifecycle of a battery, as data: its states, the events that move it, and their deadlines.

Read ``TRANSITIONS`` as the whole rule book: an event is accepted only from the states listed for
it, and leaves the battery in the state beside it. Kinds:

* ``register``: the maker registers the battery (the ``produced`` event);
* ``local``: the holder reports something that does not change hands (fitting, final processing);
* ``dispatch``: the holder hands the battery to a receiver; it is in transit (nobody holds it, the
  sender keeps custody) until the receiver confirms the intake or refuses it, which returns it;
* ``intake``: the receiver's confirmation of a dispatch (or, when the sender is outside the
  association, the receiver's own record of taking the battery over, with a document as evidence).

A ``sold`` dispatch is confirmed by a plain receipt (the receiver's stock: still ``new``).

Deadlines are the national reporting duties (溯源管理暂行规定, REFERENCE.md) in working days from
the day the event happened; a later report is accepted and flagged with how late it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.enums import Enumeration, Item

STATES = Enumeration(
    "battery_state",
    [
        Item("new", "未装车", "Not fitted"),
        Item("in_vehicle", "在车使用", "In a vehicle"),
        Item("in_use", "梯次使用中", "In cascade use"),
        Item("retired", "已退役", "Retired"),
        Item("at_outlet", "回收网点贮存", "At a collection outlet"),
        Item("at_cascade", "梯次利用企业", "At a cascade-use enterprise"),
        Item("at_recycler", "再生利用企业", "At a recycler"),
        Item("recycled", "已最终处置", "Finally processed"),
        Item("recoded", "已梯次重新编码", "Re-coded for cascade use"),
        Item("in_transit", "移交途中", "In transit"),
    ],
)

EVENTS = Enumeration(
    "battery_event",
    [
        Item("produced", "生产", "Produced"),
        Item("sold", "销售", "Sold"),
        Item("fitted", "装车", "Fitted to a vehicle"),
        Item("repair_replaced", "维修更换", "Replaced in repair"),
        Item("retired", "退役", "Retired"),
        Item("outlet_intake", "网点入库", "Outlet intake"),
        Item("outlet_dispatch", "网点出库", "Outlet dispatch"),
        Item("dismantled", "报废拆解", "Removed at vehicle scrapping"),
        Item("cascade_intake", "梯次利用入库", "Cascade-use intake"),
        Item("cascade_dispatch", "梯次产品出库", "Cascade product dispatch"),
        Item("recycler_intake", "再生利用入库", "Recycler intake"),
        Item("final_processing", "最终处置", "Final processing"),
    ],
)

REGISTER, LOCAL, DISPATCH, INTAKE = "register", "local", "dispatch", "intake"
TERMINAL = frozenset({"recycled", "recoded"})
IN_TRANSIT = "in_transit"


@dataclass(frozen=True)
class EventRule:
    """What one event code does: its kind, the states it leaves from and arrives at, its deadline."""

    code: str
    kind: str
    moves: dict[str, str]  # from state -> to state
    deadline_working_days: int | None
    duty: str  # who reports, after the national rules (shown on the lifecycle page)
    needs: tuple[str, ...] = ()  # fields the event must carry: vin, outlet, recovered


RULES: dict[str, EventRule] = {
    rule.code: rule
    for rule in (
        EventRule("produced", REGISTER, {"": "new"}, None, "电池生产企业、梯次利用企业（产品编码）"),
        EventRule("sold", DISPATCH, {"new": "new"}, None, "电池生产企业 → 整车企业"),
        EventRule("fitted", LOCAL, {"new": "in_vehicle"}, 15, "整车企业，车辆合格证发放后15个工作日内", ("vin",)),
        EventRule("repair_replaced", DISPATCH, {"in_vehicle": "retired"}, 30, "维修更换后报整车企业，30个工作日内"),
        EventRule(
            "retired", DISPATCH, {"in_vehicle": "retired", "in_use": "retired"}, 30, "整车企业（或梯次产品使用方）"
        ),
        EventRule(
            "dismantled", DISPATCH, {"in_vehicle": "retired"}, 15, "报废机动车回收拆解企业，拆卸并移交后15个工作日内"
        ),
        EventRule(
            "outlet_intake",
            INTAKE,
            {"retired": "at_outlet"},
            30,
            "回收服务网点（报整车企业），30个工作日内",
            ("outlet",),
        ),
        EventRule(
            "outlet_dispatch", DISPATCH, {"at_outlet": "retired"}, 30, "回收服务网点（报整车企业），30个工作日内"
        ),
        EventRule("cascade_intake", INTAKE, {"retired": "at_cascade"}, 15, "梯次利用企业，15个工作日内"),
        EventRule(
            "cascade_dispatch", DISPATCH, {"new": "in_use", "at_cascade": "retired"}, 15, "梯次利用企业，15个工作日内"
        ),
        EventRule("recycler_intake", INTAKE, {"retired": "at_recycler"}, 30, "再生利用企业，30个工作日内"),
        EventRule(
            "final_processing", LOCAL, {"at_recycler": "recycled"}, 30, "再生利用企业，30个工作日内", ("recovered",)
        ),
    )
}

assert set(RULES) == set(EVENTS.codes), "every event code has exactly one rule"

RECOVERED_METALS = ("li", "ni", "co", "mn")


def next_state(event: str, state: str) -> str | None:
    """The state an event leaves a battery in, or None when the event does not fit the state."""
    rule = RULES.get(event)
    return rule.moves.get(state) if rule else None


def allowed_events(state: str) -> list[str]:
    """The event codes that fit a battery in this state (what the holder may report next)."""
    return [code for code, rule in RULES.items() if state in rule.moves and rule.kind != REGISTER]


CHEMISTRIES = Enumeration(
    "chemistry",
    [
        Item("lfp", "磷酸铁锂", "Lithium iron phosphate (LFP)", ("LFP", "磷酸铁锂电池")),
        Item("ncm", "三元（镍钴锰）", "Nickel cobalt manganese (NCM)", ("NCM", "NMC", "三元", "三元锂")),
        Item("nca", "三元（镍钴铝）", "Nickel cobalt aluminium (NCA)", ("NCA",)),
        Item("lmo", "锰酸锂", "Lithium manganese oxide (LMO)", ("LMO",)),
        Item("lto", "钛酸锂", "Lithium titanate (LTO)", ("LTO",)),
        Item("sodium", "钠离子", "Sodium-ion", ("钠离子电池", "Na-ion")),
        Item("nimh", "镍氢", "Nickel-metal hydride", ("NiMH",)),
        Item("other", "其他", "Other"),
    ],
)

# The battery-type letter of the code (position 5) that implies a chemistry, where that is confirmed.
CHEMISTRY_OF_TYPE = {"B": "lfp", "E": "ncm"}
TERNARY = frozenset({"ncm", "nca"})
