"""The view helpers: the form-status rule, service errors onto forms, refusals left to error pages."""

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.core.views import attempt, form_status, submit
from portal.errors import Conflict, DomainError, Forbidden, NotFound, TooManyRequests, apply_to_form


class NameForm(FlaskForm):
    name = StringField()


def _post(app):
    return app.test_request_context("/", method="POST", data={"name": "x"})


def test_status_follows_errors(app):
    with _post(app):
        form = NameForm()
        assert form.validate_on_submit()
        assert form_status(form) == 200
        apply_to_form(form, DomainError("名称已被占用。", {"name": "名称已被占用。"}))
        assert form.name.errors == ["名称已被占用。"]
        assert form_status(form) == 422


def test_submit_places_field_and_form_errors(app):
    with _post(app):
        form = NameForm()
        assert submit(form, lambda: (_ for _ in ()).throw(Conflict("已存在。"))) is None
        assert form.form_errors == ["已存在。"]
        assert form_status(form) == 422
        assert submit(NameForm(), lambda: 42) == 42


def test_submit_does_nothing_on_get(app):
    with app.test_request_context("/"):
        called = []
        assert submit(NameForm(), lambda: called.append(1)) is None
        assert called == []


@pytest.mark.parametrize("error", [NotFound("不存在。"), Forbidden("无权限。"), TooManyRequests("太快。", 10)])
def test_refusals_are_not_form_errors(app, error):
    with _post(app):
        form = NameForm()
        with pytest.raises(type(error)):
            submit(form, lambda: (_ for _ in ()).throw(error))
        assert form.form_errors == []
        with pytest.raises(type(error)):
            attempt(lambda: (_ for _ in ()).throw(error))


def test_attempt_flashes_form_level_errors(app):
    with _post(app):
        from flask import get_flashed_messages

        assert attempt(lambda: (_ for _ in ()).throw(DomainError("不能这样做。"))) is None
        assert get_flashed_messages(with_categories=True) == [("error", "不能这样做。")]
        assert attempt(lambda: "ok") == "ok"
