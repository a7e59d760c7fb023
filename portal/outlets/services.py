"""Outlets: create, edit, import rows, status changes with history (the values are checked by validation.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, roles
from portal.core.actors import actor_label, is_staff, require_staff
from portal.core.enums import OUTLET_STATES
from portal.core.permissions import require
from portal.errors import DomainError
from portal.outlets import districts, queries
from portal.outlets.models import Outlet, OutletMaker, OutletStatusChange
from portal.outlets.validation import OutletInput, validate

KIND = "outlet"
# Reasons written to the status history are records kept in Chinese, not interface text: not translated.
# Fields whose change on a verified outlet sends it back to 待核查.
REVERIFY_FIELDS = ("address", "type", "city", "district", "lat", "lon")
VERIFIED = ("compliant", "rectifying")
MOVED = "地址或类型变更，需重新核查"
IMPORTED = "批量导入"
VALUE_FIELDS = (
    "code",
    "name",
    "operator_name",
    "operator_credit_code",
    "operator_enterprise_id",
    "type",
    "city",
    "district",
    "address",
    "lat",
    "lon",
    "contact_name",
    "phone",
    "opening_hours",
    "storage_area_m2",
    "capacity_t",
)


def _record_status(session: Session, outlet: Outlet, to_status: str, actor, reason: str = "") -> None:
    """The one place a status change is written: the outlet's status and its history entry."""
    new = outlet.id is None
    if outlet.status == to_status and not new:
        return
    previous = None if new else outlet.status
    outlet.status = to_status
    if new:
        session.add(outlet)
    session.add(
        OutletStatusChange(
            outlet=outlet,
            from_status=previous,
            to_status=to_status,
            actor_label=actor_label(actor),
            reason=reason,
        )
    )


def _next_status(outlet: Outlet, asked: str | None, changed) -> str | None:
    """The one re-verify rule: a status asked for is taken; else moving a verified outlet (its address,
    type, city, district or coordinates) sends it back to 待核查. None when the status stays."""
    if asked:
        return asked
    if outlet.status in VERIFIED and set(changed) & set(REVERIFY_FIELDS):
        return "pending"
    return None


def _insert(session: Session, actor, values: dict, *, reason: str, is_demo: bool, batch: bool = False) -> Outlet:
    """Add an outlet from clean values, with its first history entry, queued for the index.

    In a batch (an import) the caller flushes and queues the new outlets together (``queue_new``)."""
    values = dict(values)
    status = values.pop("status") or "pending"
    outlet = Outlet(**values, status=None, is_demo=is_demo)
    _record_status(session, outlet, status, actor, reason)
    if not batch:
        session.flush()  # the index's queue needs the outlet's id
        search.enqueue(session, KIND, outlet.id)
    return outlet


def _apply(
    session: Session, actor, outlet: Outlet, values: dict, asked: str | None, *, reason: str, moved: str
) -> bool:
    """Write clean values onto an outlet and follow the re-verify rule; whether anything changed."""
    changed = {k: v for k, v in values.items() if getattr(outlet, k) != v}
    moved_to = set(changed)
    if "district" in changed and "city" not in changed and _same_district(outlet, changed["district"]):
        moved_to.discard("district")  # 开发区 written out as 烟台经济技术开发区: a new name, not a move
    status = _next_status(outlet, asked, moved_to)
    if not changed and (status is None or status == outlet.status):
        return False
    for key, value in changed.items():
        setattr(outlet, key, value)
    if status is not None:
        _record_status(session, outlet, status, actor, reason if asked else moved)
    search.enqueue(session, KIND, outlet.id)
    return True


def _same_district(outlet: Outlet, name: str) -> bool:
    """Does the new district name mean the district the outlet already names (an alias written out)?"""
    before, after = districts.find(outlet.city, outlet.district), districts.find(outlet.city, name)
    return before is not None and before == after


def normalise_districts(session: Session, actor) -> int:
    """Staff (or a command) write every outlet's district as its district's full name; how many changed."""
    require_staff(actor)
    changed = 0
    for outlet in queries.with_district(session):
        district = districts.find(outlet.city, outlet.district)
        if district is not None and district.name != outlet.district:
            outlet.district = district.name
            search.enqueue(session, KIND, outlet.id)
            changed += 1
    if changed:
        audit.record(session, actor, "outlet.districts", "outlet", "all", None, {"changed": changed})
    session.flush()
    return changed


def can_edit(actor, outlet: Outlet) -> bool:
    """Staff edit any outlet; an enterprise admin only the outlets its enterprise operates."""
    if is_staff(actor):
        return True
    return (
        actor.role == roles.MEMBER_ADMIN
        and actor.enterprise_id is not None
        and (outlet.operator_enterprise_id == actor.enterprise_id)
    )


def require_admitted(session: Session, actor) -> None:
    """Only an admitted member's admin (not an applicant's or a rejected enterprise's) manages outlets."""
    if is_staff(actor):
        return
    from portal.members.queries import require_admitted_member

    require(actor.role == roles.MEMBER_ADMIN, _("只有已入会企业的管理员可以管理网点。"))
    require_admitted_member(session, actor, _("只有已入会企业的管理员可以管理网点。"))  # says why when suspended


