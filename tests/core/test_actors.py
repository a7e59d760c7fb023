"""Actors are users or explicit system actors; a string can no longer skip a permission check."""

from types import SimpleNamespace

import pytest

from portal.core import actors
from portal.core.audit import AuditEntry, record
from portal.errors import Forbidden


def _user(role, active=True, email="someone@example.com"):
    return SimpleNamespace(id=7, role=role, is_active=active, email=email, name="某人", is_authenticated=True)


@pytest.mark.parametrize("bad", ["seed-demo", "", None])
def test_strings_and_none_are_refused(bad):
    with pytest.raises(TypeError):
        actors.is_staff(bad)
    with pytest.raises(TypeError):
        actors.actor_label(bad)


def test_system_actor_is_staff_and_named():
    actor = actors.system("cli:outlets import")
    assert actors.is_staff(actor) and actors.is_staff_reader(actor) and actors.is_system(actor)
    assert actors.actor_label(actor) == "system:cli:outlets import"
    with pytest.raises(ValueError):
        actors.system("")


@pytest.mark.parametrize(
    ("role", "active", "staff", "reader"),
    [
        ("staff", True, True, True),
        ("admin", True, True, True),
        ("observer", True, False, True),
        ("reviewer", True, False, False),
        ("member_admin", True, False, False),
        ("member_editor", True, False, False),
        ("staff", False, False, False),
    ],
)
def test_roles(role, active, staff, reader):
    user = _user(role, active)
    assert actors.is_staff(user) is staff
    assert actors.is_staff_reader(user) is reader


def test_require_staff_refuses_members(app):
    with app.test_request_context():
        with pytest.raises(Forbidden):
            actors.require_staff(_user("member_admin"))
        actors.require_staff(_user("staff"))


def test_label_prefers_email_then_name():
    assert actors.actor_label(_user("staff")) == "someone@example.com"
    assert actors.actor_label(_user("staff", email="")) == "某人"


@pytest.mark.db
def test_audit_names_the_system_actor(session):
    entry = record(session, actors.system("job:library.status"), "standard.status", "standard", 1)
    assert session.get(AuditEntry, entry.id).actor_label == "system:job:library.status"
    assert entry.actor_id is None
    with pytest.raises(TypeError):
        record(session, "jobs", "standard.status", "standard", 1)
