"""API tokens: created by an enterprise's admin (shown once, stored hashed), listed and revoked by staff."""

from __future__ import annotations

import re
import subprocess
import sys

from sqlalchemy import func, select

from portal.api.models import ApiToken
from portal.core.tokens import hash_token
from tests.factories import make_member, make_user


def _tokens(session) -> list[ApiToken]:
    session.rollback()
    return list(session.scalars(select(ApiToken)))


def test_an_admin_creates_a_token_that_is_shown_once_and_stored_hashed(session, client, login):
    _enterprise, admin = make_member(session)
    session.commit()
    login(admin.email)
    page = client.post("/account/tokens", data={"name": "MES系统", "scopes": ["batteries:read", "batteries:write"]})
    assert page.status_code == 201
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token">(sdbr_[^<]+)<', page.get_data(as_text=True)).group(1)
    [token] = _tokens(session)
    assert token.token_hash == hash_token(secret) and secret not in (token.prefix + token.name)
    assert token.scopes == ["batteries:read", "batteries:write"]
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    assert client.get("/api/v1/batteries", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_bad_token_input_is_refused_with_reasons(session, client, login):
    _enterprise, admin = make_member(session)
    session.commit()
    login(admin.email)
    answer = client.post("/account/tokens", data={"name": "", "scopes": ["root"]})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "请填写令牌名称" in text and "未知的权限范围" in text
    assert _tokens(session) == []


def test_an_editor_and_other_enterprises_cannot_manage_tokens(session, client, login):
    enterprise, admin = make_member(session)
    editor = make_user(session, "member_editor", enterprise=enterprise)
    _other, other_admin = make_member(session)
    session.commit()
    login(editor.email)
    assert client.post("/account/tokens", data={"name": "x", "scopes": ["batteries:read"]}).status_code == 403
    client.get("/logout")
    login(admin.email)
    client.post("/account/tokens", data={"name": "x", "scopes": ["batteries:read"]})
    [token] = _tokens(session)
    client.get("/logout")
    login(other_admin.email)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    assert _tokens(session)[0].revoked_at is None
    assert client.get("/staff/tokens").status_code == 403


def test_staff_list_and_revoke_any_token_observers_only_look(session, client, login):
    from tests.factories import make_token

    enterprise, _admin = make_member(session)
    secret = make_token(session, enterprise)
    observer = make_user(session, "observer")
    staff = make_user(session, "staff")
    session.commit()
    [token] = _tokens(session)
    login(observer.email)
    assert enterprise.name in client.get("/staff/tokens").get_data(as_text=True)
    assert client.post(f"/staff/tokens/{token.id}/revoke").status_code == 403
    assert _tokens(session)[0].revoked_at is None
    client.get("/logout")
    login(staff.email)
    assert client.post(f"/staff/tokens/{token.id}/revoke").status_code == 303
    assert _tokens(session)[0].revoked_at is not None
    client.get("/logout")
    assert client.get("/api/v1/batteries", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_the_command_creates_a_token_and_prints_it(session, runner):
    enterprise, _admin = make_member(session)
    session.commit()
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--enterprise",
            enterprise.credit_code.lower(),
            "--name",
            "ERP",
            "--scope",
            "batteries:read",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert _tokens(session)[0].token_hash == hash_token(secret)
    bad = runner.invoke(
        args=["tokens", "create", "--enterprise", enterprise.credit_code, "--name", "x", "--scope", "all"]
    )
    assert bad.exit_code != 0 and "scopes" in bad.output
    missing = runner.invoke(
        args=["tokens", "create", "--enterprise", "91350100M000100Y43", "--name", "x", "--scope", "batteries:read"]
    )
    assert missing.exit_code != 0
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_kept_idempotent_answers_are_forgotten_after_a_day(session, app):
    import datetime as dt

    from portal.api.idempotency import forget_idempotency_keys
    from portal.api.models import IdempotentRequest
    from portal.core import clock

    now = clock.now()
    session.add_all(
        [
            IdempotentRequest(
                caller="token:1",
                key="old",
                fingerprint="f",
                status=201,
                body="{}",
                created_at=now - dt.timedelta(hours=25),
            ),
            IdempotentRequest(caller="token:1", key="new", fingerprint="f", status=201, body="{}", created_at=now),
        ]
    )
    session.commit()
    from portal.core.uow import unit_of_work

    with unit_of_work() as s:
        assert forget_idempotency_keys(s, now) == 1
    session.rollback()
    assert [r.key for r in session.scalars(select(IdempotentRequest))] == ["new"]


def test_a_fresh_application_has_every_enumeration_as_a_template_filter(tmp_path):
    """Enumerations defined in a feature's modules are filters in a fresh process, not only in tests."""
    script = (
        "from portal import create_app\n"
        "from portal.core.enums import REGISTRY\n"
        f"app = create_app({{'TESTING': True, 'PORTAL_DATA_DIR': {str(tmp_path)!r}}})\n"
        "missing = sorted(set(REGISTRY) - set(app.jinja_env.filters))\n"
        "print(len(REGISTRY), missing)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    count, missing = out.strip().split(" ", 1)
    assert int(count) > 20 and missing == "[]"


def test_a_writing_call_records_when_the_token_was_last_used_a_read_does_not(session, client):
    from tests.factories import make_token

    enterprise, _admin = make_member(session)
    secret = make_token(session, enterprise)
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/batteries", headers=headers)
    assert _tokens(session)[0].last_used_at is None
    client.post("/api/v1/batteries", headers=headers, json={"code": "short", "rated_capacity_kwh": 1, "mass_kg": 1})
    assert _tokens(session)[0].last_used_at is None  # refused: nothing committed, nothing recorded
    from tests.factories import battery_code

    client.post(
        "/api/v1/batteries", headers=headers, json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1}
    )
    assert _tokens(session)[0].last_used_at is not None
