"""The scheme's pages for members: balances, the statement and its exports, billing deposits.

A member sees only its own enterprise's accounts, and only while its membership is valid. The staff
pages are in ``staff_views`` (imported at the end, so the blueprint gets them too).
"""

from __future__ import annotations

import functools

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import uow
from portal.core.money import format_fen
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import member_required
from portal.core.spreadsheets import read_upload
from portal.core.views import current_actor, form_status, submit
from portal.errors import DomainError
from portal.ledger import accounts, bp, exports, journal, queries
from portal.ledger.forms import BillForm
from portal.members.queries import in_good_standing
from portal.pdf import render_pdf

EXPORTS = ("csv", "xlsx", "pdf")


def member_page(view):
    """Members of an enterprise whose membership is valid (active or in grace); others are refused."""

    @member_required
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not in_good_standing(uow.session(), current_user.enterprise_id):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def statement_filters() -> tuple[queries.StatementFilters, dict[str, str]]:
    """The query string's filters and, when refused, their field errors (the page answers 422)."""
    try:
        return queries.parse_statement_filters(request.args), {}
    except DomainError as err:
        return queries.StatementFilters(), dict(err.fields or {"date_from": err.message})


@bp.get("")
@member_page
def account():
    from portal.members.queries import bank_account

    db = uow.session()
    enterprise_id = current_user.enterprise_id
    return render_template(
        "ledger/account.html",
        balances=queries.balances(db, enterprise_id),
        counts=queries.deposit_counts(db, enterprise_id),
        open_deposits=queries.open_deposits(db, enterprise_id),
        bank=bank_account(db, enterprise_id),
    )


def statement_page(owner: int | None, filters, errors: dict, **context):
    """A page of statement lines (a member's own, or every account's for staff); 422 for bad filters."""
    db = uow.session()
    page, per_page = parse_paging(request.args)
    result = paginate(db, queries.statement_query(db, owner, filters), page, per_page, scalars=False)
    return render_template(
        "ledger/statement.html",
        page=result,
        lines=[] if errors else queries.statement_lines(db, result.items),
        filters=filters,
        errors=errors,
        kinds=accounts.KINDS,
        **context,
    ), (422 if errors else 200)


@bp.get("/statement")
@member_page
def statement():
    filters, errors = statement_filters()
    return statement_page(current_user.enterprise_id, filters, errors, staff=False)


@bp.get("/statement.<fmt>")
@member_page
@uow.writes  # the PDF's number is recorded in the documents register
def statement_export(fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    db = uow.session()
    filters, errors = statement_filters()
    if errors:
        return statement()
    enterprise_id = current_user.enterprise_id
    lines = exports.statement_lines(db, enterprise_id, filters)
    if fmt != "pdf":
        data, mimetype = exports.statement_file(lines, fmt)
    else:
        name = queries.enterprise_name(db, enterprise_id)
        context = exports.pdf_context(name, filters, queries.balances(db, enterprise_id), lines)
        context = exports.number_statement(db, current_actor(), enterprise_id, context)
        data, mimetype = render_pdf("pdf/ledger_statement.html", context), "application/pdf"
    headers = {"Content-Disposition": f'attachment; filename="deposit-statement.{fmt}"'}
    return Response(data, mimetype=mimetype, headers=headers)


@bp.route("/bill", methods=["GET", "POST"])
@member_page
@uow.serialised(*journal.LOCKS)
def bill():
    form = BillForm()

    def run():
        if form.file.data and getattr(form.file.data, "filename", ""):
            data, filename = read_upload(form.file.data, current_app.config["UPLOAD_MAX_REGISTRY_IMPORT"])
            return exports.bill(uow.session(), current_actor(), exports.codes_of_file(data, filename), "电池编码/code")
        return exports.bill(uow.session(), current_actor(), exports.codes_of_text(form.codes.data), _("电池编码"))

    report = submit(form, run)
    if report is not None and not report.errors:
        done = _("已计收%(n)d个电池包的押金，共%(yuan)s元。", n=report.billed, yuan=format_fen(report.total_fen))
        flash(done, "success")
        return redirect(url_for("ledger.statement"), 303)
    status = 422 if report is not None else form_status(form)
    return render_template("ledger/bill.html", form=form, report=report), status


from portal.ledger import staff_views  # noqa: E402, F401  (the staff pages, on the same blueprint)
