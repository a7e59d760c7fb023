"""The audit log: every staff and admin action, who, when, what, values before and after.

Rows are only ever inserted; the migration adds triggers that refuse UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core import clock
from portal.core.actors import actor_label
from portal.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of obj as JSON-friendly values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _values(actor, action: str, obj_type: str, obj_id: Any, before: dict | None, after: dict | None) -> dict:
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_label": actor_label(actor),
        "action": action,
        "object_type": obj_type,
        "object_id": str(obj_id),
        "before": _plain(before) if before is not None else None,
        "after": _plain(after) if after is not None else None,
    }


def record(
    session: Session,
    actor,
    action: str,
    obj_type: str,
    obj_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append an entry; flushes, never commits."""
    entry = AuditEntry(**_values(actor, action, obj_type, obj_id, before, after))
    session.add(entry)
    session.flush()
    return entry


_INSERT = insert(AuditEntry.__table__).inline()  # inline, given a list of rows: no RETURNING, so it may be pipelined
_WAITING = "portal_audit_waiting"  # session.info: entries appended with_next, not yet written


def append(
    session: Session,
    actor,
    action: str,
    obj_type: str,
    obj_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    *,
    with_next: bool = False,
) -> None:
    """The entry ``record`` appends, as one Core insert without an ORM flush (for paths run per API call,
    where a flush costs more than the call's own SQL); the entry itself is not returned.

    With ``with_next`` the entry (timed now) waits for the next one appended in the transaction, so that the
    entries of one API call (its service's, then the call's own) go in one insert; it is written before the
    commit in any case, and dropped with the rest on a rollback."""
    row = {"at": clock.now(), **_values(actor, action, obj_type, obj_id, before, after)}
    waiting = session.info.setdefault(_WAITING, [])
    waiting.append(row)
    if not with_next:
        session.execute(_INSERT, session.info.pop(_WAITING))


@event.listens_for(Session, "before_commit")
def _write_waiting(session: Session) -> None:
    waiting = session.info.pop(_WAITING, None)
    if waiting:
        session.execute(_INSERT, waiting)


@event.listens_for(Session, "after_transaction_end")
def _drop_waiting(session: Session, transaction) -> None:
    # The whole transaction ended (rolled back or closed; a commit wrote them): its entries go with it.
    if transaction.parent is None:
        session.info.pop(_WAITING, None)
