"""Paging of select() statements, shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.errors import DomainError


@dataclass
class Page:
    """One page of a list; ``distances`` (item id -> km) only for lists ordered by distance."""

    items: list[Any]
    total: int
    page: int
    per_page: int
    distances: dict[int, float] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


MAX_PAGE = 100_000  # far beyond any real list; keeps OFFSET within what every database accepts


def parse_paging(args, *, default_per_page: int = 20, max_per_page: int = 100) -> tuple[int, int]:
    """Read page and per_page from query arguments; refuse what is not a positive integer in range."""
    from flask_babel import gettext as _

    def number(name: str, default: int) -> int:
        raw = (args.get(name) or "").strip()
        if raw == "":
            return default
        # Only ASCII digits: int() would also take "1_000", "+3" and full-width or Arabic-Indic digits.
        if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
            raise DomainError(_("%(name)s 必须是正整数。", name=name), {name: _("必须是正整数。")})
        # Anything this long is over every limit; int() itself refuses more than 4300 digits.
        return int(raw) if len(raw) <= 18 else 10**18

    page = number("page", 1)
    if page > MAX_PAGE:
        raise DomainError(_("page 不能超过 %(n)d。", n=MAX_PAGE), {"page": _("不能超过 %(n)d。", n=MAX_PAGE)})
    per_page = number("per_page", default_per_page)
    if per_page > max_per_page:
        raise DomainError(
            _("per_page 不能超过 %(n)d。", n=max_per_page), {"per_page": _("不能超过 %(n)d。", n=max_per_page)}
        )
    return page, per_page


def paginate(session: Session, stmt: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    """Run stmt for one page and count the whole result."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(rows.scalars()) if scalars else list(rows)
    return Page(items=items, total=total, page=page, per_page=per_page)
