"""Read-side select() builders over the audit log (portal.core.audit's table, only ever read here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from portal.core.audit import AuditEntry


def entries(*, object_type: str | None = None, action: str | None = None, actor: str | None = None) -> Select:
    """Audit entries, newest first, optionally filtered by object type, action or actor label."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.contains(actor, autoescape=True))
    return stmt


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """The entry's fields side by side: (name, before, after), changed or newly set fields only."""
    before, after = entry.before or {}, entry.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
