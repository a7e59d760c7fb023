"""Benchmark pages: the public list, a member's application, staff opening, scoring and confirming."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.benchmarks import bp, queries, services, sources
from portal.benchmarks.brochure import render as render_brochure
from portal.benchmarks.forms import ApplyForm, NominateForm, ScoreForm, SelectionForm
from portal.core import uow
from portal.core.permissions import staff_read_required, staff_required
from portal.core.views import attempt, current_actor, render_form, submit
from portal.members.queries import enterprise_briefs
from portal.members.standing import standing_refusal


@bp.get("/benchmarks")
def index():
    db = uow.session()
    return render_template(
        "benchmarks/index.html", years=queries.public_list(db), open_selection=queries.open_selection(db)
    )


@bp.get("/benchmarks/<int:year>/<int:enterprise_id>.pdf")
@uow.writes  # the first download records the brochure's number in the documents register
def brochure(year: int, enterprise_id: int):
    data = render_brochure(uow.session(), year, enterprise_id)  # a PdfError is answered 503 (portal.errors)
    name = f"{year}年度标杆企业简介.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=False)


@bp.route("/account/benchmarks", methods=["GET", "POST"])
@login_required
def apply():
    db = uow.session()
    selection = queries.open_selection(db)
    form = ApplyForm()
    if selection is not None and submit(
        form, lambda: services.apply(db, current_actor(), selection.id, form.statement.data or "")
    ):
        flash(_("申报已提交，秘书处将进行评审。"), "success")
        return redirect(url_for("benchmarks.apply"))
    mine = queries.candidate_of(db, selection.id, current_user.enterprise_id) if selection else None
    closed = standing_refusal(db, current_user)
    return render_form("benchmarks/apply.html", form, selection=selection, mine=mine, closed=closed)


@bp.get("/staff/benchmarks")
@staff_read_required
def staff_index():
    return _index_page(SelectionForm())


@bp.post("/staff/benchmarks")
@staff_required
def open_selection():
    form = SelectionForm()
    selection = submit(form, lambda: services.open_selection(uow.session(), current_actor(), _selection_input(form)))
    if selection is not None:
        flash(_("评选已开启。"), "success")
        return redirect(url_for("benchmarks.staff_detail", selection_id=selection.id))
    return _index_page(form)


def _index_page(form: SelectionForm):
    return render_form(
        "benchmarks/staff_index.html",
        form,
        selections=queries.selections(uow.session()),
        names=sources.criterion_names(),
        typed=request.form,
    )


def _selection_input(form: SelectionForm) -> services.SelectionInput:
    return services.SelectionInput(
        year=form.year.data or "",
        title=form.title.data or "",
        opens_on=form.opens_on.data or "",
        closes_on=form.closes_on.data or "",
        criteria=form.weights(request.form),
    )


@bp.get("/staff/benchmarks/<int:selection_id>")
@staff_read_required
def staff_detail(selection_id: int):
    db = uow.session()
    selection = queries.get_selection(db, selection_id)
    rows = [(c, queries.sheet(db, selection, c)) for c in queries.candidates(db, selection.id)]
    names = {i: b.name for i, b in enterprise_briefs(db, [c.enterprise_id for c, _s in rows]).items()}
    return render_template(
        "benchmarks/staff_detail.html",
        selection=selection,
        rows=rows,
        names=names,
        nominate_form=NominateForm(),
        nominees=queries.nominees(db, selection.id) if selection.state == "open" else [],
        score_form=ScoreForm(),
        manual=sources.MANUAL,
    )


@bp.post("/staff/benchmarks/<int:selection_id>/nominate")
@staff_required
def nominate(selection_id: int):
    form = NominateForm()
    if form.validate_on_submit() and attempt(
        lambda: services.nominate(
            uow.session(), current_actor(), selection_id, form.enterprise_id.data or 0, form.statement.data or ""
        )
    ):
        flash(_("已提名。"), "success")
    return redirect(url_for("benchmarks.staff_detail", selection_id=selection_id))


@bp.post("/staff/benchmarks/candidates/<int:candidate_id>/score/<code>")
@staff_required
def score(candidate_id: int, code: str):
    form = ScoreForm()
    candidate = queries.get_candidate(uow.session(), candidate_id)
    if form.validate_on_submit() and attempt(
        lambda: services.score(
            uow.session(), current_actor(), candidate_id, code, form.score.data or "", form.note.data
        )
    ):
        flash(_("评分已保存。"), "success")
    return redirect(url_for("benchmarks.staff_detail", selection_id=candidate.selection_id))


@bp.post("/staff/benchmarks/<int:selection_id>/confirm")
@staff_required
def confirm(selection_id: int):
    ids = request.form.getlist("enterprise_id", type=int)
    if attempt(lambda: services.confirm(uow.session(), current_actor(), selection_id, ids)):
        flash(_("本年度标杆企业名单已确认并公布。"), "success")
    return redirect(url_for("benchmarks.staff_detail", selection_id=selection_id))
