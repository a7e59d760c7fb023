"""Public membership pages: the application form, the directory and public profiles."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for

from portal.auth import services as auth_services
from portal.core import pagecache, uow
from portal.core.files import CheckedUpload, check_upload, send_upload
from portal.core.paging import paginate, parse_paging
from portal.errors import DomainError, apply_to_form
from portal.members import applications, queries, terms
from portal.members import members_bp as bp
from portal.members.forms import ApplicationForm
from portal.outlets import queries as outlet_queries
from portal.outlets.models import Outlet

LICENCE_TYPES = ("pdf", "jpg", "png")


def application_data(form: ApplicationForm) -> applications.ApplicationData:
    """The application form's values as the service's input."""
    return applications.ApplicationData(
        name=form.name.data or "",
        credit_code=form.credit_code.data or "",
        activities=list(form.activities.data or []),
        city=form.city.data or "",
        address=form.address.data or "",
        legal_representative=form.legal_representative.data or "",
        contact_name=form.contact_name.data or "",
        contact_title=form.contact_title.data or "",
        contact_phone=form.contact_phone.data or "",
        contact_email=form.contact_email.data or "",
        requested_tier=form.requested_tier.data or "",
        password=form.password.data or "",
        privacy_accepted=bool(form.privacy.data),
    )


def checked_licence(storage, field: str = "licence") -> CheckedUpload:
    """A licence or certificate file (PDF, JPG or PNG, within UPLOAD_MAX_LICENCE)."""
    return check_upload(storage, field=field, allowed=LICENCE_TYPES, max_bytes=current_app.config["UPLOAD_MAX_LICENCE"])


def _licence_or_error(storage) -> tuple[CheckedUpload | None, str | None]:
    try:
        return checked_licence(storage), None
    except DomainError as err:
        return None, err.message


@bp.route("/join", methods=["GET", "POST"])
def apply():
    form = ApplicationForm()
    fees = queries.tier_fees(uow.session())
    form.show_fees(fees)
    if request.method != "POST":
        return _apply_page(form, fees)
    form_ok = form.validate_on_submit()
    if "csrf_token" in form.errors:
        return _apply_page(form, fees, 422)
    data = application_data(form)
    licence, licence_error = _licence_or_error(form.licence.data)
    hours = current_app.config["TOKEN_VERIFY_EMAIL_HOURS"]
    try:
        if form_ok:
            applications.submit_application(
                uow.session(), data, licence, licence_error=licence_error, verify_hours=hours
            )
            # The same answer whether or not the address already had an account (the owner is mailed).
            session["applied_email"] = auth_services.normalise_email(data.contact_email)
            return redirect(url_for("members.applied"), 303)
        # The form's own checks failed: still report the domain errors now, all in one round.
        applications.check_application(uow.session(), data, licence, licence_error=licence_error)
    except DomainError as err:
        apply_to_form(form, err, only_empty=True)
    return _apply_page(form, fees, 422)


def _apply_page(form: ApplicationForm, fees: dict[str, int], status: int = 200):
    cutoff = terms.late_join_cutoff(uow.session())
    label = terms.cutoff_label(cutoff) if cutoff else None
    return render_template("members/apply.html", form=form, fees=fees, cutoff_label=label), status


@bp.get("/join/submitted")
def applied():
    """After a successful application (redirected here, so a reload submits nothing again)."""
    email = session.get("applied_email")
    if not email:
        return redirect(url_for("members.apply"))
    return render_template("members/applied.html", email=email)


@bp.get("/privacy")
def privacy():
    return render_template("members/privacy.html")


def _benchmark_years(session, enterprise_ids) -> dict[int, list[int]]:
    """The benchmark years of these enterprises, from every one's, kept until the data changes."""
    from portal.benchmarks.queries import benchmark_years as years

    every = pagecache.memo("benchmark-years", lambda: years(session))
    return {i: every[i] for i in enterprise_ids if i in every}


@bp.get("/members")
def directory():
    filters, errors = queries.parse_directory_filters(request.args)
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.directory(**filters), page, per_page)
    badges = _benchmark_years(uow.session(), [e.id for e in result.items])
    return render_template("members/directory.html", page=result, filters=filters, errors=errors, badges=badges)


@bp.get("/members/<int:enterprise_id>")
def profile(enterprise_id: int):
    db = uow.session()
    enterprise = queries.public_member(db, enterprise_id)
    if enterprise is None:
        abort(404)
    shown = (Outlet.id, Outlet.code, Outlet.name, Outlet.status, Outlet.city, Outlet.address)
    outlets = outlet_queries.public_of_operator(db, enterprise.id, *shown)
    badges = _benchmark_years(db, [enterprise.id]).get(enterprise.id, [])
    return render_template("members/profile.html", enterprise=enterprise, outlets=outlets, badges=badges)


@bp.get("/members/<int:enterprise_id>/logo")
def logo(enterprise_id: int):
    enterprise = queries.public_member(uow.session(), enterprise_id)
    if enterprise is None or not enterprise.logo_file:
        abort(404)
    mime = "image/png" if enterprise.logo_file.endswith(".png") else "image/jpeg"
    return send_upload(enterprise.logo_file, mime, enterprise.logo_file, attachment=False, public=True)
