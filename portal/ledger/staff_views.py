"""The scheme's pages for staff: dashboard and chart, trial balance, reconciliation, verify, rules,
payments, payouts, reversals, manual adjustments, closing months, the whole statement.

Staff and administrators write; observers read the dashboards; members and the public are refused.
Every view that posts to the journal takes the journal's lock first (``uow.serialised``).
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from portal.core import clock, uow
from portal.core.money import format_fen
from portal.core.permissions import staff_read_required, staff_required
from portal.core.views import current_actor, form_status, render_form, submit
from portal.errors import DomainError
from portal.ledger import accounts, billing, bp, charts, corrections, journal, queries, refunds, rules
from portal.ledger.forms import (
    AdjustmentForm,
    CloseMonthForm,
    DecisionForm,
    PaymentForm,
    PayoutForm,
    ReverseForm,
    RuleForm,
)
from portal.ledger.views import statement_filters, statement_page
from portal.registry.lifecycle import CHEMISTRIES


def _enterprise_id(raw) -> int:
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 12:
        raise DomainError(_("请选择单位。"), {"enterprise_id": _("请选择单位。")})
    return int(text)


def _holders(form, kind: str, date_field: str):
    """Fill the enterprise choices with the holders of an account kind and their balances; date today."""
    holders = queries.account_holders(uow.session(), kind)
    form.enterprise_id.choices = [("", _("请选择"))] + [
        (str(i), f"{name}（{format_fen(fen)}元）") for i, name, fen in holders if fen > 0
    ]
    if request.method == "GET":
        getattr(form, date_field).data = clock.today().isoformat()
    return form


@bp.get("/staff")
@staff_read_required
def staff_dashboard():
    db = uow.session()
    months = queries.monthly(db)
    labels = {kind: accounts.KINDS.label(kind) for kind in accounts.KINDS.codes}
    chart = charts.monthly_chart(months, labels, title=_("近12个月押金业务（元）"))
    return render_template(
        "ledger/staff_dashboard.html",
        totals=queries.scheme_totals(db),
        counts=queries.deposit_counts(db),
        months=months,
        chart=Markup(chart),  # noqa: S704  (charts.monthly_chart escapes every text it draws)
        pending=[a for a in queries.adjustments(db) if a.state == "proposed"],
    )


@bp.get("/staff/trial-balance")
@staff_read_required
def trial_balance():
    rows = queries.trial_balance(uow.session())
    totals = (sum(a.debits_fen for a in rows), sum(a.credits_fen for a in rows))
    return render_template("ledger/trial_balance.html", rows=rows, totals=totals)


@bp.get("/staff/reconciliation")
@staff_read_required
def reconciliation():
    db = uow.session()
    payers = queries.reconciliation(db)
    names = {i: name for i, name, _fen in queries.account_holders(db)}
    return render_template("ledger/reconciliation.html", payers=payers, names=names)


@bp.get("/staff/verify")
@staff_read_required
def verify_page():
    from portal.ledger.verify import verify

    return render_template("ledger/verify.html", report=verify(uow.session()))


@bp.get("/staff/statement")
@staff_read_required
def staff_statement():
    filters, errors = statement_filters()
    raw = request.args.get("enterprise_id", "")
    if raw and not (raw.isdigit() and len(raw) < 12):
        errors["enterprise_id"] = _("请选择单位。")
    enterprise_id = int(raw) if raw and "enterprise_id" not in errors else None
    holders = queries.account_holders(uow.session())
    return statement_page(enterprise_id, filters, errors, staff=True, holders=holders, enterprise_id=enterprise_id)


def _transaction_page(txn_id: int, form: ReverseForm | None = None):
    db = uow.session()
    txn = corrections.get_transaction(db, txn_id)  # 404 when there is none
    return render_form(
        "ledger/transaction.html",
        form or ReverseForm(formdata=None),
        txn=txn,
        lines=queries.transaction_lines(db, txn_id),
        reversed_by=queries.reversed_by(db, txn_id),
    )


@bp.get("/staff/transactions/<int:txn_id>")
@staff_read_required
def transaction(txn_id: int):
    return _transaction_page(txn_id)


@bp.post("/staff/transactions/<int:txn_id>/reverse")
@staff_required
@uow.serialised(*journal.LOCKS)
def reverse(txn_id: int):
    form = ReverseForm()
    new_id = submit(form, lambda: corrections.reverse(uow.session(), current_actor(), txn_id, form.reason.data or ""))
    if new_id:
        flash(_("已冲销：第%(id)d号凭证。", id=new_id), "success")
        return redirect(url_for("ledger.transaction", txn_id=new_id), 303)
    return _transaction_page(txn_id, form)


@bp.get("/staff/rules")
@staff_read_required
def rule_list():
    return render_template("ledger/rules.html", rules=rules.rules(uow.session()), chemistries=CHEMISTRIES)


def _rule_input(form: RuleForm) -> rules.RuleInput:
    return rules.RuleInput(
        effective_from=form.effective_from.data or "",
        collector_share_percent=form.collector_share_percent.data or "",
        forfeit_after_days=form.forfeit_after_days.data or "",
        flat_yuan_per_pack=form.flat_yuan_per_pack.data or "",
        yuan_per_kwh={code: f.data for code, f in form.rate_fields() if (f.data or "").strip()},
        refund_via_outlets=bool(form.refund_via_outlets.data),
        refund_via_whitelist=bool(form.refund_via_whitelist.data),
        note=form.note.data or "",
    )


@bp.route("/staff/rules/new", methods=["GET", "POST"])
@staff_required
def rule_new():
    form = RuleForm()
    if submit(form, lambda: rules.add_rule(uow.session(), current_actor(), _rule_input(form))):
        flash(_("规则版本已添加。"), "success")
        return redirect(url_for("ledger.rule_list"), 303)
    return render_form("ledger/rule_form.html", form, chemistries=CHEMISTRIES)


def _bank_movement(form, kind: str, date_name: str, service, done: str, title: str):
    """The payment and payout pages: a member, an amount, a bank date and serial, then the service."""
    form = _holders(form, kind, date_name)
    date_field = getattr(form, date_name)

    def record():
        enterprise_id = _enterprise_id(form.enterprise_id.data)
        return service(
            uow.session(), current_actor(), enterprise_id, form.amount.data, date_field.data, form.reference.data
        )

    if txn_id := submit(form, record):
        flash(done % {"id": txn_id}, "success")
        return redirect(url_for("ledger.transaction", txn_id=txn_id), 303)
    return render_form("ledger/money_form.html", form, title=title, date_field=date_field)


@bp.route("/staff/payments", methods=["GET", "POST"])
@staff_required
@uow.serialised(*journal.LOCKS)
def payment():
    done, title = _("到账已记账：第%(id)d号凭证。"), _("登记押金到账")
    return _bank_movement(PaymentForm(), accounts.RECEIVABLE, "received_on", billing.record_payment, done, title)


@bp.route("/staff/payouts", methods=["GET", "POST"])
@staff_required
@uow.serialised(*journal.LOCKS)
def payout():
    done, title = _("退款支付已记账：第%(id)d号凭证。"), _("登记退款支付")
    return _bank_movement(PayoutForm(), accounts.PAYABLE, "paid_on", refunds.pay_out, done, title)


def _adjustments_page(form=None, decision=None):
    forms = (form or AdjustmentForm(formdata=None), decision or DecisionForm(formdata=None))
    return render_template(
        "ledger/adjustments.html",
        form=forms[0],
        decision=forms[1],
        items=queries.adjustments(uow.session()),
        lines_of=corrections.adjustment_lines,
    ), max(form_status(f) for f in forms)


@bp.get("/staff/adjustments")
@staff_read_required
def adjustments():
    return _adjustments_page()


@bp.post("/staff/adjustments")
@staff_required
def propose():
    form = AdjustmentForm()
    run = lambda: corrections.propose(  # noqa: E731
        uow.session(), current_actor(), form.lines.data or "", form.reason.data or "", form.posted_on.data or None
    )
    if made := submit(form, run):
        flash(_("调整已提出（第%(id)d号），须由另一名工作人员核准。", id=made.id), "success")
        return redirect(url_for("ledger.adjustments"), 303)
    return _adjustments_page(form=form)


@bp.post("/staff/adjustments/<int:adjustment_id>/approve")
@staff_required
@uow.serialised(*journal.LOCKS)
def approve(adjustment_id: int):
    form = DecisionForm()
    if txn_id := submit(form, lambda: corrections.approve(uow.session(), current_actor(), adjustment_id)):
        flash(_("调整已核准并记账：第%(id)d号凭证。", id=txn_id), "success")
        return redirect(url_for("ledger.adjustments"), 303)
    return _adjustments_page(decision=form)


@bp.post("/staff/adjustments/<int:adjustment_id>/reject")
@staff_required
def reject(adjustment_id: int):
    form = DecisionForm()
    if submit(form, lambda: corrections.reject(uow.session(), current_actor(), adjustment_id, form.note.data or "")):
        flash(_("调整已驳回。"), "success")
        return redirect(url_for("ledger.adjustments"), 303)
    return _adjustments_page(decision=form)


@bp.route("/staff/months", methods=["GET", "POST"])
@staff_required
@uow.serialised(*journal.LOCKS)
def months():
    form = CloseMonthForm()
    if closed := submit(form, lambda: corrections.close_month(uow.session(), current_actor(), form.month.data or "")):
        flash(_("%(month)s已结账。", month=closed.month), "success")
        return redirect(url_for("ledger.months"), 303)
    if request.method == "GET":  # the month just ended
        form.month.data = journal.month_of(clock.today().replace(day=1) - dt.timedelta(days=1))
    return render_form("ledger/months.html", form, closed=queries.closed_month_list(uow.session()))
