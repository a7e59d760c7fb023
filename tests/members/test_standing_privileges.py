"""Privileges follow the membership state: suspended and lapsed members are refused every member privilege,
are told why and what to do, and keep reading their own records; a member in grace keeps everything.

Each privilege is tried from the refused side through the other features' public routes and services.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.consultations.models import Comment
from portal.errors import Forbidden
from portal.members import memberships, queries
from portal.outlets import services as outlet_services
from portal.outlets.models import Outlet
from portal.training.models import TrainingRegistration
from tests.factories import (
    PASSWORD,
    make_application,
    make_consultation,
    make_event,
    make_material,
    make_member,
    make_user,
    outlet_input,
)
from tests.members.helpers import count, text_of

pytestmark = pytest.mark.db

SUSPENDED_WHY = "贵单位的会员资格已暂停（原因：未按时提交年度报告）"
LAPSED_WHY = "贵单位的会员资格已失效（2026年度会费未缴）"
WHY = {"suspended": SUSPENDED_WHY, "lapsed": LAPSED_WHY}


@pytest.fixture
def world(session, at):
    """At 2026-12-02: a members-only material, an event, an open comment round; one member per state."""
    at("2026-12-02 10:00")
    staff = make_user(session, "staff")
    material = make_material(session, staff, members_only=True)
    event = make_event(session, staff)
    consultation = make_consultation(session, staff)
    users = {}
    for state in ("active", "grace", "suspended", "lapsed"):
        end = dt.date(2026, 12, 31) if state in ("active", "suspended") else dt.date(2025, 12, 31)
        enterprise, admin = make_member(session, state="active" if state == "suspended" else state, term_end=end)
        if state == "suspended":
            memberships.suspend(session, staff, enterprise.membership.id, "未按时提交年度报告")
        users[state] = admin
    _application, applicant = make_application(session)
    users["applicant"] = applicant
    session.commit()
    return {
        "staff": staff,
        "material": material.id,
        "file": material.files[0].id,
        "event": event.id,
        "consultation": consultation.id,
        "clause": consultation.clauses[0].id,
        "users": {state: (u.id, u.email) for state, u in users.items()},
    }


def as_(client, world, state):
    _id, email = world["users"][state]
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, state
    return _id


CLOSED = ("suspended", "lapsed")


# --- the one rule ---------------------------------------------------------------------------------


def test_admitted_member_means_active_or_grace(session, world):
    answers = {
        state: queries.is_admitted_member(session, session.get(User, user_id))
        for state, (user_id, _email) in world["users"].items()
    }
    assert answers == {"active": True, "grace": True, "suspended": False, "lapsed": False, "applicant": False}
    for state, (user_id, _email) in world["users"].items():
        user = session.get(User, user_id)
        assert queries.in_good_standing(session, user.enterprise_id) == answers[state]


def test_members_only_search_results_follow_the_same_rule(session, world):
    """The search (and every members-only page) asks core.permissions.can_see_members_only."""
    from portal.core.permissions import can_see_members_only

    seen = {
        state: can_see_members_only(session, session.get(User, user_id))
        for state, (user_id, _email) in world["users"].items()
    }
    assert seen == {"active": True, "grace": True, "suspended": False, "lapsed": False, "applicant": False}


# --- members-only training files --------------------------------------------------------------------


@pytest.mark.parametrize("state", CLOSED)
def test_members_only_training_file_is_refused_with_the_reason(client, world, state):
    as_(client, world, state)
    response = client.get(f"/training/files/{world['file']}")
    assert response.status_code == 403
    assert WHY[state] in text_of(response)
    page = text_of(client.get(f"/training/materials/{world['material']}"))
    assert WHY[state] in page
    assert "申请入会" not in page  # a member is not sent to apply again


@pytest.mark.parametrize("state", ("active", "grace"))
def test_members_in_good_standing_open_the_file(client, world, state):
    as_(client, world, state)
    assert client.get(f"/training/files/{world['file']}").status_code == 200


def test_an_applicant_is_refused_the_file_without_a_membership_reason(client, world):
    as_(client, world, "applicant")
    response = client.get(f"/training/files/{world['file']}")
    assert response.status_code == 403
    assert "会员资格已" not in text_of(response)


# --- registering for events -----------------------------------------------------------------------


@pytest.mark.parametrize("state", CLOSED)
def test_registering_for_an_event_is_refused_with_the_reason(client, world, state):
    as_(client, world, state)
    page = client.get(f"/training/events/{world['event']}")
    assert WHY[state] in text_of(page)
    assert f"/training/events/{world['event']}/register" not in page.get_data(as_text=True)  # no button
    response = client.post(f"/training/events/{world['event']}/register")
    assert response.status_code == 403
    assert WHY[state] in text_of(response)
    assert count(TrainingRegistration) == 0


def test_a_member_in_grace_still_registers(client, world):
    as_(client, world, "grace")
    assert client.post(f"/training/events/{world['event']}/register").status_code == 302
    assert count(TrainingRegistration) == 1


# --- comment rounds: viewing and commenting ---------------------------------------------------------


@pytest.mark.parametrize("state", CLOSED)
def test_comment_rounds_are_closed_with_the_reason(client, world, state):
    as_(client, world, state)
    for path in ("/consultations", f"/consultations/{world['consultation']}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert WHY[state] in text_of(response)
    response = client.post(
        f"/consultations/{world['consultation']}/comments",
        data={"clause": str(world["clause"]), "text": "建议明确贮存场所的消防要求。"},
    )
    assert response.status_code == 403
    assert WHY[state] in text_of(response)
    assert count(Comment) == 0


@pytest.mark.parametrize("state", CLOSED)
def test_the_comment_service_refuses_a_closed_member(session, world, state):
    from portal.consultations import services as consultation_services

    user = session.get(User, world["users"][state][0])
    with pytest.raises(Forbidden) as info:
        consultation_services.add_comment(session, user, world["consultation"], world["clause"], "意见内容")
    assert WHY[state] in info.value.message


def test_a_member_in_grace_still_comments(client, world):
    as_(client, world, "grace")
    response = client.post(
        f"/consultations/{world['consultation']}/comments",
        data={"clause": str(world["clause"]), "text": "建议明确贮存场所的消防要求。"},
    )
    assert response.status_code == 302
    assert count(Comment) == 1


# --- adding outlets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", CLOSED)
def test_adding_an_outlet_is_refused(client, session, world, state):
    as_(client, world, state)
    refused = client.get("/outlets/new")
    assert refused.status_code == 403 and WHY[state] in text_of(refused)
    user = session.get(User, world["users"][state][0])
    with pytest.raises(Forbidden):
        outlet_services.create_outlet(session, user, outlet_input())
    session.rollback()
    assert count(Outlet) == 0


def test_a_member_in_grace_still_adds_an_outlet(session, world):
    user = session.get(User, world["users"]["grace"][0])
    outlet_services.create_outlet(session, user, outlet_input())
    session.commit()
    assert count(Outlet) == 1


# --- what stays open: the member's own records, and why the rest is closed ----------------------------


@pytest.mark.parametrize("state", CLOSED)
def test_closed_members_keep_reading_their_own_records(client, world, state):
    as_(client, world, state)
    account = client.get("/account")
    assert account.status_code == 200
    text = text_of(account)
    assert WHY[state] in text
    assert ("已暂停" if state == "suspended" else "已失效") in text
    assert "下载会员证书" not in text
    for path in ("/account/profile", "/account/outlets", "/registry/account"):
        assert client.get(path).status_code == 200, path


def test_the_reason_names_what_to_do(session, world):
    suspended = queries.standing_refusal(session, session.get(User, world["users"]["suspended"][0]))
    lapsed = queries.standing_refusal(session, session.get(User, world["users"]["lapsed"][0]))
    assert "联系协会秘书处" in suspended
    assert "请缴纳会费" in lapsed
    active = session.get(User, world["users"]["active"][0])
    assert queries.standing_refusal(session, active) is None


def test_reinstating_opens_the_privileges_again(client, session, world):
    from portal.members.models import Membership

    suspended_id = world["users"]["suspended"][0]
    enterprise_id = session.get(User, suspended_id).enterprise_id
    membership = session.scalar(select(Membership).where(Membership.enterprise_id == enterprise_id))
    memberships.reinstate(session, world["staff"], membership.id)
    session.commit()
    as_(client, world, "suspended")
    assert client.get(f"/training/files/{world['file']}").status_code == 200
    assert client.post(f"/training/events/{world['event']}/register").status_code == 302
