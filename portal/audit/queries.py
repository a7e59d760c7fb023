"""Read-side select() builders over the audit log (portal.core.audit's table, only ever read here)."""

from __future__ import annotations

from sqlalchemy import Select, select

from portal.core.audit import AuditEntry


def entries(*, object_type: str | None = None, action: str | None = None) -> Select:
    """Audit entries, newest first, optionally filtered by object type or action."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt
