"""The state machine as data: the table itself, and (property-based) that no sequence of calls
reaches a move outside it, neither through the pure check nor through the services."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from portal.projects import states

ALL = states.STATES.codes
KINDS = [frozenset(), frozenset({states.LEAD}), frozenset({states.STAFF}), frozenset({states.LEAD, states.STAFF})]


def test_every_state_is_reachable_from_draft_and_final_states_have_no_way_out():
    assert states.reachable("draft") == set(ALL)
    for final in states.FINAL:
        assert states.moves_from(final, {states.LEAD, states.STAFF}) == []


def test_the_table_names_only_known_states_and_each_pair_once():
    pairs = [(t.source, t.target) for t in states.TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert all(s in ALL and t in ALL for s, t in pairs)


@pytest.mark.parametrize(
    ("source", "target", "kinds", "reason", "code"),
    [
        ("draft", "approved", {states.STAFF}, "ok", "no_such_move"),
        ("draft", "applied", {states.STAFF}, "", "not_allowed"),
        ("under_review", "approved", {states.LEAD}, "ok", "not_allowed"),
        ("under_review", "rejected", {states.STAFF}, "  ", "reason_missing"),
        ("operating", "stopped", {states.STAFF}, "", "reason_missing"),
        ("accepted", "operating", {states.STAFF}, "ok", "no_such_move"),
    ],
)
def test_refused_moves_say_why(source, target, kinds, reason, code):
    with pytest.raises(states.TransitionRefused) as refused:
        states.check(source, target, kinds, reason)
    assert refused.value.code == code


@given(st.lists(st.tuples(st.sampled_from(ALL), st.sampled_from(KINDS), st.sampled_from(["", "理由"])), max_size=40))
def test_no_sequence_of_checked_calls_makes_a_move_outside_the_table(calls):
    state = "draft"
    allowed = {(t.source, t.target): t for t in states.TRANSITIONS}
    for target, kinds, reason in calls:
        try:
            move = states.check(state, target, kinds, reason)
        except states.TransitionRefused:
            continue
        assert (state, target) in allowed
        assert move.by & kinds
        assert reason or not move.needs_reason
        state = target
    assert state in states.reachable("draft")


# --- through the services, on the database ---------------------------------------------------------


@pytest.mark.db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["lead", "staff", "other", "reviewer"]),
            st.sampled_from([*ALL, "submit", "assign", "score", *["advance"] * 12]),
            st.sampled_from(["", "理由充分"]),
            st.integers(0, 5),
        ),
        min_size=1,
        max_size=24,
    )
)
def test_no_sequence_of_service_calls_records_a_forbidden_transition(app, session, at, calls):
    from sqlalchemy import select

    from portal.errors import DomainError
    from portal.projects import applications, lifecycle, reviews
    from portal.projects.models import Project, ProjectTransition
    from tests.factories import checked_upload, make_call, make_member, make_user, project_input

    at("2026-06-01 10:00")
    try:
        staff = make_user(session, "staff")
        _enterprise, lead = make_member(session)
        _other_enterprise, other = make_member(session)
        reviewer = make_user(session, "reviewer")
        call = make_call(session, staff)
        project = applications.create_draft(session, lead, project_input(call))
        applications.add_attachment(session, lead, project.id, "feasibility", checked_upload())
        actors = {"lead": lead, "staff": staff, "other": other, "reviewer": reviewer}
        for who, what, reason, pick in calls:
            actor = actors[who]
            before = project.state
            try:
                with session.begin_nested():
                    if what == "submit":
                        applications.submit_application(session, actor, project.id)
                    elif what == "assign":
                        reviews.assign_reviewer(session, actor, project.id, reviewer.id)
                    elif what == "advance":  # the next allowed move, so that sequences reach the later states
                        moves = states.moves_from(project.state, {states.LEAD, states.STAFF})
                        if moves:
                            forward = [m for m in moves if m.target not in ("draft", "rejected", "stopped")] or moves
                            move = (forward if pick else moves)[pick % len(forward if pick else moves)]
                            actor = lead if states.LEAD in move.by else staff
                            if move.target == "applied":
                                applications.submit_application(session, actor, project.id)
                            else:
                                if move.target == "under_review":
                                    reviews.assign_reviewer(session, staff, project.id, reviewer.id)
                                if (
                                    move.target == "approved"
                                    and not reviews.own_review(session, reviewer, project.id).submitted_at
                                ):
                                    scores = [reviews.ScoreInput(c["key"], "70") for c in call.criteria]
                                    reviews.submit_review(session, reviewer, project.id, scores)
                                lifecycle.change_state(session, actor, project.id, move.target, reason or "理由")
                    elif what == "score":
                        scores = [reviews.ScoreInput(c["key"], "70") for c in call.criteria]
                        reviews.submit_review(session, actor, project.id, scores)
                    else:
                        lifecycle.change_state(session, actor, project.id, what, reason)
            except DomainError:
                session.expire_all()
                assert session.get(Project, project.id).state == before  # a refusal changes nothing
        rows = list(
            session.scalars(
                select(ProjectTransition)
                .where(ProjectTransition.project_id == project.id)
                .order_by(ProjectTransition.id)
            )
        )
        assert rows[0].from_state is None and rows[0].to_state == "draft"
        allowed = {(t.source, t.target) for t in states.TRANSITIONS}
        for previous, row in itertools.pairwise(rows):
            assert (row.from_state, row.to_state) in allowed
            assert row.from_state == previous.to_state
            move = states.transition(row.from_state, row.to_state)
            assert row.reason or not move.needs_reason
        assert session.get(Project, project.id).state == rows[-1].to_state
        event(f"reached {rows[-1].to_state}")
    finally:
        session.rollback()  # each example starts again from an empty database
