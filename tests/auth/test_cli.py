"""flask users create."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.auth.models import User


def test_users_create_makes_a_verified_account_that_can_log_in(runner, client, session, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "cli-password-2026")

    result = runner.invoke(args=["users", "create", "--email", "Secretary@SDBRA.example.cn", "--role", "staff"])

    assert result.exit_code == 0, result.output
    assert "created staff secretary@sdbra.example.cn" in result.output
    user = session.scalar(select(User).where(User.email == "secretary@sdbra.example.cn"))
    assert user.role == "staff"
    assert user.email_verified_at is not None
    session.rollback()
    response = client.post("/login", data={"email": "secretary@sdbra.example.cn", "password": "cli-password-2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"


def test_users_create_refuses_a_short_password(runner, session, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "short")

    result = runner.invoke(args=["users", "create", "--email", "x@sdbra.example.cn", "--role", "staff"])

    assert result.exit_code == 1
    assert result.output == "Error: 密码至少需要10个字符。\n"
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_explains_a_weak_password(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "aaaaaaaaaaaa")

    result = runner.invoke(args=["users", "create", "--email", "x@sdbra.example.cn", "--role", "staff"])

    assert result.exit_code == 1
    assert result.output == "Error: 密码过于简单。 密码过于简单，请使用更多不同的字符。\n"


def test_users_create_refuses_a_taken_address(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "cli-password-2026")
    args = ["users", "create", "--email", "x@sdbra.example.cn", "--role", "admin"]
    assert runner.invoke(args=args).exit_code == 0

    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert "该电子邮箱已注册" in result.output


def test_users_create_refuses_member_roles(runner, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "cli-password-2026")

    result = runner.invoke(args=["users", "create", "--email", "x@sdbra.example.cn", "--role", "member_admin"])

    assert result.exit_code == 2
    assert "member_admin" in result.output
