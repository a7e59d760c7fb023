"""What every view shares: the acting user, the form-status rule, running a form's service call.

Views stay a few lines long: copy the form into the service's input, call the service through
``submit``, then redirect or re-render with ``render_form`` (422 when the form shows errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, render_template
from flask_login import current_user

from portal.errors import DomainError, apply_to_form

T = TypeVar("T")


def current_actor():
    """The logged-in user as a plain object (not the proxy), to hand to services."""
    return current_user._get_current_object()


def form_status(form) -> int:
    """422 when the form shows any error (its own or a service's), 200 otherwise."""
    return 422 if form.errors or form.form_errors else 200


def render_form(template: str, form, **context):
    """Render a page holding form, answered 422 when the form shows errors."""
    return render_template(template, form=form, **context), form_status(form)


def submit(form, action: Callable[[], T], *, only_empty: bool = False) -> T | None:
    """On a valid POST run action; its DomainError becomes form errors. The action's result, or None.

    Refusals that are not about the form (not found, forbidden, too many requests) propagate to the
    error pages, through apply_to_form.
    """
    if not form.validate_on_submit():
        return None
    try:
        return action()
    except DomainError as err:
        apply_to_form(form, err, only_empty=only_empty)
        return None


def attempt(action: Callable[[], T]) -> T | None:
    """For buttons without a form to re-render: run action; a form-level DomainError is flashed.

    Returns the action's result, or None when it was refused (not found, forbidden and too many
    requests propagate to the error pages).
    """
    try:
        return action()
    except DomainError as err:
        if err.status in PROPAGATED:
            raise
        flash(err.message, "error")
        return None


PROPAGATED = (403, 404, 429)


def done(action: Callable[[], object]) -> bool:
    """A button's service call through attempt: True when it went through, False when it was refused."""
    return bool(attempt(lambda: (action(), True)[1]))
