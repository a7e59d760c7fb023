"""Outlet pages: the public list and detail, export, members' own outlets, staff import and status."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import clock, pagecache, progress, roles, uow
from portal.core.actors import is_staff, is_staff_reader
from portal.core.enums import OUTLET_STATES
from portal.core.paging import parse_paging
from portal.core.permissions import enterprise_admin_required, roles_required, staff_required
from portal.core.views import attempt, current_actor, form_status, render_form, submit
from portal.errors import DomainError
from portal.outlets import bp, districts, importer, maps, printing, queries, services, validation
from portal.outlets.forms import ImportForm, OutletForm, StatusForm
from portal.outlets.models import Outlet
from portal.pdf import render_pdf

manager_required = roles_required(roles.MEMBER_ADMIN, *roles.STAFF)


def _outlet(code: str) -> Outlet:
    outlet = queries.get_by_code(uow.session(), code)
    if outlet is None:
        abort(404)
    return outlet


# Query arguments of the list that a detail page carries, so that "back to the list" returns to them.
LIST_ARGS = ("q", "city", "district", "type", "status", "operator", "near", "page", "per_page")


def _list_args(args) -> dict[str, str]:
    return {k: v[:200] for k in LIST_ARGS if (v := (args.get(k) or "").strip())}


def _index_page(db, filters, page, errors: dict, status: int = 200):
    return render_template(
        "outlets/index.html",
        page=page,
        filters=filters,
        errors=errors,
        # the filter's operators with their counts change only with the data: counted once per data version
        operators=pagecache.memo("outlet-operators", lambda: queries.operators(db)),
        district_options=districts.options(filters.district_code),
        list_args=_list_args(request.args),
    ), status


@bp.get("/outlets")
def index():
    db = uow.session()
    try:
        filters = queries.parse_filters(request.args)
        page, per_page = parse_paging(request.args)
    except DomainError as err:
        return _index_page(db, queries.OutletFilters(), None, err.fields, 422)
    return _index_page(db, filters, queries.find(db, filters, page, per_page), {})


@bp.get("/outlets/print.pdf")
@uow.writes  # the printed list's number is recorded in the documents register
def print_list():
    context = printing.list_context(uow.session())
    # About 520 outlets take WeasyPrint several seconds: a longer limit than a certificate; the same list on the
    # same day then comes from the cache.
    pdf = render_pdf("pdf/outlet_list.html", context, timeout=90)
    filename = f"outlet-list-{context['document_number']}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/outlets/export.<any(csv,xlsx):fmt>")
def export(fmt: str):
    filters = queries.parse_filters(request.args)
    outlets, distances = queries.all_matching_with_distances(uow.session(), filters)
    stamp = clock.today().strftime("%Y%m%d")
    if fmt == "csv":
        body, mime = importer.export_csv(outlets, distances), "text/csv"
    else:
        body = importer.export_xlsx(outlets, distances)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"outlets-{stamp}{'-nearest' if filters.near else ''}.{fmt}"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/outlets/<code>")
def detail(code: str):
    db, me, outlet = uow.session(), current_actor(), _outlet(code)
    can_edit = me.is_authenticated and services.can_edit(me, outlet)
    back = _list_args(request.args)
    return render_template(
        "outlets/detail.html",
        outlet=outlet,
        address=queries.full_address(outlet),
        operator_member=queries.operator_member(db, outlet),
        map_links=maps.map_links(outlet.lat, outlet.lon, outlet.name, outlet.address),
        back_url=url_for("outlets.index", **back, _anchor="results" if back else None),
        history=queries.history(db, outlet.id) if is_staff_reader(me) else None,
        can_edit=can_edit,
        makers=queries.maker_names(db, outlet),
        maker_choices=queries.vehicle_makers(db) if can_edit else [],
        # a form (and its CSRF token) only for staff: the public page is the same for every visitor
        status_form=StatusForm(status=outlet.status) if me.is_authenticated and me.is_staff else None,
    )


def _input(form: OutletForm) -> validation.OutletInput:
    values = {name: getattr(form, name).data or "" for name in validation.INPUT_FIELDS}
    return validation.OutletInput(**{**values, "coordinate_system": values["coordinate_system"] or "wgs84"})


@bp.route("/outlets/new", methods=["GET", "POST"])
@manager_required
def create():
    services.require_admitted(uow.session(), current_actor())  # an applicant's admin gets 403, not a form
    form = OutletForm()
    outlet = submit(form, lambda: services.create_outlet(uow.session(), current_actor(), _input(form)))
    if outlet is not None:
        flash(_("网点已添加。") if is_staff(current_actor()) else _("网点已添加，状态为“待核查”。"), "success")
        return redirect(url_for("outlets.detail", code=outlet.code))
    return render_form("outlets/form.html", form, outlet=None, district_groups=districts.by_city())


@bp.route("/outlets/<code>/edit", methods=["GET", "POST"])
@manager_required
def edit(code: str):
    outlet = _outlet(code)
    if not services.can_edit(current_actor(), outlet):
        abort(403)
    form = OutletForm()
    if request.method == "GET":
        _fill(form, outlet)
    was = outlet.status
    if submit(form, lambda: services.update_outlet(uow.session(), current_actor(), outlet.id, _input(form))):
        back = was in services.VERIFIED and outlet.status == "pending"
        flash(
            _("网点信息已保存。位置信息已改，网点已回到“待核查”，等待协会重新核查。")
            if back
            else _("网点信息已保存。"),
            "success",
        )
        return redirect(url_for("outlets.detail", code=outlet.code))
    return render_form("outlets/form.html", form, outlet=outlet, district_groups=districts.by_city())


def _fill(form: OutletForm, outlet: Outlet) -> None:
    form.code.data, form.name.data, form.operator.data = outlet.code, outlet.name, outlet.operator_name
    form.operator_credit_code.data, form.type.data, form.city.data = (
        outlet.operator_credit_code,
        outlet.type,
        outlet.city,
    )
    district = districts.find(outlet.city, outlet.district)
    form.district.data = district.code if district else outlet.district
    form.address.data, form.contact.data = outlet.address, outlet.contact_name
    form.phone.data, form.opening_hours.data = outlet.phone, outlet.opening_hours
    form.storage_area.data = "" if outlet.storage_area_m2 is None else f"{outlet.storage_area_m2:g}"
    form.capacity.data = "" if outlet.capacity_t is None else f"{outlet.capacity_t:g}"
    form.lat.data = "" if outlet.lat is None else f"{outlet.lat}"
    form.lon.data = "" if outlet.lon is None else f"{outlet.lon}"
    form.status.data = ""


@bp.post("/outlets/<code>/makers")
@manager_required
def set_makers(code: str):
    outlet = _outlet(code)
    ids = [int(v) for v in request.form.getlist("makers") if v.isascii() and v.isdigit() and len(v) < 19]
    if attempt(lambda: services.set_makers(uow.session(), current_actor(), outlet.id, ids)) is None:
        return redirect(url_for("outlets.detail", code=code)), 303
    flash(_("服务的整车企业已保存。"), "success")
    return redirect(url_for("outlets.detail", code=code))


@bp.post("/outlets/<code>/status")
@staff_required
def change_status(code: str):
    outlet = _outlet(code)
    form = StatusForm()
    status, reason = form.status.data or "", form.reason.data or ""
    if attempt(lambda: services.set_status(uow.session(), current_actor(), outlet.id, status, reason)) is None:
        return redirect(url_for("outlets.detail", code=code)), 303
    flash(_("状态已更新。"), "success")
    return redirect(url_for("outlets.detail", code=code))


@bp.get("/account/outlets")
@enterprise_admin_required
def mine():
    q, status = request.args.get("q", ""), request.args.get("status", "")
    page, per_page = parse_paging(request.args)
    found = queries.operated_by_page(uow.session(), current_actor().enterprise_id, q, status, page, per_page)
    return render_template("outlets/mine.html", page=found, q=q.strip(), status=status, states=OUTLET_STATES.choices())


def _import(form: ImportForm, progress_id: str | None) -> importer.ImportReport:
    data, filename = importer.read_upload(form.file.data, current_app.config["UPLOAD_MAX_OUTLET_IMPORT"])
    return importer.import_outlets(
        uow.session(),
        data,
        filename,
        actor=current_actor(),
        skip_invalid=bool(form.skip_invalid.data),
        coordinate_system=form.coordinate_system.data or "wgs84",
        progress=lambda phase, done, total: progress.update(progress_id, done=done, total=total, phase=phase),
        max_rows=importer.WEB_MAX_ROWS,
    )


@bp.route("/staff/outlets/import", methods=["GET", "POST"])
@staff_required
def import_file():
    form = ImportForm()
    progress_id = request.form.get("progress_id") or None
    try:
        report = submit(form, lambda: _import(form, progress_id))
    finally:
        progress.finish(progress_id)
    # The error report is kept as a file (not in the database) so that the rollback below keeps it.
    token = importer.save_error_report(current_actor().id, report) if report and report.errors else None
    # nothing written: answer 422 so the unit of work rolls back
    status = 422 if report is not None and not report.written else form_status(form)
    page = render_template(
        "outlets/import.html", form=form, report=report, report_token=token, max_rows=importer.WEB_MAX_ROWS
    )
    return page, status


@bp.get("/staff/outlets/import/progress/<progress_id>")
@staff_required
def import_progress(progress_id: str):
    """How far the upload with that (browser-made, random) id is, for the page to show."""
    return jsonify(progress.read(progress_id) or {"done": 0, "total": 0, "phase": "waiting"})


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, fmt: str, filename: str) -> Response:
    mime = "text/csv" if fmt == "csv" else XLSX_MIME
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/staff/outlets/import/template.<any(csv,xlsx):fmt>")
@staff_required
def import_template(fmt: str):
    body = importer.template_csv() if fmt == "csv" else importer.template_xlsx()
    return _download(body, fmt, f"outlets-import-template.{fmt}")


@bp.get("/staff/outlets/import/errors/<token>.<any(csv,xlsx):fmt>")
@staff_required
def import_errors(token: str, fmt: str):
    stored = importer.load_error_report(token, current_actor().id)
    if stored is None:
        abort(404)  # expired, unknown, or another user's report
    body = importer.error_report_csv(stored) if fmt == "csv" else importer.error_report_xlsx(stored)
    return _download(body, fmt, importer.report_filename(stored, fmt))
