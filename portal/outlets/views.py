"""Outlet pages: the public list and detail, export, members' own outlets, staff import and status."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core import clock, uow
from portal.core.paging import parse_paging
from portal.core.permissions import enterprise_admin_required, roles_required, staff_required
from portal.errors import DomainError, Forbidden, apply_to_form
from portal.outlets import bp, importer, queries, services
from portal.outlets.forms import ImportForm, OutletForm, StatusForm
from portal.outlets.models import Outlet

IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _me():
    return current_user._get_current_object()


@bp.get("/outlets")
def index():
    db = uow.session()
    try:
        filters = queries.parse_filters(request.args)
        page, per_page = parse_paging(request.args)
    except DomainError as err:
        return render_template(
            "outlets/index.html",
            page=None,
            filters=queries.OutletFilters(),
            errors=err.fields,
            operators=queries.operators(db),
            districts=[],
        ), 422
    result = queries.find(db, filters, page, per_page)
    return render_template(
        "outlets/index.html",
        page=result,
        filters=filters,
        errors={},
        operators=queries.operators(db),
        districts=queries.districts(db, filters.city),
    )


@bp.get("/outlets/export.<any(csv,xlsx):fmt>")
def export(fmt: str):
    filters = queries.parse_filters(request.args)
    outlets = queries.all_matching(uow.session(), filters)
    stamp = clock.today().strftime("%Y%m%d")
    if fmt == "csv":
        body, mime = importer.export_csv(outlets), "text/csv; charset=utf-8"
    else:
        body, mime = importer.export_xlsx(outlets), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"outlets-{stamp}.{fmt}"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/outlets/<code>")
def detail(code: str):
    db = uow.session()
    outlet = services.get_by_code(db, code)
    if outlet is None:
        abort(404)
    show_history = current_user.is_authenticated and current_user.role in ("staff", "admin", "observer")
    can_edit = current_user.is_authenticated and services.can_edit(current_user, outlet)
    return render_template(
        "outlets/detail.html",
        outlet=outlet,
        history=services.history(db, outlet.id) if show_history else None,
        can_edit=can_edit,
        makers=services.maker_names(db, outlet),
        maker_choices=services.vehicle_makers(db) if can_edit else [],
        status_form=StatusForm(status=outlet.status),
    )


def _input(form: OutletForm) -> services.OutletInput:
    return services.OutletInput(
        code=form.code.data or "",
        name=form.name.data or "",
        operator=form.operator.data or "",
        operator_credit_code=form.operator_credit_code.data or "",
        city=form.city.data or "",
        district=form.district.data or "",
        address=form.address.data or "",
        type=form.type.data or "",
        contact=form.contact.data or "",
        phone=form.phone.data or "",
        lon=form.lon.data or "",
        lat=form.lat.data or "",
        status=form.status.data or "",
        opening_hours=form.opening_hours.data or "",
        storage_area=form.storage_area.data or "",
        capacity=form.capacity.data or "",
        coordinate_system=form.coordinate_system.data or "wgs84",
    )


@bp.route("/outlets/new", methods=["GET", "POST"])
@roles_required("member_admin", "staff", "admin")
def create():
    services.require_admitted(uow.session(), _me())  # an applicant's admin gets 403, not a form
    form = OutletForm()
    if form.validate_on_submit():
        try:
            outlet = services.create_outlet(uow.session(), _me(), _input(form))
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("网点已添加，状态为“待核查”。") if not current_user.is_staff else _("网点已添加。"), "success")
            return redirect(url_for("outlets.detail", code=outlet.code))
    return render_template("outlets/form.html", form=form, outlet=None), 422 if form.errors or form.form_errors else 200


@bp.route("/outlets/<code>/edit", methods=["GET", "POST"])
@roles_required("member_admin", "staff", "admin")
def edit(code: str):
    db = uow.session()
    outlet = services.get_by_code(db, code)
    if outlet is None:
        abort(404)
    if not services.can_edit(current_user, outlet):
        abort(403)
    form = OutletForm()
    if request.method == "GET":
        _fill(form, outlet)
    if form.validate_on_submit():
        try:
            services.update_outlet(db, _me(), outlet.id, _input(form))
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("网点信息已保存。"), "success")
            return redirect(url_for("outlets.detail", code=outlet.code))
    return render_template(
        "outlets/form.html", form=form, outlet=outlet
    ), 422 if form.errors or form.form_errors else 200


def _fill(form: OutletForm, outlet: Outlet) -> None:
    form.code.data, form.name.data, form.operator.data = outlet.code, outlet.name, outlet.operator_name
    form.operator_credit_code.data, form.type.data, form.city.data = (
        outlet.operator_credit_code,
        outlet.type,
        outlet.city,
    )
    form.district.data, form.address.data, form.contact.data = outlet.district, outlet.address, outlet.contact_name
    form.phone.data, form.opening_hours.data = outlet.phone, outlet.opening_hours
    form.storage_area.data = "" if outlet.storage_area_m2 is None else f"{outlet.storage_area_m2:g}"
    form.capacity.data = "" if outlet.capacity_t is None else f"{outlet.capacity_t:g}"
    form.lat.data = "" if outlet.lat is None else f"{outlet.lat}"
    form.lon.data = "" if outlet.lon is None else f"{outlet.lon}"
    form.status.data = ""


@bp.post("/outlets/<code>/makers")
@roles_required("member_admin", "staff", "admin")
def set_makers(code: str):
    db = uow.session()
    outlet = services.get_by_code(db, code)
    if outlet is None:
        abort(404)
    ids = [int(v) for v in request.form.getlist("makers") if v.isascii() and v.isdigit() and len(v) < 19]
    try:
        services.set_makers(db, _me(), outlet.id, ids)
    except Forbidden:
        raise
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("outlets.detail", code=code)), 303
    flash(_("服务的整车企业已保存。"), "success")
    return redirect(url_for("outlets.detail", code=code))


@bp.post("/outlets/<code>/status")
@staff_required
def change_status(code: str):
    db = uow.session()
    outlet = services.get_by_code(db, code)
    if outlet is None:
        abort(404)
    form = StatusForm()
    form.validate_on_submit()
    try:
        services.set_status(db, _me(), outlet.id, form.status.data or "", form.reason.data or "")
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("outlets.detail", code=code)), 303
    flash(_("状态已更新。"), "success")
    return redirect(url_for("outlets.detail", code=code))


@bp.get("/account/outlets")
@enterprise_admin_required
def mine():
    rows = (
        uow.session()
        .scalars(
            select(Outlet).where(Outlet.operator_enterprise_id == current_user.enterprise_id).order_by(Outlet.code)
        )
        .all()
    )
    return render_template("outlets/mine.html", outlets=rows)


@bp.route("/staff/outlets/import", methods=["GET", "POST"])
@staff_required
def import_file():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(IMPORT_MAX_BYTES + 1) if upload and upload.filename else b""
        try:
            if not data:
                raise DomainError(_("请选择要导入的文件。"), {"file": _("请选择要导入的文件。")})
            if len(data) > IMPORT_MAX_BYTES:
                raise DomainError(_("文件过大：不能超过 20 MB。"), {"file": _("文件过大：不能超过 20 MB。")})
            report = importer.import_outlets(
                uow.session(),
                data,
                upload.filename,
                actor_label=current_user.email,
                skip_invalid=bool(form.skip_invalid.data),
                coordinate_system=form.coordinate_system.data or "wgs84",
            )
        except DomainError as err:
            apply_to_form(form, err)
        if report is not None and not report.written:
            # nothing was written: answer 422 so the unit of work rolls back
            return render_template("outlets/import.html", form=form, report=report), 422
    status = 422 if form.errors or form.form_errors else 200
    return render_template("outlets/import.html", form=form, report=report), status
