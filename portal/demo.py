"""flask seed-demo: fill every feature with realistic demo content, idempotently.

Demo rows carry ``is_demo`` and are shown with a 演示数据 badge. Running it twice changes nothing.
Each feature has its own step, ``seed(session, ctx)`` in ``portal/<feature>/demo.py``; they run in the
order of ``portal.features.FEATURES``. This module holds what the steps share, and the command.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

import click
from sqlalchemy.orm import Session

from portal import search
from portal.config import PROJECT_ROOT
from portal.core.creditcode import check_character, organisation_check_character
from portal.core.uow import run_in_transaction

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo logins
DEMO_ACCOUNTS = (
    ("admin@demo.sdbra.cn", "admin", "系统管理员（演示）"),
    ("staff@demo.sdbra.cn", "staff", "协会秘书处（演示）"),
    ("observer@demo.sdbra.cn", "observer", "省工信厅观察员（演示）"),
    ("reviewer@demo.sdbra.cn", "reviewer", "评审专家（演示）"),
)
# A tiny valid PDF, standing in for a scanned business licence.
DEMO_LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class SeedContext:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def make_credit_code(prefix: str, division: str, org_body: str) -> str:
    """A code that passes every GB 32100 check, for demo enterprises only."""
    org = org_body + organisation_check_character(org_body)
    first17 = prefix + division + org
    return first17 + check_character(first17)


def load_members_data() -> dict:
    return json.loads((PROJECT_ROOT / "content" / "demo" / "members.json").read_text(encoding="utf-8"))


def demo_licence(folder) -> str:
    name = f"{secrets.token_hex(16)}.pdf"
    (folder / name).write_bytes(DEMO_LICENCE_PDF)
    return name


def demo_png(width: int = 320, height: int = 200, rgb: tuple[int, int, int] = (176, 190, 197)) -> bytes:
    """A plain grey PNG standing in for a site photo."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def seed(session: Session) -> SeedContext:
    """Run every feature's demo step in the order of FEATURES; each skips what already exists."""
    from portal.features import feature_parts

    ctx = SeedContext()
    for _name, module in feature_parts("demo"):
        module.seed(session, ctx)
    return ctx


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo content (idempotent: running it twice changes nothing)."""
    ctx = run_in_transaction(seed)
    search.catch_up()
    click.echo(f"demo content: {len(ctx.created)} new records" if ctx.created else "demo content: already loaded")
    click.echo("demo logins (演示账户):")
    for role, email, password in ctx.logins:
        click.echo(f"  {role:<13} {email:<28} {password}")
