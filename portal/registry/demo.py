"""The demo step of the battery registry: about 210 packs and 80 modules followed from production
through the car makers, their outlets, cascade use and recycling.

Everything is reported through the registry's services, by the demo member users themselves (the
battery maker, two car makers, two outlet operators, a cascade-use enterprise and three recyclers),
with the portal's clock moved to the moment each report was made: deadlines, working days taken and
late flags come out as in real use, and every row is marked ``is_demo``. The history is seeded
random (the same for the same day), ends a few days before now, and holds on purpose: transfers
waiting for confirmation (one overdue), a refusal and the new hand-over after it, late reports, a
repair replacement, one cascade-use re-coding shipped to an energy-storage operator outside the
association, and final processing with recovered lithium, nickel, cobalt and manganese.

The step does nothing when demo batteries exist already, or when the members or outlets it needs
are missing (a database holding real data).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.demo import SeedContext, load_members_data, make_credit_code
from portal.registry.services import BatteryInput, EventInput

SEED = 34014
BATTERY_MAKER_CODE = "QH7"  # the maker code of the demo battery maker (positions 1-3)
CASCADE_MAKER_CODE = "ZT5"  # the cascade-use enterprise's own maker code for its products
# Specifications of the demo maker (positions 6-7): rated energy (kWh) and mass (kg) of the pack.
SPECS = {
    "lfp": (("01", "50.2", "372"), ("02", "60.5", "425"), ("05", "45.0", "331"), ("07", "72.4", "505")),
    "ncm": (("21", "62.0", "385"), ("23", "75.6", "448"), ("25", "88.0", "520"), ("27", "96.4", "575")),
}
BATTERY_TYPE = {"lfp": "B", "ncm": "E"}
MODULES_PER_PACK = 8
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model-year characters from 2010 (GB 16735)
VIN_MODELS = {"lfp": "EA21B", "ncm": "EB31C"}  # positions 4-8 (vehicle descriptor) per battery kind
# Energy-storage operator outside the association that takes the cascade-use product.
STORAGE_OPERATOR = ("山东鲁储综合能源服务有限公司", ("91", "370200", "MA3R8T52"))
REFUSAL_REASON = "外壳变形、有电解液渗漏痕迹，不符合网点安全接收条件；请按危险废物要求加装防漏托盘后重新移交。"


@dataclass
class _Cast:
    """The demo members playing each part, and the outlets in each car maker's network."""

    maker: object
    cars: list
    operators: list
    cascade: object
    recyclers: list
    users: dict[int, object]
    network: dict[int, list] = field(default_factory=dict)  # car maker id -> outlets (operated by another member)
    operator_of: dict[int, object] = field(default_factory=dict)  # outlet id -> operating member


@dataclass
class _Pack:
    """One pack as planned: its code, values, and where the plan has taken it so far."""

    code: str
    chemistry: str
    capacity: str
    mass: str
    produced: dt.date
    car: object = None
    fitted: dt.datetime | None = None
    reserved: bool = False  # followed by a hand-made story instead of the random flow
    modules: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Call:
    """One service call as a member would make it, at the moment it was made."""

    at: dt.datetime
    seq: int
    kind: str = field(compare=False)  # register | report | receipt | refuse
    enterprise_id: int = field(compare=False)
    items: list = field(compare=False, default_factory=list)


def seed(session: Session, ctx: SeedContext) -> None:
    """About 210 demo packs (and the modules of some) with their lifecycle events, through the registry's services."""
    from portal.registry.models import Battery

    if session.scalar(select(Battery.id).where(Battery.is_demo).limit(1)) is not None:
        return
    cast = _cast(session)
    if cast is None:
        return
    with clock.kept():
        now = clock.now()
        plan = _Plan(cast, now, random.Random(f"{SEED}:{now.astimezone(clock.LOCAL_TZ).date().isoformat()}"))
        plan.build()
        counts = plan.run(session)
    ctx.created.append(f"{counts['batteries']} batteries, {counts['events']} battery events")


