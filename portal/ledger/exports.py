"""Spreadsheets in and out of the scheme's pages: the statement as CSV, XLSX and PDF values; billing by file.

Exports write through ``portal.core.spreadsheets`` (formula-safe); the PDF gets plain values only.
A billing file goes through ``billing.bill_deposits`` in one call, all or nothing, and its refusal is
reported row by row as the registry's uploads are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import clock, spreadsheets
from portal.core.money import format_fen
from portal.core.spreadsheets import FileError, RowError
from portal.documents import register
from portal.documents.kinds import register_kind
from portal.documents.qr import qr_data_uri
from portal.errors import DomainError
from portal.ledger import accounts, billing, queries

MAX_EXPORT = 50_000
UPLOAD_HEADERS = {"电池编码": "code", "电池包编码": "code", "编码": "code", "code": "code"}

STATEMENT_HEADER = (
    "凭证号",
    "记账日期",
    "业务类型",
    "账户",
    "账户代码",
    "借/贷",
    "金额（元）",
    "余额变动（元）",
    "电池编码",
    "银行流水号",
    "摘要",
    "冲销凭证号",
)


def statement_lines(session: Session, enterprise_id: int | None, filters: queries.StatementFilters):
    """Every line the filters select (up to MAX_EXPORT), as the statement shows them."""
    query = queries.statement_query(session, enterprise_id, filters).limit(MAX_EXPORT)
    return queries.statement_lines(session, session.execute(query))


def statement_rows(lines: Sequence[queries.StatementLine]) -> list[list]:
    return [
        [
            x.transaction_id,
            x.posted_on.isoformat(),
            accounts.KINDS.label(x.kind, "zh"),
            accounts.ACCOUNT_KINDS.label(x.account_kind, "zh"),
            x.account_code,
            "借" if x.side == "D" else "贷",
            format_fen(x.amount_fen),
            format_fen(x.change_fen),
            x.pack_code,
            x.reference,
            x.memo,
            x.reverses_id or "",
        ]
        for x in lines
    ]


def statement_file(lines: Sequence[queries.StatementLine], fmt: str) -> tuple[bytes, str]:
    """(bytes, mimetype) of the statement as csv or xlsx."""
    rows = statement_rows(lines)
    if fmt == "csv":
        return spreadsheets.to_csv(STATEMENT_HEADER, rows), "text/csv"
    widths = (8, 12, 14, 14, 24, 6, 14, 14, 28, 20, 30, 10)
    data = spreadsheets.to_xlsx("押金对账单", STATEMENT_HEADER, rows, widths)
    return data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_context(
    name: str, filters: queries.StatementFilters, balances: dict[str, int], lines: Sequence[queries.StatementLine]
) -> dict:
    """Plain values (strings and numbers) for templates/pdf/ledger_statement.html."""
    return {
        "name": name,
        "printed_at": clock.format_datetime(clock.now()),
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
        "code": filters.code,
        "kind": accounts.KINDS.label(filters.kind, "zh") if filters.kind else "",
        "balances": [
            {"label": accounts.ACCOUNT_KINDS.label(kind, "zh"), "yuan": format_fen(fen)}
            for kind, fen in balances.items()
        ],
        "lines": [
            {
                "id": x.transaction_id,
                "posted_on": x.posted_on.isoformat(),
                "kind": accounts.KINDS.label(x.kind, "zh"),
                "account": accounts.ACCOUNT_KINDS.label(x.account_kind, "zh"),
                "side": "借" if x.side == "D" else "贷",
                "change": format_fen(x.change_fen),
                "code": x.pack_code,
                "reference": x.reference,
            }
            for x in lines
        ],
        "total_lines": len(lines),
    }


STATEMENT_KIND = "ledger_statement"
register_kind(STATEMENT_KIND, "押金对账单", "Deposit statement", "ZD")


def number_statement(session: Session, actor, enterprise_id: int, context: dict) -> dict:
    """The statement's context with its register number and QR code; the same content keeps its number."""
    content = {key: value for key, value in context.items() if key != "printed_at"}
    fingerprint = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    period = f"{context['date_from'] or '开始'} 至 {context['date_to'] or '今'}"
    document = register.issue(
        session,
        actor,
        kind=STATEMENT_KIND,
        subject_type="enterprise",
        subject_id=enterprise_id,
        holder_name=context["name"],
        shown={"单位": context["name"], "期间": period, "行数": str(context["total_lines"])},
        fingerprint=fingerprint,
    )
    url = register.verify_url(document.number)
    return {**context, "document_number": document.number, "verify_url": url, "qr": qr_data_uri(url)}


# --- billing from pasted codes or a file ----------------------------------------------------------


@dataclass
class BillReport:
    """What a billing form did: packs billed and their total, or the errors (then nothing was written)."""

    rows: int = 0
    billed: int = 0
    total_fen: int = 0
    errors: list[RowError] = field(default_factory=list)


def codes_of_text(text: str) -> list[tuple[int, str]]:
    """(line number, code) for each non-empty line of pasted codes."""
    return [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]


def codes_of_file(data: bytes, filename: str) -> list[tuple[int, str]]:
    """(row number, code) of a CSV or XLSX with a 电池编码 column; DomainError on the file field."""
    try:
        header, rows = spreadsheets.read_rows(data, filename)
        mapping = spreadsheets.map_header(header, UPLOAD_HEADERS, ("code",))
    except FileError as err:
        raise DomainError(err.message, {"file": err.message}) from err
    column = next(i for i, name in mapping.items() if name == "code")
    found = [(number, cells[column] if column < len(cells) else "") for number, cells in rows]
    if not found:
        raise DomainError(_("文件中没有数据行。"), {"file": _("文件中没有数据行。")})
    return found


def bill(session: Session, actor, numbered: list[tuple[int, str]], column: str) -> BillReport:
    """Bill the packs of numbered codes, all or none; a refusal is reported by row (line) number."""
    if not numbered:
        raise DomainError(_("请填写电池包编码或上传文件。"), {"codes": _("至少需要一个电池编码。")})
    if len(numbered) > billing.MAX_BATCH:
        message = _("一次最多计收%(n)d个电池包。", n=billing.MAX_BATCH)
        raise DomainError(message, {"codes": message})
    report = BillReport(rows=len(numbered))
    try:
        made = billing.bill_deposits(session, actor, [code for _n, code in numbered], batch=True)
    except DomainError as err:
        if not err.fields or not any(k.startswith("items.") for k in err.fields):
            raise
        for key, message in err.fields.items():
            parts = key.split(".")
            number = numbered[int(parts[1])][0] if parts[0] == "items" and parts[1].isdigit() else 0
            report.errors.append(RowError(number, column, message))
        report.errors.sort(key=lambda e: e.row)
        return report
    report.billed, report.total_fen = len(made), sum(d.amount_fen for d in made)
    return report