def create_outlet(session: Session, actor, data: OutletInput, *, is_demo: bool = False) -> Outlet:
    """Staff create any outlet; an enterprise admin creates one operated by its own enterprise (待核查)."""
    require_admitted(session, actor)
    staff = is_staff(actor)
    if not staff:
        from portal.members.queries import get_enterprise

        enterprise = get_enterprise(session, actor.enterprise_id)
        data = replace(data, operator=enterprise.name, operator_credit_code=enterprise.credit_code, status="")
    values = validate(session, data)
    if queries.get_by_code(session, values["code"]) is not None:
        raise DomainError(_("网点编号已存在。"), {"code": _("网点编号已存在。")})
    if not staff:
        values["operator_enterprise_id"] = actor.enterprise_id
    outlet = _insert(session, actor, values, reason="新建", is_demo=is_demo)
    if staff:
        audit.record(session, actor, "outlet.create", "outlet", outlet.id, None, {"code": outlet.code})
    session.flush()
    return outlet


def update_outlet(session: Session, actor, outlet_id: int, data: OutletInput) -> Outlet:
    """Edit an outlet; a change of address or type on a verified outlet puts it back to 待核查."""
    outlet = queries.get_outlet(session, outlet_id)
    require(can_edit(actor, outlet), _("您只能管理本企业运营的网点。"))
    require_admitted(session, actor)
    staff = is_staff(actor)
    if not staff:  # members keep the operator and code; only staff change the status
        data = replace(
            data,
            code=outlet.code,
            operator=outlet.operator_name,
            operator_credit_code=outlet.operator_credit_code,
            status="",
        )
    values = validate(session, data)
    status = values.pop("status")
    if values["code"] != outlet.code and queries.get_by_code(session, values["code"]) is not None:
        raise DomainError(_("网点编号已存在。"), {"code": _("网点编号已存在。")})
    if not staff:
        values["operator_enterprise_id"] = outlet.operator_enterprise_id
    before = audit.snapshot(outlet, (*VALUE_FIELDS, "status"))
    if not _apply(session, actor, outlet, values, status if staff else None, reason="工作人员修改", moved=MOVED):
        search.enqueue(session, KIND, outlet.id)
    if staff:
        after = audit.snapshot(outlet, (*VALUE_FIELDS, "status"))
        audit.record(session, actor, "outlet.update", "outlet", outlet.id, before, after)
    session.flush()
    return outlet


def import_row(session: Session, actor, values: dict, existing: dict[str, Outlet], *, is_demo: bool = False) -> str:
    """Upsert one validated import row by code: "created", "updated" or "unchanged" (existing is kept current)."""
    outlet = existing.get(values["code"])
    if outlet is None:
        existing[values["code"]] = _insert(session, actor, values, reason=IMPORTED, is_demo=is_demo, batch=True)
        return "created"
    values = dict(values)
    status = values.pop("status")
    return "updated" if _apply(session, actor, outlet, values, status, reason=IMPORTED, moved=IMPORTED) else "unchanged"


def queue_new(session: Session, outlets: list[Outlet]) -> None:
    """Write a batch of imported outlets in one flush and queue the new ones for the index."""
    session.flush()
    for outlet in outlets:
        search.enqueue(session, KIND, outlet.id)


def start_import(session: Session, actor) -> tuple[dict[str, int], dict[str, Outlet]]:
    """Staff (or a command) start an import: the look-ups every row needs, read once (members, outlets)."""
    require_staff(actor)
    from portal.members.queries import enterprise_ids_by_credit_code

    return enterprise_ids_by_credit_code(session), queries.by_code(session)


def record_import(session: Session, actor, filename: str, counts: dict[str, int]) -> None:
    """The audit entry of a written import: its file and how many outlets it created and updated."""
    audit.record(session, actor, "outlet.import", "outlet", "import", None, {"file": filename, **counts})


def set_status(
    session: Session, actor, outlet_id: int, status: str, reason: str = "", *, verified_on: dt.date | None = None
) -> Outlet:
    """Staff (or a verification result) change the public status; the history keeps every change."""
    require_staff(actor)
    outlet = queries.get_outlet(session, outlet_id)
    code = OUTLET_STATES.parse(status)
    if code is None:
        raise DomainError(_("状态无效。"), {"status": _("状态无效。")})
    before = {"status": outlet.status}
    _record_status(session, outlet, code, actor, reason)
    if verified_on is not None:
        outlet.last_verified_on = verified_on
        # Shown on the public page: a person's name, never their e-mail address.
        outlet.last_verified_by = getattr(actor, "name", "") or actor_label(actor)
    search.enqueue(session, KIND, outlet.id)
    audit.record(session, actor, "outlet.status", "outlet", outlet.id, before, {"status": code, "reason": reason})
    session.flush()
    return outlet


def set_makers(session: Session, actor, outlet_id: int, enterprise_ids: list[int]) -> Outlet:
    """Record the car makers whose recycling network the outlet belongs to (they may report for it)."""
    outlet = queries.get_outlet(session, outlet_id)
    require(can_edit(actor, outlet), _("您只能管理本企业运营的网点。"))
    require_admitted(session, actor)
    allowed = dict(queries.vehicle_makers(session))
    chosen = list(dict.fromkeys(enterprise_ids))
    unknown = [i for i in chosen if i not in allowed]
    if unknown:
        raise DomainError(_("只能选择会员中的整车企业。"), {"makers": _("只能选择会员中的整车企业。")})
    before = sorted(m.enterprise_id for m in outlet.makers)
    outlet.makers = [OutletMaker(enterprise_id=i) for i in chosen]
    session.flush()
    if is_staff(actor):
        audit.record(
            session, actor, "outlet.makers", "outlet", outlet.id, {"makers": before}, {"makers": sorted(chosen)}
        )
    return outlet
