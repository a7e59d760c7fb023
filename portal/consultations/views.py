"""Consultation pages: staff open rounds and answer; members read clauses and comment; XLSX summary."""

from __future__ import annotations

import functools

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.consultations import bp, services
from portal.consultations.forms import AnswerForm, CommentForm, ConsultationForm
from portal.core import clock, uow
from portal.core.permissions import MEMBER, STAFF_READ, roles_required, staff_read_required, staff_required
from portal.errors import DomainError, apply_to_form


def viewer_required(view):
    """Staff and observers, and users of admitted member enterprises (not applicants)."""

    @roles_required(*STAFF_READ, *MEMBER)
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from portal.members.services import is_admitted_member

        if current_user.role in MEMBER and not is_admitted_member(uow.session(), current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _me():
    return current_user._get_current_object()


@bp.get("/consultations")
@viewer_required
def index():
    return render_template("consultations/index.html", rounds=services.rounds(uow.session()), now=clock.now())


def _render(consultation, comment_form=None, status: int = 200):
    db = uow.session()
    form = comment_form or CommentForm()
    form.clause.choices = [("", _("请选择"))] + [
        (str(c.id), f"{c.number} {c.text[:18]}{'…' if len(c.text) > 18 else ''}") for c in consultation.clauses
    ]
    comments = services.visible_comments(db, _me(), consultation)
    by_clause: dict[int, list] = {}
    for comment in comments:
        by_clause.setdefault(comment.clause_id, []).append(comment)
    return render_template(
        "consultations/detail.html",
        consultation=consultation,
        is_open=consultation.is_open(clock.now()),
        by_clause=by_clause,
        comment_form=form,
        answer_form=AnswerForm(),
        can_comment=current_user.is_member,
        can_answer=current_user.is_staff,
    ), status


@bp.get("/consultations/<int:consultation_id>")
@viewer_required
def detail(consultation_id: int):
    return _render(services.get_round(uow.session(), consultation_id))


@bp.post("/consultations/<int:consultation_id>/comments")
@roles_required(*MEMBER)
def comment(consultation_id: int):
    db = uow.session()
    consultation = services.get_round(db, consultation_id)
    form = CommentForm()
    form.validate_on_submit()
    raw = form.clause.data or ""
    clause_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
    try:
        services.add_comment(db, _me(), consultation.id, clause_id, form.text.data or "")
    except DomainError as err:
        apply_to_form(form, err)
        return _render(consultation, form, err.status)
    flash(_("意见已提交。"), "success")
    return redirect(url_for("consultations.detail", consultation_id=consultation.id))


# --- staff ------------------------------------------------------------------------------------------


@bp.get("/staff/consultations")
@staff_read_required
def manage():
    return render_template("consultations/manage.html", rounds=services.rounds(uow.session()), now=clock.now())


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@staff_required
def staff_create():
    form = ConsultationForm()
    if form.validate_on_submit():
        data = services.ConsultationInput(
            code=form.code.data or "",
            title=form.title.data or "",
            description=form.description.data or "",
            deadline=form.deadline.data or "",
            clauses=form.clauses.data or "",
        )
        try:
            consultation = services.open_round(uow.session(), _me(), data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("已开始征求意见。"), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("consultations/form.html", form=form), status


@bp.post("/staff/consultations/comments/<int:comment_id>/answer")
@staff_required
def staff_answer(comment_id: int):
    db = uow.session()
    form = AnswerForm()
    form.validate_on_submit()
    try:
        comment = services.answer(db, _me(), comment_id, form.decision.data or "", form.reason.data or "")
    except DomainError as err:
        if err.status != 422:
            raise
        flash(err.fields.get("reason") or err.fields.get("decision") or err.message, "error")
        found = db.get(services.Comment, comment_id)
        return _render(services.get_round(db, found.consultation_id), status=422)
    flash(_("处理意见已保存。"), "success")
    return redirect(url_for("consultations.detail", consultation_id=comment.consultation_id, _anchor=f"c{comment.id}"))


@bp.get("/staff/consultations/<int:consultation_id>/summary.xlsx")
@staff_read_required
def staff_export(consultation_id: int):
    db = uow.session()
    consultation = services.get_round(db, consultation_id)
    body = services.export_xlsx(db, consultation.id)
    filename = f"consultation-{consultation.id}-summary.xlsx"
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