def _cast(session: Session) -> _Cast | None:
    """The demo members by their part (from the members' demo data), with a user each; None if missing."""
    from portal.auth.queries import users_of_enterprise
    from portal.members.queries import member_by_credit_code

    found: dict[str, list] = defaultdict(list)
    users: dict[int, object] = {}
    for row in load_members_data()["enterprises"]:
        if row.get("lapsed"):
            continue
        enterprise = member_by_credit_code(session, make_credit_code(row["prefix"], row["division"], row["org"]))
        accounts = users_of_enterprise(session, enterprise.id) if enterprise else []
        if enterprise is None or not accounts:
            continue
        users[enterprise.id] = accounts[0]
        activities = set(row["activities"])
        if "battery_maker" in activities:
            found["maker"].append(enterprise)
        elif "vehicle_maker" in activities:
            found["cars"].append(enterprise)
        elif "cascade_use" in activities and "recycling" not in activities:
            found["cascade"].append(enterprise)
        elif "outlet_operator" in activities:
            found["operators"].append(enterprise)
        if "recycling" in activities:
            found["recyclers"].append(enterprise)
    if not (found["maker"] and found["cascade"] and found["recyclers"]):
        return None
    if len(found["cars"]) < 2 or len(found["operators"]) < 2:
        return None
    cast = _Cast(
        maker=found["maker"][0],
        cars=found["cars"][:2],
        operators=found["operators"][:2],
        cascade=found["cascade"][0],
        recyclers=found["recyclers"],
        users=users,
    )
    return cast if _network(session, cast) else None


def _network(session: Session, cast: _Cast) -> bool:
    """Six verified outlets of each outlet operator join one car maker's recycling network."""
    from portal.core.actors import system
    from portal.outlets import services as outlets
    from portal.outlets.queries import OutletFilters, all_matching

    actor = system("seed-demo")
    for car, operator in zip(cast.cars, cast.operators, strict=True):
        chosen = all_matching(session, OutletFilters(operator=operator.name, status="compliant"))[:6]
        if len(chosen) < 2:
            return False
        for outlet in chosen:
            makers = [m.enterprise_id for m in outlet.makers]
            if car.id not in makers:
                outlets.set_makers(session, actor, outlet.id, [*makers, car.id])
            cast.operator_of[outlet.id] = operator
        cast.network[car.id] = chosen
    return True


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Shandong time on day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.LOCAL_TZ)


