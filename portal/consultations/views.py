"""Consultation pages: staff open rounds and answer; members read clauses and comment; XLSX summary."""

from __future__ import annotations

import functools

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.consultations import bp, queries, services
from portal.consultations.forms import AnswerForm, CommentForm, ConsultationForm
from portal.core import clock, uow
from portal.core.permissions import (
    MEMBER,
    STAFF_READ,
    require_members_only,
    roles_required,
    staff_read_required,
    staff_required,
)
from portal.core.views import current_actor, form_status, render_form, submit


def viewer_required(view):
    """Staff and observers, and users of admitted member enterprises (not applicants)."""

    @roles_required(*STAFF_READ, *MEMBER)
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_members_only(uow.session(), current_user)  # a suspended or lapsed member is told why
        return view(*args, **kwargs)

    return wrapper


@bp.get("/consultations")
@viewer_required
def index():
    return render_template("consultations/index.html", rounds=queries.rounds(uow.session()), now=clock.now())


def _render(consultation, comment_form=None, status: int = 200):
    form = comment_form or CommentForm()
    form.clause.choices = [("", _("请选择"))] + [
        (str(c.id), f"{c.number} {c.text[:18]}{'…' if len(c.text) > 18 else ''}") for c in consultation.clauses
    ]
    by_clause: dict[int, list] = {}
    for comment in queries.visible_comments(uow.session(), current_actor(), consultation):
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
    return _render(queries.get_round(uow.session(), consultation_id))


def _clause_id(raw: str | None) -> int:
    raw = raw or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


@bp.post("/consultations/<int:consultation_id>/comments")
@roles_required(*MEMBER)
def comment(consultation_id: int):
    db, actor = uow.session(), current_actor()
    consultation = queries.get_round(db, consultation_id)
    form = CommentForm()
    if submit(
        form,
        lambda: services.add_comment(db, actor, consultation.id, _clause_id(form.clause.data), form.text.data or ""),
    ):
        flash(_("意见已提交。"), "success")
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return _render(consultation, form, form_status(form))


# --- staff ------------------------------------------------------------------------------------------


@bp.get("/staff/consultations")
@staff_read_required
def manage():
    db, now = uow.session(), clock.now()
    closing = request.args.get("closing") == "7"  # the work-bench's link: rounds closing within 7 days
    rounds = queries.closing_within(db, now, 7) if closing else queries.rounds(db)
    return render_template("consultations/manage.html", rounds=rounds, now=now, closing=closing)


def _input(form: ConsultationForm) -> services.ConsultationInput:
    return services.ConsultationInput(
        code=form.code.data or "",
        title=form.title.data or "",
        description=form.description.data or "",
        deadline=form.deadline.data or "",
        clauses=form.clauses.data or "",
    )


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@staff_required
def staff_create():
    form = ConsultationForm()
    consultation = submit(form, lambda: services.open_round(uow.session(), current_actor(), _input(form)))
    if consultation is not None:
        flash(_("已开始征求意见。"), "success")
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_form("consultations/form.html", form)


def _first_error(form: AnswerForm) -> str:
    """The message flashed over the page: the reason's, else the decision's, else the form's."""
    return next(iter([*form.reason.errors, *form.decision.errors, *form.form_errors]), _("处理意见有误。"))


@bp.post("/staff/consultations/comments/<int:comment_id>/answer")
@staff_required
def staff_answer(comment_id: int):
    db, actor = uow.session(), current_actor()
    form = AnswerForm()
    answered = submit(
        form, lambda: services.answer(db, actor, comment_id, form.decision.data or "", form.reason.data or "")
    )
    if answered is None:
        flash(_first_error(form), "error")
        return _render(
            queries.get_round(db, queries.get_comment(db, comment_id).consultation_id), status=form_status(form)
        )
    flash(_("处理意见已保存。"), "success")
    return redirect(
        url_for("consultations.detail", consultation_id=answered.consultation_id, _anchor=f"c{answered.id}")
    )


@bp.get("/staff/consultations/<int:consultation_id>/summary.xlsx")
@staff_read_required
def staff_export(consultation_id: int):
    db = uow.session()
    consultation = queries.get_round(db, consultation_id)
    body = queries.export_xlsx(db, consultation.id)
    filename = f"consultation-{consultation.id}-summary.xlsx"
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
