"""The live OpenAPI document against the server: every operation, generated requests, every response checked.

schemathesis reads /api/v1/openapi.json from the running application (WSGI, in-process) and, for each
operation, sends a bounded number of requests generated from the document (valid ones, then ones the
document rules out). Every answer must be no 5xx and must conform to the document: its status code
listed, its body matching the schema, its content type and headers as declared. A member's token with
every scope is sent, so the writing endpoints are exercised beyond their 401.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import make_member, make_sample_outlets, make_standard, make_token, make_user

EXAMPLES = 40  # per operation and mode: enough to reach every parameter, small enough for the suite


@pytest.fixture
def world(app, session):
    staff = make_user(session, "staff")
    make_sample_outlets(session, staff)
    make_standard(session, staff)
    enterprise, _user = make_member(session, activities=("battery_maker",))
    scopes = ("batteries:read", "batteries:write", "deposits:write", "ledger:read")
    token = make_token(session, enterprise, scopes=scopes)
    session.commit()
    return {"token": token}


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def test_the_document_covers_operations(app):
    labels = {op.label for op in operations(app)}
    assert "GET /outlets" in labels and "POST /deposits" in labels, labels


def test_every_operation_answers_as_the_document_says(app, world):
    headers = {"Authorization": f"Bearer {world['token']}"}
    failures = []
    for operation in operations(app):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers={**headers, **(case.headers or {})})

        try:
            check()
        except BaseException as err:  # collect every operation's failure (hypothesis raises groups), report all
            failures.append(f"{operation.label}: {describe(err)}")
    assert not failures, "\n\n".join(failures)


def describe(err: BaseException) -> str:
    """A failure in a few lines: schemathesis's own text of each sub-failure."""
    parts = [str(e) for e in getattr(err, "exceptions", ())] or [str(err)]
    return f"{type(err).__name__}: " + " | ".join(p[:800] for p in parts) + "\n" + str(err)[:3000]
