"""Training pages: materials and their protected files, events with registration, staff management."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import uow
from portal.core.files import check_uploads, send_upload
from portal.core.permissions import MEMBER, roles_required, staff_read_required, staff_required
from portal.errors import DomainError, apply_to_form
from portal.training import bp, services
from portal.training.forms import EmptyForm, EventForm, MaterialForm
from portal.training.models import TrainingFile


def _me():
    return current_user._get_current_object()


@bp.get("/training")
def index():
    db = uow.session()
    topic_raw = (request.args.get("topic") or "").strip()
    topic = services.TOPICS.parse(topic_raw) if topic_raw else None
    if topic_raw and topic is None:
        raise DomainError(_("无法识别的主题：%(v)s", v=topic_raw))
    return render_template(
        "training/index.html",
        materials=services.materials(db, topic=topic),
        events=services.upcoming_events(db),
        topic=topic,
    )


@bp.get("/training/materials/<int:material_id>")
def material(material_id: int):
    found = services.get_material(uow.session(), material_id)
    return render_template(
        "training/material.html", material=found, may_open=services.may_open(uow.session(), current_user, found)
    )


@bp.get("/training/files/<int:file_id>")
def file(file_id: int):
    db = uow.session()
    row = db.get(TrainingFile, file_id)
    if row is None:
        abort(404)
    found = services.get_material(db, row.material_id)
    if not services.may_open(db, current_user, found):
        if not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        abort(403)
    return send_upload(
        row.file, row.mime, row.original_name, attachment=row.mime != "application/pdf", public=not found.members_only
    )


@bp.get("/training/events/<int:event_id>")
def event(event_id: int):
    db = uow.session()
    found = services.get_event(db, event_id)
    mine = services.registration_of(db, found.id, current_user.id) if current_user.is_authenticated else None
    waiting = sum(1 for r in services.registrations(db, found.id) if r.state == "waiting")
    return render_template(
        "training/event.html",
        event=found,
        mine=mine,
        waiting=waiting,
        form=EmptyForm(),
        can_register=services.is_member_user(db, current_user),
    )


@bp.post("/training/events/<int:event_id>/register")
@roles_required(*MEMBER)
def register(event_id: int):
    EmptyForm().validate_on_submit()
    row = services.register(uow.session(), _me(), event_id)
    flash(_("报名成功。") if row.state == "registered" else _("名额已满，您已进入候补名单。"), "success")
    return redirect(url_for("training.event", event_id=event_id))


@bp.post("/training/events/<int:event_id>/cancel")
@roles_required(*MEMBER)
def cancel(event_id: int):
    EmptyForm().validate_on_submit()
    services.cancel(uow.session(), _me(), event_id)
    flash(_("已取消报名。"), "success")
    return redirect(url_for("training.event", event_id=event_id))


# --- staff ------------------------------------------------------------------------------------------


@bp.get("/staff/training")
@staff_read_required
def staff_index():
    db = uow.session()
    return render_template(
        "training/manage.html", materials=services.materials(db), events=services.upcoming_events(db), form=EmptyForm()
    )


@bp.route("/staff/training/materials/new", methods=["GET", "POST"])
@staff_required
def staff_new_material():
    form = MaterialForm()
    if form.validate_on_submit():
        data = services.MaterialInput(
            title=form.title.data or "",
            summary=form.summary.data or "",
            audience=form.audience.data or "",
            topic=form.topic.data or "",
            level=form.level.data or "",
            members_only=bool(form.members_only.data),
            video_links=form.video_links.data or "",
        )
        try:
            files = check_uploads(
                form.files.data,
                field="files",
                allowed=services.FILE_KINDS,
                max_bytes=services.FILE_MAX_BYTES,
                limit=services.MAX_FILES,
            )
            created = services.create_material(uow.session(), _me(), data, files)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("培训资料已添加。"), "success")
            return redirect(url_for("training.material", material_id=created.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("training/material_form.html", form=form), status


@bp.post("/staff/training/materials/<int:material_id>/delete")
@staff_required
def staff_delete_material(material_id: int):
    services.delete_material(uow.session(), _me(), material_id)
    flash(_("培训资料已删除。"), "success")
    return redirect(url_for("training.staff_index"))


@bp.route("/staff/training/events/new", methods=["GET", "POST"])
@staff_required
def staff_new_event():
    form = EventForm()
    if form.validate_on_submit():
        data = services.EventInput(
            title=form.title.data or "",
            description=form.description.data or "",
            starts_at=form.starts_at.data or "",
            ends_at=form.ends_at.data or "",
            place=form.place.data or "",
            online_url=form.online_url.data or "",
            capacity=form.capacity.data or "",
        )
        try:
            created = services.create_event(uow.session(), _me(), data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("培训活动已发布。"), "success")
            return redirect(url_for("training.staff_event", event_id=created.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("training/event_form.html", form=form), status


@bp.route("/staff/training/events/<int:event_id>", methods=["GET", "POST"])
@staff_required
def staff_event(event_id: int):
    db = uow.session()
    found = services.get_event(db, event_id)
    form = EmptyForm()
    if form.validate_on_submit():
        ids = [int(v) for v in request.form.getlist("attended") if v.isascii() and v.isdigit() and len(v) < 19]
        services.record_attendance(db, _me(), found.id, ids)
        flash(_("出勤情况已记录。"), "success")
        return redirect(url_for("training.staff_event", event_id=found.id))
    from portal.auth.models import User

    rows = services.registrations(db, found.id)
    people = {r.user_id: db.get(User, r.user_id) for r in rows}
    return render_template("training/staff_event.html", event=found, rows=rows, people=people, form=form)
