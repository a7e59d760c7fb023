"""Read-side select() builders over the audit log (portal.core.audit's table, only ever read here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.audit import catalogue
from portal.core import clock, money
from portal.core.audit import AuditEntry
from portal.core.dates import date_range

MAX_TEXT = 100


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the pager and the CSV link)."""
        return {k: str(v) for k, v in self.__dict__.items() if v}


def parse_filters(args: Mapping[str, str]) -> tuple[AuditFilters, dict[str, str]]:
    """Filters from a query string, with an error per bad field (bad fields are left out, never guessed)."""
    errors: dict[str, str] = {}
    date_from, date_to = date_range(args, errors)
    action = (args.get("action") or "").strip() or None
    if action is not None and action not in catalogue.ACTIONS:
        errors["action"], action = _("没有这种操作，请从列表中选择。"), None
    object_type = (args.get("object_type") or "").strip() or None
    if object_type is not None and object_type not in catalogue.OBJECTS:
        errors["object_type"], object_type = _("没有这种对象，请从列表中选择。"), None
    actor = (args.get("actor") or "").strip()
    if len(actor) > MAX_TEXT:
        errors["actor"], actor = _("操作人最多%(n)s个字符。", n=MAX_TEXT), ""
    return AuditFilters(actor or None, action, object_type, date_from, date_to), errors


def entries(filters: AuditFilters = AuditFilters()) -> Select:
    """Audit entries, newest first; dates are days in Asia/Shanghai, both ends included."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor_label.contains(filters.actor, autoescape=True))
    if filters.date_from:
        stmt = stmt.where(AuditEntry.at >= clock.local_midnight_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEntry.at < clock.local_midnight_utc(filters.date_to + dt.timedelta(days=1)))
    return stmt


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """The entry's changed or newly set fields side by side, as a person reads them: (label, before, after)."""
    before, after = entry.before or {}, entry.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        (
            catalogue.field_label(n),
            shown(before.get(n), n, entry.object_type),
            shown(after.get(n), n, entry.object_type),
        )
        for n in names
        if before.get(n) != after.get(n)
    ]


def shown(value: Any, field: str = "", object_type: str = "") -> str:
    """A before/after value in words: codes by their labels, fen as yuan, lists joined, 是/否, nothing as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return _("、").join(shown(v, field, object_type) for v in value)  # ", " in English
    if isinstance(value, dict):
        parts = (_("%(k)s：%(v)s", k=catalogue.field_label(k), v=shown(v, k, object_type)) for k, v in value.items())
        return _("；").join(parts)
    if field.endswith("fen") and isinstance(value, int):
        return _("%(yuan)s 元", yuan=money.format_fen(value))
    return str(catalogue.value_label(object_type, field, value))
