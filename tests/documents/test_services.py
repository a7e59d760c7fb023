"""The register's API (issue, lookup, verify_url), kinds, statuses, revoke and reissue, the rate limiter."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.core import ratelimit
from portal.core.audit import AuditEntry
from portal.documents import register, services
from portal.documents.kinds import register_kind
from portal.errors import Conflict, DomainError, Forbidden, TooManyRequests
from tests.factories import make_member

pytestmark = pytest.mark.db


def issue(session, actor, **changes):
    values = {
        "kind": "membership_certificate",
        "subject_type": "membership",
        "subject_id": 7,
        "holder_name": "烟台绿源动力电池再生利用有限公司",
        "shown": {"统一社会信用代码": "91370600MA3C5L7Q4X"},
        "valid_from": dt.date(2026, 1, 1),
        "valid_to": dt.date(2026, 12, 31),
        "fingerprint": "2026",
    } | changes
    return register.issue(session, actor, **values)


def test_issue_reuses_the_live_document(session, staff, at):
    at("2026-05-01 10:00")
    first = issue(session, staff)
    assert first.number.startswith("HY-2026-")
    assert issue(session, staff).id == first.id
    assert issue(session, staff, fingerprint="2027").id != first.id
    assert issue(session, staff, subject_id=8).id != first.id


def test_unknown_kind_is_refused(session, staff):
    with pytest.raises(ValueError):
        issue(session, staff, kind="no_such_kind")


def test_register_kind_refuses_a_taken_prefix():
    with pytest.raises(ValueError):
        register_kind("other_thing", "别的", "Other", "HY")
    assert register_kind("membership_certificate", "会员证书", "Membership certificate", "HY").prefix == "HY"


def test_lookup_normalises(session, staff):
    document = issue(session, staff)
    assert register.lookup(session, document.number.lower().replace("-", " ")).id == document.id
    assert register.lookup(session, "HY-2026-00000-00000-0") is None
    assert register.lookup(session, "garbage") is None


def test_verify_url_is_absolute(app):
    app.config["PORTAL_BASE_URL"] = "https://www.sdbra.cn/"
    assert register.verify_url("HY-2026-ABCDE-FGHJK-M") == "https://www.sdbra.cn/verify/HY-2026-ABCDE-FGHJK-M"


def test_status(session, staff, at):
    at("2026-05-01 10:00")
    document = issue(session, staff)
    assert document.status() == "valid"
    assert document.status(dt.date(2027, 1, 1)) == "expired"


def test_revoke_and_reissue(session, staff):
    document = issue(session, staff)
    services.revoke(session, staff, document.id, "信息有误")
    assert document.status() == "revoked"
    new = services.reissue(session, staff, document.id)
    assert document.status() == "replaced" and document.replaced_by.number == new.number
    assert new.status() == "valid" and new.number != document.number
    assert issue(session, staff).id == new.id  # the live one is the new number
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "issued_document")))
    assert actions == {"document.revoke", "document.reissue"}
    with pytest.raises(Conflict):
        services.revoke(session, staff, document.id, "again")
    with pytest.raises(Conflict):
        services.reissue(session, staff, document.id)


def test_revoke_needs_a_reason(session, staff):
    document = issue(session, staff)
    with pytest.raises(DomainError) as err:
        services.revoke(session, staff, document.id, "  ")
    assert "撤销原因" in err.value.message
    assert document.revoked_at is None


def test_a_member_may_not_revoke(session):
    _enterprise, admin = make_member(session)
    document = issue(session, admin)
    with pytest.raises(Forbidden):
        services.revoke(session, admin, document.id, "不要了")
    with pytest.raises(Forbidden):
        services.reissue(session, admin, document.id)
    assert document.is_live


def test_rate_limiter(session, at):
    at("2026-05-01 10:00:00")
    for _ in range(3):
        ratelimit.hit(session, "k", limit=3, window=60)
    with pytest.raises(TooManyRequests) as err:
        ratelimit.hit(session, "k", limit=3, window=60)
    assert 1 <= err.value.retry_after <= 60 and "秒后" in err.value.message
    ratelimit.hit(session, "other", limit=3, window=60)  # per key
    at("2026-05-01 10:01:01")
    ratelimit.hit(session, "k", limit=3, window=60)  # the window has moved on
