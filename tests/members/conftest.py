"""Fixtures shared by the membership tests."""

from __future__ import annotations

import pytest

from tests.factories import make_user


@pytest.fixture
def staff(session):
    """An association staff member (committed, can log in)."""
    user = make_user(session, "staff")
    session.commit()
    return user