def _weekday(day: dt.date, *, back: bool = False) -> dt.date:
    """The day itself, or the nearest Monday-to-Friday day after it (before it with back)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=-1 if back else 1)
    return day


def _date_chars(day: dt.date) -> str:
    """Positions 15-17 of a battery code (GB/T 34014) for a production day (1st to 30th)."""
    from portal.registry.codes import tables

    t = tables()
    return t.year_symbols[day.year - t.base_year - 1] + t.month_symbols[day.month - 1] + t.day_symbols[day.day - 1]


def _vin(wmi: str, chemistry: str, year: int, plant: str, serial: int) -> str:
    """A VIN of the car maker with a correct check digit (GB 16735)."""
    from portal.core.vin import check_character

    body = f"{wmi}{VIN_MODELS[chemistry]}0{VIN_YEARS[(year - 2010) % 30]}{plant}{serial:06d}"
    return body[:8] + check_character(body) + body[9:]


def _recovered(chemistry: str, mass: str, rng: random.Random) -> dict[str, str]:
    """Metals recovered from one pack (kg), as shares of its mass a hydrometallurgical line achieves."""
    kg = float(mass)
    if chemistry == "lfp":  # LiFePO4: lithium only
        shares = {"li": rng.uniform(0.0085, 0.0115), "ni": 0.0, "co": 0.0, "mn": 0.0}
    else:  # NCM 5-2-3 to 6-2-2 cathodes
        shares = {
            "li": rng.uniform(0.012, 0.016),
            "ni": rng.uniform(0.052, 0.070),
            "co": rng.uniform(0.019, 0.027),
            "mn": rng.uniform(0.026, 0.035),
        }
    return {metal: f"{kg * share:.3f}" if share else "0" for metal, share in shares.items()}


class _Plan:
    """Plans the demo history as service calls at their moments, then makes them in time order."""

    def __init__(self, cast: _Cast, now: dt.datetime, rng: random.Random) -> None:
        self.cast, self.rng = cast, rng
        self.today = now.astimezone(clock.LOCAL_TZ).date()
        self.end = self.today - dt.timedelta(days=3)  # the random history stops here; the stories go on
        self.cap = self.end  # the last month of production (set by build)
        self.calls: list[_Call] = []
        self.packs: list[_Pack] = []
        self.serial = 0
        self.vins: dict[int, int] = defaultdict(int)

    # --- planning -------------------------------------------------------------------------------

    def call(self, at: dt.datetime, kind: str, enterprise, items: list) -> None:
        self.calls.append(_Call(at.astimezone(dt.UTC), len(self.calls), kind, enterprise.id, items))

    def report(self, at: dt.datetime, enterprise, items: list) -> None:
        self.call(at, "report", enterprise, items)

    def build(self) -> None:
        """Production lots (every second month; monthly for the stock), sales, fitting, then the flow and stories."""
        cap = self.cap = min(dt.date(2025, 12, 1), self.end - dt.timedelta(days=150))
        month = dt.date(2018, 1, 1)
        stock_from = dt.date(cap.year, cap.month, 1) - dt.timedelta(days=100)
        while month <= cap:
            rng = self.rng
            chemistry = "lfp" if rng.random() < 0.68 else "ncm"
            day = _weekday(month.replace(day=rng.randint(2, 26)))
            if month < stock_from:
                self.lot(day, chemistry, rng.randint(3, 5), car=rng.choice(self.cast.cars))
            else:  # recent production still in the maker's stock, half of it registered down to the modules
                self.lot(day, chemistry, rng.randint(3, 4), modules=rng.random() < 0.6)
            step = 62 if month < stock_from else 32  # a lot every second month; stock built monthly
            month = (month + dt.timedelta(days=step)).replace(day=1)
        self.stories()
        self.flow()

    def lot(self, day: dt.date, chemistry: str, size: int, *, car=None, modules=False, reserved=False) -> list[_Pack]:
        """Packs made on one day to one specification, registered the next working day (and sold, fitted)."""
        rng = self.rng
        day = day.replace(day=min(day.day, 30))  # day 31 has no confirmed code character
        spec, capacity, mass = rng.choice(SPECS[chemistry])
        trace = f"QD{rng.randint(1, 3)}{'AB'[rng.randint(0, 1)]}{day.timetuple().tm_yday:03d}"
        packs, items = [], []
        for _ in range(size):
            self.serial += 1
            code = f"{BATTERY_MAKER_CODE}P{BATTERY_TYPE[chemistry]}{spec}{trace}{_date_chars(day)}{self.serial:07d}"
            pack = _Pack(code, chemistry, capacity, mass, day, reserved=reserved)
            items.append(BatteryInput(code=code, rated_capacity_kwh=capacity, mass_kg=mass))
            for _m in range(MODULES_PER_PACK if modules else 0):
                self.serial += 1
                module = (
                    f"{BATTERY_MAKER_CODE}M{BATTERY_TYPE[chemistry]}{spec}{trace}{_date_chars(day)}{self.serial:07d}"
                )
                module_kwh = (Decimal(capacity) / MODULES_PER_PACK).quantize(Decimal("0.001"))
                module_kg = (Decimal(mass) * Decimal("0.82") / MODULES_PER_PACK).quantize(Decimal("0.01"))
                items.append(
                    BatteryInput(code=module, rated_capacity_kwh=module_kwh, mass_kg=module_kg, pack_code=code)
                )
                pack.modules.append(module)
            packs.append(pack)
        self.call(_local(_weekday(day + dt.timedelta(days=1)), 9), "register", self.cast.maker, items)
        self.packs.extend(packs)
        if car is not None:
            self.sell_and_fit(packs, car, day)
        return packs

    def sell_and_fit(self, packs: list[_Pack], car, made: dt.date) -> None:
        """The maker ships the lot to the car maker, which receives it and fits each pack to a vehicle."""
        rng = self.rng
        sold = _weekday(made + dt.timedelta(days=rng.randint(12, 40)))
        self.report(
            _local(sold, 17),
            self.cast.maker,
            [EventInput(p.code, "sold", _local(sold, 10), counterparty_credit_code=car.credit_code) for p in packs],
        )
        arrived = _weekday(sold + dt.timedelta(days=rng.randint(1, 3)))
        for pack in packs:
            self.call(_local(arrived, 11), "receipt", car, [(pack.code, _local(arrived, 10, 30))])
        fitted = _weekday(arrived + dt.timedelta(days=rng.randint(3, 20)))
        wmi, plant = ("LJC", "J") if car is self.cast.cars[0] else ("LYM", "Y")
        items = []
        for pack in packs:
            self.vins[car.id] += 1
            vin = _vin(wmi, pack.chemistry, fitted.year, plant, 100000 + self.vins[car.id] * 7)
            items.append(EventInput(pack.code, "fitted", _local(fitted, 14), vin=vin))
            pack.car, pack.fitted = car, _local(fitted, 14)
        self.report(_local(fitted, 18), car, items)

    def retire(self, car, packs: list[_Pack], day: dt.date, outlet, *, event="retired", reported=None, note=""):
        """The car maker hands packs to an outlet of its network (reported at once unless told)."""
        operator = self.cast.operator_of[outlet.id]
        items = [
            EventInput(
                p.code,
                event,
                _local(day, 10),
                outlet_code=outlet.code,
                counterparty_credit_code=operator.credit_code,
                note=note,
            )
            for p in packs
        ]
        self.report(reported or _local(day, 16), car, items)
        return operator

    def intake(self, enterprise, packs: list[_Pack], event: str, day: dt.date, *, outlet=None, site="", reported=None):
        items = [
            EventInput(p.code, event, _local(day, 9, 30), outlet_code=outlet.code if outlet else None, site=site)
            for p in packs
        ]
        self.report(reported or _local(day, 15), enterprise, items)

    def dispatch(self, operator, packs: list[_Pack], day: dt.date, receiver) -> None:
        items = [
            EventInput(p.code, "outlet_dispatch", _local(day, 9), counterparty_credit_code=receiver.credit_code)
            for p in packs
        ]
        self.report(_local(day, 17), operator, items)

    def finish(self, recycler, packs: list[_Pack], day: dt.date, *, reported=None) -> None:
        items = [
            EventInput(
                p.code, "final_processing", _local(day, 10), recovered_kg=_recovered(p.chemistry, p.mass, self.rng)
            )
            for p in packs
        ]
        self.report(reported or _local(day, 18), recycler, items)

    def flow(self) -> None:
        """Vehicles retire at random; retired packs go by quarterly shipments through outlets to recycling."""
        rng, cast = self.rng, self.cast
        last_retirement = self.end - dt.timedelta(days=100)
        retiring: dict[tuple, list[_Pack]] = defaultdict(list)
        for pack in self.packs:
            if pack.fitted is None or pack.reserved:
                continue
            when = (pack.fitted + dt.timedelta(days=rng.uniform(3.0, 9.0) * 365)).date()
            if when <= last_retirement:
                retiring[(pack.car.id, when.year, (when.month - 1) // 3)].append((when, pack))
        shipping: dict[tuple, list] = defaultdict(list)
        for index, ((car_id, _y, _m), rows) in enumerate(sorted(retiring.items())):
            car = next(c for c in cast.cars if c.id == car_id)
            day = _weekday(max(when for when, _p in rows))
            packs = [p for _w, p in rows]
            outlet = cast.network[car_id][index % len(cast.network[car_id])]
            operator = self.retire(car, packs, day, outlet)
            arrived = _weekday(day + dt.timedelta(days=rng.randint(1, 3)))
            self.intake(operator, packs, "outlet_intake", arrived, outlet=outlet)
            for pack in packs:
                if pack.chemistry == "lfp" and rng.random() < 0.3:
                    receiver = cast.cascade
                else:
                    receiver = rng.choice(cast.recyclers)
                planned = arrived + dt.timedelta(days=rng.randint(20, 90))
                shipping[(operator.id, receiver.id, planned.year, (planned.month - 1) // 3)].append(
                    (planned, pack, operator)
                )
        processing: dict[tuple, list] = defaultdict(list)
        for (_operator_id, receiver_id, _y, _m), rows in sorted(shipping.items()):
            day = _weekday(max(planned for planned, _p, _o in rows))
            if day > self.end - dt.timedelta(days=30):
                continue  # still stored at the outlet
            packs = [p for _d, p, _o in rows]
            receiver = next(e for e in (cast.cascade, *cast.recyclers) if e.id == receiver_id)
            self.dispatch(rows[0][2], packs, day, receiver)
            arrived = _weekday(day + dt.timedelta(days=rng.randint(1, 3)))
            event = "cascade_intake" if receiver is cast.cascade else "recycler_intake"
            self.intake(receiver, packs, event, arrived, site=receiver.address)
            if receiver is not cast.cascade:
                for pack in packs:
                    planned = arrived + dt.timedelta(days=rng.randint(15, 60))
                    processing[(receiver.id, planned.year, (planned.month - 1) // 3)].append((planned, pack))
        for (receiver_id, _y, _m), rows in sorted(processing.items()):
            day = _weekday(max(planned for planned, _p in rows))
            if day <= self.end:
                receiver = next(e for e in cast.recyclers if e.id == receiver_id)
                self.finish(receiver, [p for _d, p in rows], day)

    def stories(self) -> None:
        """The cases a demo should show, each on packs of its own; ``ago(n)``: n working days before today."""
        cast = self.cast
        quancheng, yimeng = cast.cars
        green, bluesea = cast.operators
        q_outlets, y_outlets = cast.network[quancheng.id], cast.network[yimeng.id]
        ago = self.working_days_ago

        # A ternary pack followed to the end: retired, stored, recycled with its metals recovered.
        (ternary,) = self.lot(_weekday(dt.date(2018, 4, 17)), "ncm", 1, car=quancheng, reserved=True)
        recycler = cast.recyclers[0]
        self.retire(quancheng, [ternary], ago(220), q_outlets[0])
        self.intake(green, [ternary], "outlet_intake", ago(218), outlet=q_outlets[0])
        self.dispatch(green, [ternary], ago(200), recycler)
        self.intake(recycler, [ternary], "recycler_intake", ago(198), site=recycler.address)
        self.finish(recycler, [ternary], ago(170))

        # Cascade use: two LFP packs re-coded into one storage product, shipped outside the association.
        originals = self.lot(_weekday(dt.date(2019, 5, 14)), "lfp", 2, car=yimeng, reserved=True)
        self.retire(yimeng, originals, ago(170), y_outlets[0])
        self.intake(bluesea, originals, "outlet_intake", ago(168), outlet=y_outlets[0])
        self.dispatch(bluesea, originals, ago(150), cast.cascade)
        self.intake(cast.cascade, originals, "cascade_intake", ago(148), site=cast.cascade.address)
        self.recode(originals, ago(120), ago(105))

        # A pack replaced in a repair, handed to the outlet of the workshop.
        (repaired,) = self.lot(_weekday(dt.date(2021, 3, 9)), "lfp", 1, car=quancheng, reserved=True)
        self.retire(quancheng, [repaired], ago(40), q_outlets[1], event="repair_replaced")
        self.intake(green, [repaired], "outlet_intake", ago(38), outlet=q_outlets[1])

        # Late reports: a retirement reported nine weeks after it happened, and so the outlet's intake.
        (late,) = self.lot(_weekday(dt.date(2019, 8, 20)), "lfp", 1, car=quancheng, reserved=True)
        self.retire(quancheng, [late], ago(60), q_outlets[2], reported=_local(ago(16), 16))
        self.intake(green, [late], "outlet_intake", ago(59), outlet=q_outlets[2], reported=_local(ago(15), 15))

        # A refusal: the outlet refuses a leaking pack; the car maker hands it over again, packed properly.
        (leaking,) = self.lot(_weekday(dt.date(2019, 10, 15)), "ncm", 1, car=quancheng, reserved=True)
        self.retire(quancheng, [leaking], ago(18), q_outlets[3])
        self.call(_local(ago(17), 10), "refuse", green, [(leaking.code, REFUSAL_REASON)])
        self.retire(quancheng, [leaking], ago(8), q_outlets[4], note="已加装防漏托盘，按危险废物要求包装后重新移交。")
        self.intake(green, [leaking], "outlet_intake", ago(7), outlet=q_outlets[4])

        # Waiting for confirmation: a retirement sent yesterday, one waiting for weeks (overdue), a sale.
        (waiting,) = self.lot(_weekday(dt.date(2020, 1, 14)), "lfp", 1, car=quancheng, reserved=True)
        self.retire(quancheng, [waiting], ago(1), q_outlets[5])
        (overdue,) = self.lot(_weekday(dt.date(2019, 11, 12)), "lfp", 1, car=yimeng, reserved=True)
        self.retire(yimeng, [overdue], ago(28), y_outlets[1])
        shipped = self.lot(_weekday(self.cap - dt.timedelta(days=45)), "lfp", 2, reserved=True)
        sold = [
            EventInput(p.code, "sold", _local(ago(2), 10), counterparty_credit_code=quancheng.credit_code)
            for p in shipped
        ]
        self.report(_local(ago(2), 17), cast.maker, sold)

    def working_days_ago(self, n: int) -> dt.date:
        """The n-th Monday-to-Friday day before today (distinct n, distinct days, in order)."""
        day = self.today
        while n:
            day -= dt.timedelta(days=1)
            n -= day.weekday() < 5
        return day

    def recode(self, originals: list[_Pack], made: dt.date, shipped: dt.date) -> None:
        """The cascade-use enterprise registers a storage product under its own code, and ships it."""
        made = made.replace(day=min(made.day, 30))
        self.serial += 1
        code = f"{CASCADE_MAKER_CODE}PB01ZZ{made.timetuple().tm_yday:03d}CN{_date_chars(made)}{self.serial:07d}"
        capacity = sum(Decimal(p.capacity) for p in originals) * Decimal("0.78")  # state of health after first use
        mass = sum(Decimal(p.mass) for p in originals) + 85  # cabinet, BMS and cooling
        product = BatteryInput(
            code=code,
            rated_capacity_kwh=capacity.quantize(Decimal("0.1")),
            mass_kg=mass,
            source_codes=tuple(p.code for p in originals),
        )
        self.call(_local(_weekday(made + dt.timedelta(days=1)), 10), "register", self.cast.cascade, [product])
        name, parts = STORAGE_OPERATOR
        self.report(
            _local(shipped, 17),
            self.cast.cascade,
            [
                EventInput(
                    code,
                    "cascade_dispatch",
                    _local(shipped, 9),
                    site="枣庄市市中区光明大道储能示范站",
                    counterparty_credit_code=make_credit_code(*parts),
                    counterparty_name=name,
                    evidence_document="梯次储能柜交付验收单 ZT-CN-2026-017",
                )
            ],
        )

    # --- running --------------------------------------------------------------------------------

    def run(self, session: Session) -> dict[str, int]:
        """Make every planned call in time order, the clock set to its moment; historic notices are read."""
        from portal.registry import events, services, transfers

        counts = {"batteries": 0, "events": 0}
        recent = clock.local_midnight_utc(self.today - dt.timedelta(days=45))
        marked = False
        before = self._newest_notifications(session)
        for call in sorted(self.calls):
            if not marked and call.at >= recent:
                self._read_old_notifications(session, before)
                marked = True
            clock.set_now(call.at)
            actor = self.cast.users[call.enterprise_id]
            try:
                if call.kind == "register":
                    rows = services.register_batteries(session, actor, call.items, demo=True)
                    counts["batteries"] += len(rows)
                    counts["events"] += len(rows)
                elif call.kind == "report":
                    counts["events"] += len(events.report_events(session, actor, call.items, demo=True))
                elif call.kind == "receipt":
                    ((code, when),) = call.items
                    transfers.confirm_receipt(session, actor, code, when)
                else:
                    ((code, reason),) = call.items
                    transfers.refuse_transfer(session, actor, code, reason)
            except Exception as err:
                details = getattr(err, "fields", None) or ""
                raise RuntimeError(f"demo registry: {call.kind} at {call.at} failed: {err} {details}") from err
        if not marked:
            self._read_old_notifications(session, before)
        return counts

    def _newest_notifications(self, session: Session) -> dict[int, int]:
        from portal.notify.services import notifications_query

        newest = {}
        for user in self.cast.users.values():
            latest = session.scalar(notifications_query(user.id).limit(1))
            newest[user.id] = latest.id if latest else 0
        return newest

    def _read_old_notifications(self, session: Session, before: dict[int, int]) -> None:
        """Notices of the registry's own older history are read (a demo user opens with the recent ones)."""
        from portal.notify.services import mark_read, notifications_query

        for user_id, newest in before.items():
            for notice in list(session.scalars(notifications_query(user_id))):
                if notice.id <= newest:
                    break
                if notice.read_at is None:
                    mark_read(session, user_id, notice.id)
