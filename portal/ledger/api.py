"""The scheme's API: bill deposits on packs; read balances and the statement.

``POST /api/v1/deposits`` takes a token with ``deposits:write`` (and honours ``Idempotency-Key``, as
every POST of the API does); the reads take ``ledger:read`` or a logged-in member or staff. Every
answer is about the caller's own enterprise (staff name one with ``enterprise_id``).
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.bodies import json_object, refuse_unknown
from portal.api.caller import caller
from portal.core import uow
from portal.core.actors import is_staff_reader
from portal.core.paging import paginate, parse_paging
from portal.errors import DomainError, Forbidden
from portal.ledger import api_schema, billing, journal, queries  # noqa: F401  (api_schema: the OpenAPI entries)


def deposit_item(deposit, code: str) -> dict:
    return {
        "code": code,
        "amount_fen": deposit.amount_fen,
        "paid_fen": deposit.paid_fen,
        "status": deposit.status,
        "billed_on": deposit.billed_on.isoformat(),
        "transaction_id": deposit.billed_txn_id,
    }


def statement_item(x: queries.StatementLine) -> dict:
    return {
        "transaction_id": x.transaction_id,
        "posted_on": x.posted_on.isoformat(),
        "type": x.kind,
        "account": x.account_code,
        "side": x.side,
        "amount_fen": x.amount_fen,
        "change_fen": x.change_fen,
        "code": x.pack_code or None,
        "reference": x.reference or None,
        "memo": x.memo or None,
        "reverses_id": x.reverses_id,
    }


@bp.post("/deposits")
@uow.serialised(*journal.LOCKS)
def bill_deposits():
    """Bill deposits: {"code": ...} for one pack, {"codes": [...]} for a batch (all or none)."""
    actor = caller("deposits:write")
    data = json_object()
    refuse_unknown(data, {"code", "codes"})
    batch = "codes" in data
    raw = data.get("codes") if batch else [data.get("code")]
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw) or (not batch and not raw[0]):
        field = "codes" if batch else "code"
        raise DomainError(_("请给出电池编码：code（一个）或 codes（数组）。"), {field: _("应为电池编码（字符串）。")})
    from portal.registry.codes import normalize

    made = billing.bill_deposits(uow.session(), actor, raw, batch=batch)
    items = [deposit_item(d, normalize(code)) for d, code in zip(made, raw, strict=True)]
    return jsonify(items=items, total_fen=sum(i["amount_fen"] for i in items)), 201


def _enterprise(actor) -> int:
    own = getattr(actor, "enterprise_id", None) if getattr(actor, "is_member", False) else None
    if own is not None:
        return own
    if not is_staff_reader(actor):
        raise Forbidden(_("只有会员单位和协会工作人员可以查看押金账户。"))
    raw = request.args.get("enterprise_id", "")
    if not raw.isdigit() or len(raw) > 12:
        raise DomainError(_("请用 enterprise_id 指定单位。"), {"enterprise_id": _("应为单位编号。")})
    return int(raw)


@bp.get("/ledger/balances")
def ledger_balances():
    """The caller's balances per account, and its deposits by state."""
    enterprise_id = _enterprise(caller("ledger:read"))
    session = uow.session()
    counts = queries.deposit_counts(session, enterprise_id)
    return jsonify(
        enterprise_id=enterprise_id,
        balances_fen=queries.balances(session, enterprise_id),
        deposits={status: {"packs": n, "fen": fen} for status, (n, fen) in counts.items()},
    )


@bp.get("/ledger/statement")
def ledger_statement():
    """The caller's statement lines, newest first; filters date_from, date_to, code, type; paged."""
    enterprise_id = _enterprise(caller("ledger:read"))
    filters = queries.parse_statement_filters(request.args)
    page, per_page = parse_paging(request.args)
    session = uow.session()
    result = paginate(session, queries.statement_query(session, enterprise_id, filters), page, per_page, scalars=False)
    return jsonify(
        items=[statement_item(x) for x in queries.statement_lines(session, result.items)],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )
