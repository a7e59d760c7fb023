"""Training pages: materials and their protected files, events with registration, staff management."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core import clock, uow
from portal.core.files import send_upload
from portal.core.permissions import (
    MEMBER,
    require_members_only,
    roles_required,
    staff_read_required,
    staff_required,
)
from portal.core.views import current_actor, render_form, submit
from portal.errors import DomainError
from portal.pdf import render_pdf
from portal.training import bp, certificates, queries, services
from portal.training.forms import EmptyForm, EventForm, MaterialForm


@bp.get("/training")
def index():
    db = uow.session()
    topic_raw = (request.args.get("topic") or "").strip()
    topic = services.TOPICS.parse(topic_raw) if topic_raw else None
    if topic_raw and topic is None:
        raise DomainError(_("无法识别的主题：%(v)s", v=topic_raw))
    return render_template(
        "training/index.html",
        materials=queries.materials(db, topic=topic),
        events=queries.upcoming_events(db),
        topic=topic,
    )


@bp.get("/training/materials/<int:material_id>")
def material(material_id: int):
    found = queries.get_material(uow.session(), material_id)
    return render_template(
        "training/material.html", material=found, may_open=queries.may_open(uow.session(), current_user, found)
    )


@bp.get("/training/files/<int:file_id>")
def file(file_id: int):
    db = uow.session()
    row = queries.get_file(db, file_id)
    if row is None:
        abort(404)
    found = queries.get_material(db, row.material_id)
    if not queries.may_open(db, current_user, found):
        if not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        require_members_only(db, current_user)  # 403 with the reason where a member's standing closes it
    return send_upload(
        row.file, row.mime, row.original_name, attachment=row.mime != "application/pdf", public=not found.members_only
    )


@bp.get("/training/events/<int:event_id>")
def event(event_id: int):
    db = uow.session()
    found = queries.get_event(db, event_id)
    mine = queries.registration_of(db, found.id, current_user.id) if current_user.is_authenticated else None
    return render_template(
        "training/event.html",
        event=found,
        mine=mine,
        waiting=queries.waiting_count(db, found.id),
        form=EmptyForm(),
        can_register=queries.is_member_user(db, current_user),
    )


@bp.post("/training/events/<int:event_id>/register")
@roles_required(*MEMBER)
def register(event_id: int):
    row = services.register(uow.session(), current_actor(), event_id)
    flash(_("报名成功。") if row.state == "registered" else _("名额已满，您已进入候补名单。"), "success")
    return redirect(url_for("training.event", event_id=event_id))


@bp.post("/training/events/<int:event_id>/cancel")
@roles_required(*MEMBER)
def cancel(event_id: int):
    services.cancel(uow.session(), current_actor(), event_id)
    flash(_("已取消报名。"), "success")
    return redirect(url_for("training.event", event_id=event_id))


@bp.get("/training/certificates/<int:registration_id>.pdf")
@login_required
@uow.writes
def certificate(registration_id: int):
    context = certificates.certificate_context(uow.session(), current_actor(), registration_id)
    pdf = render_pdf("pdf/training_certificate.html", context)  # a PdfError is answered 503 (portal.errors)
    filename = f"training-certificate-{context['certificate_number']}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(pdf, mimetype="application/pdf", headers=headers)


# --- staff ------------------------------------------------------------------------------------------


@bp.get("/staff/training")
@staff_read_required
def staff_index():
    db = uow.session()
    week = request.args.get("week") == "1"  # the work-bench's link: events of this week
    events = queries.events_this_week(db, clock.now()) if week else queries.upcoming_events(db)
    materials = queries.materials(db)
    return render_template("training/manage.html", materials=materials, events=events, form=EmptyForm(), week=week)


def _material_input(form: MaterialForm) -> services.MaterialInput:
    return services.MaterialInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        audience=form.audience.data or "",
        topic=form.topic.data or "",
        level=form.level.data or "",
        members_only=bool(form.members_only.data),
        video_links=form.video_links.data or "",
    )


@bp.route("/staff/training/materials/new", methods=["GET", "POST"])
@staff_required
def staff_new_material():
    form = MaterialForm()
    db, actor = uow.session(), current_actor()
    created = submit(
        form, lambda: services.create_material(db, actor, _material_input(form), services.check_files(form.files.data))
    )
    if created is not None:
        flash(_("培训资料已添加。"), "success")
        return redirect(url_for("training.material", material_id=created.id))
    return render_form("training/material_form.html", form)


@bp.post("/staff/training/materials/<int:material_id>/delete")
@staff_required
def staff_delete_material(material_id: int):
    services.delete_material(uow.session(), current_actor(), material_id)
    flash(_("培训资料已删除。"), "success")
    return redirect(url_for("training.staff_index"))


def _event_input(form: EventForm) -> services.EventInput:
    return services.EventInput(
        title=form.title.data or "",
        description=form.description.data or "",
        starts_at=form.starts_at.data or "",
        ends_at=form.ends_at.data or "",
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        capacity=form.capacity.data or "",
    )


@bp.route("/staff/training/events/new", methods=["GET", "POST"])
@staff_required
def staff_new_event():
    form = EventForm()
    created = submit(form, lambda: services.create_event(uow.session(), current_actor(), _event_input(form)))
    if created is not None:
        flash(_("培训活动已发布。"), "success")
        return redirect(url_for("training.staff_event", event_id=created.id))
    return render_form("training/event_form.html", form)


@bp.route("/staff/training/events/<int:event_id>", methods=["GET", "POST"])
@staff_required
def staff_event(event_id: int):
    db = uow.session()
    found = queries.get_event(db, event_id)
    form = EmptyForm()
    # A value that is not a plain id (e.g. "²") stands for no registration, so the service refuses it.
    ids = [int(v) if v.isascii() and v.isdigit() and len(v) < 19 else 0 for v in request.form.getlist("attended")]
    if submit(form, lambda: services.record_attendance(db, current_actor(), found.id, ids)) is not None:
        flash(_("出勤情况已记录。"), "success")
        return redirect(url_for("training.staff_event", event_id=found.id))
    rows, people = queries.registrants(db, found.id)
    return render_form("training/staff_event.html", form, event=found, rows=rows, people=people)
