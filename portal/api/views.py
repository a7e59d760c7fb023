"""Token pages: an enterprise admin's /account/tokens, staff's /staff/tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import tokens
from portal.api.forms import TokenForm
from portal.core import uow
from portal.core.permissions import enterprise_admin_required, staff_read_required, staff_required
from portal.core.views import attempt, current_actor, form_status, submit

tokens_bp = Blueprint("api_tokens", __name__)


def _form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = tokens.SCOPES.choices()
    return form


@tokens_bp.route("/account/tokens", methods=["GET", "POST"])
@enterprise_admin_required
def account_tokens():
    form = _form()
    db = uow.session()
    created = submit(
        form,
        lambda: tokens.create_token(db, current_actor(), current_user.enterprise_id, form.name.data, form.scopes.data),
    )
    secret = created[1] if created else None
    status = 201 if secret else form_status(form)
    if secret:
        form = _form()
    page = render_template(
        "api/account_tokens.html", form=form, secret=secret, tokens=tokens.tokens_of(db, current_user.enterprise_id)
    )
    # The page showing the secret must not be kept by the browser or a proxy.
    return page, status, {"Cache-Control": "no-store"}


@tokens_bp.post("/account/tokens/<int:token_id>/revoke")
@enterprise_admin_required
def account_revoke(token_id: int):
    if attempt(lambda: tokens.revoke_token(uow.session(), current_actor(), token_id)) is not None:
        flash(_("令牌已撤销，使用它的调用将被拒绝。"), "success")
    return redirect(url_for("api_tokens.account_tokens"), 303)


@tokens_bp.get("/staff/tokens")
@staff_read_required
def staff_tokens():
    from portal.members.queries import enterprise_names

    db = uow.session()
    rows = tokens.all_tokens(db)
    return render_template(
        "api/staff_tokens.html", tokens=rows, names=enterprise_names(db, {t.enterprise_id for t in rows})
    )


@tokens_bp.post("/staff/tokens/<int:token_id>/revoke")
@staff_required
def staff_revoke(token_id: int):
    if attempt(lambda: tokens.revoke_token(uow.session(), current_actor(), token_id)) is not None:
        flash(_("令牌已撤销，使用它的调用将被拒绝。"), "success")
    return redirect(url_for("api_tokens.staff_tokens"), 303)
