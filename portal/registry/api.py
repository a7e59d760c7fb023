"""The registry's API: register batteries, report events, confirm or refuse transfers, read chains.

Writes take a token with ``batteries:write``; reads a token with ``batteries:read`` or a logged-in
person. A battery the caller may not see is answered 404, exactly as one that does not exist.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.bodies import json_object
from portal.api.caller import caller
from portal.core import uow
from portal.core.paging import paginate, parse_paging
from portal.errors import DomainError
from portal.registry import access, codes, events, queries, services, transfers
from portal.registry.api_items import battery_item, short_event
from portal.registry.lifecycle import STATES

BATTERY_FIELDS = {"code", "rated_capacity_kwh", "mass_kg", "pack_code", "vin", "chemistry", "source_codes"}
EVENT_FIELDS = {
    "code",
    "event",
    "occurred_at",
    "outlet_code",
    "site",
    "counterparty_credit_code",
    "counterparty_name",
    "evidence_document",
    "vin",
    "recovered_kg",
    "note",
    "corrects_event_id",
}


def _items(data: dict, known: set[str]) -> tuple[list[dict], bool]:
    """The items of a body: {"items": [...]} (a batch) or one object; unknown fields are refused."""
    batch = "items" in data
    raw = data["items"] if batch else [data]
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise DomainError(_("items 应为对象的数组。"), {"items": _("items 应为对象的数组。")})
    problems: dict[str, str] = {}
    for index, item in enumerate(raw):
        for name in sorted(set(item) - known):
            key = f"items.{index}.{name}" if batch else name
            problems[key] = _("未知字段。可用字段：%(fields)s。", fields=", ".join(sorted(known)))
    if batch and set(data) - {"items"}:
        problems["items"] = _("批量请求只应包含 items。")
    if problems:
        raise DomainError(_("请求含有未知字段，未写入任何内容。"), problems)
    return raw, batch


def _text(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _battery_input(item: dict) -> services.BatteryInput:
    sources = item.get("source_codes") or ()
    if isinstance(sources, str):
        sources = [sources]
    return services.BatteryInput(
        code=_text(item.get("code")) or "",
        rated_capacity_kwh=item.get("rated_capacity_kwh"),
        mass_kg=item.get("mass_kg"),
        pack_code=_text(item.get("pack_code")),
        vin=_text(item.get("vin")),
        chemistry=_text(item.get("chemistry")),
        source_codes=tuple(str(s) for s in sources) if isinstance(sources, list | tuple) else (str(sources),),
    )


def _event_input(item: dict, code: str | None = None) -> services.EventInput:
    corrects = item.get("corrects_event_id")
    return services.EventInput(
        code=code or _text(item.get("code")) or "",
        event=_text(item.get("event")) or "",
        occurred_at=item.get("occurred_at"),
        outlet_code=_text(item.get("outlet_code")),
        site=_text(item.get("site")) or "",
        counterparty_credit_code=_text(item.get("counterparty_credit_code")),
        counterparty_name=_text(item.get("counterparty_name")),
        evidence_document=_text(item.get("evidence_document")) or "",
        vin=_text(item.get("vin")),
        recovered_kg=item.get("recovered_kg"),
        note=_text(item.get("note")) or "",
        corrects_event_id=corrects
        if isinstance(corrects, int) and not isinstance(corrects, bool)
        else (-1 if corrects is not None else None),
    )


@bp.post("/batteries")
def register_batteries():
    actor = caller("batteries:write")
    items, batch = _items(json_object(), BATTERY_FIELDS)
    db = uow.session()
    rows = services.register_batteries(db, actor, [_battery_input(i) for i in items], batch=batch)
    if batch:
        return jsonify(count=len(rows), items=[battery_item(db, b) for b in rows]), 201
    return jsonify(battery_item(db, rows[0], with_events=True)), 201


@bp.post("/batteries/<code>/events")
def report_event(code: str):
    actor = caller("batteries:write")
    data = json_object()
    if "items" in data:
        raise DomainError(_("批量报送请使用 POST /api/v1/events。"), {"items": _("此接口一次报送一个事件。")})
    items, _batch = _items(data, EVENT_FIELDS - {"code"})
    db = uow.session()
    made = events.report_events(db, actor, [_event_input(items[0], code)], batch=False)
    battery = access.visible_battery(db, actor, codes.normalize(code))
    return jsonify(event=short_event(made[0]), battery=battery_item(db, battery)), 201


@bp.post("/events")
def report_events():
    actor = caller("batteries:write")
    data = json_object()
    if "items" not in data:
        raise DomainError(_('请求体应为 {"items": [...]}。'), {"items": _("此项为必填项。")})
    items, _batch = _items(data, EVENT_FIELDS)
    made = events.report_events(uow.session(), actor, [_event_input(i) for i in items], batch=True)
    return jsonify(count=len(made), items=[short_event(e) for e in made]), 201


@bp.post("/batteries/<code>/receipt")
def receipt(code: str):
    actor = caller("batteries:write")
    data = json_object()
    accept = data.get("accept")
    if not isinstance(accept, bool):
        raise DomainError(_("accept 应为 true（确认接收）或 false（拒收）。"), {"accept": _("应为 true 或 false。")})
    db = uow.session()
    if accept:
        details = _event_input(data, code)
        transfers.confirm_receipt(
            db,
            actor,
            code,
            data.get("occurred_at"),
            event=details.event or None,
            outlet_code=details.outlet_code,
            site=details.site,
            note=details.note,
        )
    else:
        transfers.refuse_transfer(db, actor, code, _text(data.get("reason")) or "")
    return jsonify(battery_item(db, access.visible_battery(db, actor, codes.normalize(code)), with_events=True))


@bp.get("/batteries/<code>")
def battery(code: str):
    actor = caller("batteries:read")
    db = uow.session()
    return jsonify(battery_item(db, access.visible_battery(db, actor, codes.normalize(code)), with_events=True))


@bp.get("/batteries")
def batteries():
    actor = caller("batteries:read")
    holder = request.args.get("holder", "")
    state = request.args.get("state") or None
    if holder not in ("", "me"):
        raise DomainError(_("holder 只能为 me。"), {"holder": _("holder 只能为 me。")})
    if state is not None and state not in STATES:
        raise DomainError(_("未知的状态：%(s)s。", s=state), {"state": _("可用：%(s)s。", s=", ".join(STATES.codes))})
    from portal.core.actors import is_staff_reader

    db = uow.session()
    page, per_page = parse_paging(request.args)
    query = queries.batteries_query(
        enterprise_id=access.enterprise_of(actor), holder_me=holder == "me", state=state, staff=is_staff_reader(actor)
    )
    result = paginate(db, query, page, per_page)
    return jsonify(
        items=[battery_item(db, b) for b in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )
