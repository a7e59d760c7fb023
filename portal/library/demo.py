"""The demo step of the library: the standards catalogue."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from portal.config import PROJECT_ROOT
from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """The standards catalogue of content/library/standards.json (real entries, not demo data)."""
    from portal.core.actors import system
    from portal.library.services import load_catalogue

    path = PROJECT_ROOT / "content" / "library" / "standards.json"
    entries = json.loads(path.read_text(encoding="utf-8"))["standards"]
    added = load_catalogue(session, entries, actor=system("seed-demo"))
    if added:
        ctx.created.append(f"{len(added)} standards")
