"""Registry pages: a member's batteries and transfers, a battery's chain, reporting, uploads, export."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import progress, uow
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import member_required, staff_read_required
from portal.core.spreadsheets import read_upload
from portal.core.views import current_actor, form_status, submit
from portal.registry import access, bp, bulk, codes, events, queries, services, transfers
from portal.registry.forms import BatteryForm, EventForm, ReceiptForm, RefuseForm, UploadForm
from portal.registry.lifecycle import DISPATCH, EVENTS, INTAKE, RULES, STATES, allowed_events


@bp.get("/lifecycle")
def lifecycle_rules():
    return render_template("registry/lifecycle.html", rules=RULES.values(), states=STATES)


@bp.get("/account")
@member_required
def account():
    db = uow.session()
    enterprise_id = current_user.enterprise_id
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        state = None
    page, per_page = parse_paging(request.args)
    incoming = queries.transfers_to(db, enterprise_id)
    return render_template(
        "registry/account.html",
        counts=queries.counts(db, enterprise_id),
        incoming=incoming,
        waited=queries.waiting_working_days(db, [t for t, _b in incoming]),
        outgoing=queries.transfers_from(db, enterprise_id),
        late=queries.late_reports(db, enterprise_id),
        page=paginate(
            db, queries.batteries_query(enterprise_id=enterprise_id, holder_me=True, state=state), page, per_page
        ),
        state=state,
    )


@bp.get("/staff")
@staff_read_required
def staff_index():
    db = uow.session()
    code = codes.normalize(request.args.get("code", ""))
    if code:
        return redirect(url_for("registry.battery", code=code))
    state = request.args.get("state") or None
    page, per_page = parse_paging(request.args)
    query = queries.batteries_query(enterprise_id=None, staff=True, state=state if state in STATES else None)
    return render_template("registry/staff.html", page=paginate(db, query, page, per_page), state=state)


def _battery_page(code: str, *, event_form=None, receipt_form=None, refuse_form=None):
    if not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()
    db = uow.session()
    actor = current_actor()
    battery = access.visible_battery(db, actor, codes.normalize(code))
    pending = queries.pending_transfer(db, battery) if battery.in_transit else None
    may_receive = pending is not None and transfers.may_receive(db, actor, pending)
    may_move = access.may_move(db, actor, battery)
    event_form = event_form or EventForm(formdata=None)
    event_form.fill_choices(events.events_for(db, battery))
    receipt_form = receipt_form or ReceiptForm(formdata=None)
    receipt_form.event.choices = _receipt_choices(db, battery, pending)
    forms = (event_form, receipt_form, refuse_form or RefuseForm(formdata=None))
    status = max(form_status(f) for f in forms)
    return (
        render_template(
            "registry/battery.html",
            battery=battery,
            chain=queries.chain(db, battery),
            pending=pending,
            may_receive=may_receive,
            may_move=may_move and not battery.in_transit,
            location=queries.location(db, battery),
            pack=queries.pack_of(db, battery),
            parts=queries.parts(db, battery),
            recoded_from=queries.recoded_from(db, battery),
            recoded_as=queries.recoded_as(db, battery),
            fields=codes.check(battery.code).fields,
            dispatch_codes=[c for c, r in RULES.items() if r.kind == DISPATCH],
            intake_codes=[c for c, r in RULES.items() if r.kind == INTAKE],
            pending_outlet_code=_outlet_code(db, pending),
            event_form=forms[0],
            receipt_form=forms[1],
            refuse_form=forms[2],
        ),
        status,
    )


def _outlet_code(db, pending) -> str | None:
    if pending is None or pending.outlet_id is None:
        return None
    from portal.outlets.queries import get_by_id

    outlet = get_by_id(db, pending.outlet_id)
    return outlet.code if outlet else None


def _receipt_choices(db, battery, pending) -> list[tuple[str, str]]:
    if pending is None:
        return []
    choices = [(c, EVENTS.label(c)) for c in allowed_events(battery.state) if RULES[c].kind == INTAKE]
    if transfers.needs_no_intake(battery.state):
        choices = [("", _("确认收货"))]
    return choices


@bp.get("/batteries/<code>")
def battery(code: str):
    return _battery_page(code)


def _event_input(code: str, form: EventForm) -> services.EventInput:
    metals = {m: getattr(form, f"recovered_{m}").data or "" for m in ("li", "ni", "co", "mn")}
    return services.EventInput(
        code=code,
        event=form.event.data or "",
        occurred_at=form.occurred_at.data or "",
        outlet_code=form.outlet_code.data or None,
        site=form.site.data or "",
        counterparty_credit_code=form.counterparty_credit_code.data or None,
        counterparty_name=form.counterparty_name.data or None,
        evidence_document=form.evidence_document.data or "",
        vin=form.vin.data or None,
        recovered_kg=metals if any(metals.values()) else None,
        note=form.note.data or "",
    )


def _signed_in():
    """Members and staff act on batteries; anyone else is sent to the login page."""
    if not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()
    return None


@bp.post("/batteries/<code>/events")
def report(code: str):
    if (login := _signed_in()) is not None:
        return login
    form = EventForm()
    if submit(
        form, lambda: events.report_events(uow.session(), current_actor(), [_event_input(code, form)], batch=False)
    ):
        return redirect(url_for("registry.battery", code=codes.normalize(code), _anchor="chain"), 303)
    return _battery_page(code, event_form=form)


@bp.post("/batteries/<code>/receipt")
def receipt(code: str):
    if (login := _signed_in()) is not None:
        return login
    form = ReceiptForm()

    def confirm():
        return transfers.confirm_receipt(
            uow.session(),
            current_actor(),
            code,
            form.occurred_at.data or "",
            event=form.event.data or None,
            outlet_code=form.outlet_code.data or None,
            site=form.site.data or "",
        )

    if submit(form, confirm):
        return redirect(url_for("registry.battery", code=codes.normalize(code), _anchor="chain"), 303)
    return _battery_page(code, receipt_form=form)


@bp.post("/batteries/<code>/refuse")
def refuse(code: str):
    if (login := _signed_in()) is not None:
        return login
    form = RefuseForm()
    if submit(form, lambda: transfers.refuse_transfer(uow.session(), current_actor(), code, form.reason.data or "")):
        return redirect(url_for("registry.account" if current_user.is_member else "registry.staff_index"), 303)
    return _battery_page(code, refuse_form=form)


def _battery_input(form: BatteryForm) -> services.BatteryInput:
    sources = tuple(line.strip() for line in (form.source_codes.data or "").splitlines() if line.strip())
    return services.BatteryInput(
        code=form.code.data or "",
        rated_capacity_kwh=form.rated_capacity_kwh.data or "",
        mass_kg=form.mass_kg.data or "",
        pack_code=form.pack_code.data or None,
        vin=form.vin.data or None,
        chemistry=form.chemistry.data or None,
        source_codes=sources,
    )


@bp.route("/register", methods=["GET", "POST"])
@member_required
def register():
    form = BatteryForm().fill_choices()
    rows = submit(
        form, lambda: services.register_batteries(uow.session(), current_actor(), [_battery_input(form)], batch=False)
    )
    if rows:
        return redirect(url_for("registry.battery", code=rows[0].code), 303)
    return render_template("registry/register.html", form=form), form_status(form)


@bp.route("/upload", methods=["GET", "POST"])
@member_required
def upload():
    form = UploadForm()
    progress_id = request.form.get("progress_id") or None

    def run():
        data, filename = read_upload(form.file.data, current_app.config["UPLOAD_MAX_REGISTRY_IMPORT"])
        return bulk.upload(
            uow.session(), current_actor(), data, filename, form.kind.data or "", progress_id=progress_id
        )

    try:
        report = submit(form, run)
    finally:
        progress.finish(progress_id)
    status = 422 if (report is not None and report.errors) else (201 if report else form_status(form))
    return render_template("registry/upload.html", form=form, report=report), status


@bp.get("/upload/progress/<progress_id>")
@member_required
def upload_progress(progress_id: str):
    return jsonify(progress.read(progress_id) or {"done": 0, "total": 0, "phase": "waiting"})


@bp.get("/export.<fmt>")
@member_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    db = uow.session()
    enterprise_id = current_user.enterprise_id
    if fmt == "csv":
        data, mimetype = bulk.export_csv(db, enterprise_id), "text/csv"
    else:
        data, mimetype = (
            bulk.export_xlsx(db, enterprise_id),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    name = f"battery-events.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})
