"""The register's demo step: certificates for the demo members who paid, one revoked, one reissued; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.db import get_db
from portal.documents.models import IssuedDocument


def test_demo_certificates(runner, at):
    at("2026-06-01 10:00")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with get_db().session(write=False) as s:
        documents = list(s.scalars(select(IssuedDocument)))
        statuses = [d.status() for d in documents]
    assert statuses.count("valid") >= 1 and "revoked" in statuses and "replaced" in statuses
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with get_db().session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(IssuedDocument)) == len(documents)
