"""Bulk upload (CSV in UTF-8 or GBK, or XLSX) of batteries or events, and the export of a member's events.

An upload goes through the same services as the API, in chunks of 1,000 within one transaction: every
bad row is reported with its row number, column and reason, and nothing is written when any row is
bad. Progress is recorded after each chunk (portal.core.progress) for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import clock, progress, spreadsheets
from portal.core.spreadsheets import FileError, RowError
from portal.errors import DomainError
from portal.registry import events, services
from portal.registry.lifecycle import CHEMISTRIES, EVENTS, RECOVERED_METALS, STATES

CHUNK = services.MAX_BATCH
MAX_ROWS = 100_000

BATTERY_HEADERS = {
    "电池编码": "code",
    "编码": "code",
    "code": "code",
    "额定能量": "rated_capacity_kwh",
    "额定能量(kwh)": "rated_capacity_kwh",
    "额定能量（kwh）": "rated_capacity_kwh",
    "rated_capacity_kwh": "rated_capacity_kwh",
    "质量": "mass_kg",
    "质量(kg)": "mass_kg",
    "质量（kg）": "mass_kg",
    "mass_kg": "mass_kg",
    "所属电池编码": "pack_code",
    "pack_code": "pack_code",
    "vin": "vin",
    "车辆识别代号": "vin",
    "化学体系": "chemistry",
    "chemistry": "chemistry",
    "原电池编码": "source_codes",
    "source_codes": "source_codes",
}
BATTERY_REQUIRED = ("code", "rated_capacity_kwh", "mass_kg")

EVENT_HEADERS = {
    "电池编码": "code",
    "code": "code",
    "事件": "event",
    "event": "event",
    "发生时间": "occurred_at",
    "occurred_at": "occurred_at",
    "网点编码": "outlet_code",
    "outlet_code": "outlet_code",
    "地点": "site",
    "site": "site",
    "对方统一社会信用代码": "counterparty_credit_code",
    "counterparty_credit_code": "counterparty_credit_code",
    "对方名称": "counterparty_name",
    "counterparty_name": "counterparty_name",
    "凭证单据": "evidence_document",
    "evidence_document": "evidence_document",
    "vin": "vin",
    "车辆识别代号": "vin",
    "回收锂(kg)": "recovered_li",
    "回收锂（kg）": "recovered_li",
    "recovered_li_kg": "recovered_li",
    "回收镍(kg)": "recovered_ni",
    "回收镍（kg）": "recovered_ni",
    "recovered_ni_kg": "recovered_ni",
    "回收钴(kg)": "recovered_co",
    "回收钴（kg）": "recovered_co",
    "recovered_co_kg": "recovered_co",
    "回收锰(kg)": "recovered_mn",
    "回收锰（kg）": "recovered_mn",
    "recovered_mn_kg": "recovered_mn",
    "备注": "note",
    "note": "note",
    "更正事件id": "corrects_event_id",
    "corrects_event_id": "corrects_event_id",
}
EVENT_REQUIRED = ("code", "event", "occurred_at")


@dataclass
class UploadReport:
    kind: str
    rows: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)


def _battery_input(values: dict) -> services.BatteryInput:
    sources = tuple(
        s for s in values.get("source_codes", "").replace("；", ";").replace(",", ";").split(";") if s.strip()
    )
    return services.BatteryInput(
        code=values.get("code", ""),
        rated_capacity_kwh=values.get("rated_capacity_kwh"),
        mass_kg=values.get("mass_kg"),
        pack_code=values.get("pack_code") or None,
        vin=values.get("vin") or None,
        chemistry=values.get("chemistry") or None,
        source_codes=sources,
    )


def _event_input(values: dict) -> services.EventInput:
    recovered = None
    if any(values.get(f"recovered_{m}") for m in RECOVERED_METALS):
        recovered = {m: values.get(f"recovered_{m}", "") for m in RECOVERED_METALS}
    corrects = values.get("corrects_event_id", "").strip()
    return services.EventInput(
        code=values.get("code", ""),
        event=EVENTS.parse(values.get("event", "")) or values.get("event", ""),
        occurred_at=values.get("occurred_at", ""),
        outlet_code=values.get("outlet_code") or None,
        site=values.get("site", ""),
        counterparty_credit_code=values.get("counterparty_credit_code") or None,
        counterparty_name=values.get("counterparty_name") or None,
        evidence_document=values.get("evidence_document", ""),
        vin=values.get("vin") or None,
        recovered_kg=recovered,
        note=values.get("note", ""),
        corrects_event_id=(int(corrects) if corrects.isdigit() else -1) if corrects else None,
    )


def upload(
    session: Session, actor, data: bytes, filename: str, kind: str, *, progress_id: str | None = None
) -> UploadReport:
    """Register the batteries or report the events of a file, all or nothing; returns the report."""
    if kind not in ("batteries", "events"):
        raise DomainError(_("请选择文件内容：电池登记或溯源事件。"), {"kind": _("请选择文件内容。")})
    headers, required = (BATTERY_HEADERS, BATTERY_REQUIRED) if kind == "batteries" else (EVENT_HEADERS, EVENT_REQUIRED)
    try:
        header, rows = spreadsheets.read_rows(data, filename)
        mapping = spreadsheets.map_header(header, headers, required)
    except FileError as err:
        raise DomainError(err.message, {"file": err.message}) from err
    if len(rows) > MAX_ROWS:
        message = _("一个文件最多%(n)d行。", n=MAX_ROWS)
        raise DomainError(message, {"file": message})
    if not rows:
        raise DomainError(_("文件中没有数据行。"), {"file": _("文件中没有数据行。")})
    to_input: Callable = _battery_input if kind == "batteries" else _event_input
    inputs = [
        (number, to_input({mapping[i]: c for i, c in enumerate(cells) if i in mapping})) for number, cells in rows
    ]
    report = UploadReport(kind=kind, rows=len(inputs))
    for start in range(0, len(inputs), CHUNK):
        chunk = inputs[start : start + CHUNK]
        try:
            if kind == "batteries":
                done = services.register_batteries(session, actor, [i for _n, i in chunk])
            else:
                done = events.report_events(session, actor, [i for _n, i in chunk])
            report.written += len(done)
        except DomainError as err:
            _collect(report, err, chunk, headers)
        progress.update(progress_id, done=min(start + CHUNK, len(inputs)), total=len(inputs), phase=kind)
    if report.errors:
        report.written = 0  # the caller's unit of work rolls back: nothing of the file is kept
    return report


def _collect(report: UploadReport, err: DomainError, chunk, headers) -> None:
    if not err.fields:
        report.errors.append(RowError(chunk[0][0], "", err.message))
        return
    for key, message in err.fields.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) >= 3 and parts[1].isdigit():
            number = chunk[int(parts[1])][0]
            report.errors.append(RowError(number, spreadsheets.column_title(headers, _column_of(parts[2])), message))
        else:
            report.errors.append(RowError(chunk[0][0], key, message))


def _column_of(name: str) -> str:
    return {"recovered_kg": "recovered_li"}.get(name, name)


EXPORT_COLUMNS = [
    ("事件ID", "event_id"),
    ("电池编码", "code"),
    ("产品类型", "product_type"),
    ("电池类型代码", "battery_type"),
    ("化学体系", "chemistry"),
    ("事件代码", "event"),
    ("事件", "event_label"),
    ("发生时间（北京时间）", "occurred_at"),
    ("报送时间（北京时间）", "reported_at"),
    ("报送方", "reporter"),
    ("网点编码", "outlet_code"),
    ("地点", "site"),
    ("对方名称", "counterparty_name"),
    ("对方统一社会信用代码", "counterparty_credit_code"),
    ("对方为会员单位", "counterparty_member"),
    ("对方信息由报送方记录", "counterparty_by_reporter"),
    ("凭证单据", "evidence_document"),
    ("原状态", "from_state"),
    ("新状态", "to_state"),
    ("VIN", "vin"),
    ("回收锂(kg)", "li"),
    ("回收镍(kg)", "ni"),
    ("回收钴(kg)", "co"),
    ("回收锰(kg)", "mn"),
    ("报送期限（工作日）", "deadline"),
    ("用时（工作日）", "taken"),
    ("超期（工作日）", "late"),
    ("更正的事件ID", "corrects_event_id"),
    ("移交状态", "transfer_state"),
    ("备注", "note"),
]


def export_rows(session: Session, enterprise_id: int) -> list[list]:
    """Every field of every event the member reported or that concerns a battery it holds or held."""
    from portal.registry import queries

    rows_ = session.execute(queries.events_for_export(session, enterprise_id)).all()
    outlets = queries.outlet_names(session, {e.outlet_id for e, _b in rows_ if e.outlet_id})
    transfer_state = _transfer_states(session, [e.id for e, _b in rows_])
    out = []
    for e, b in rows_:
        out.append(
            [
                e.id,
                b.code,
                b.product_type,
                b.battery_type,
                CHEMISTRIES.label(b.chemistry, "zh"),
                e.event,
                EVENTS.label(e.event, "zh"),
                clock.format_datetime(e.occurred_at),
                clock.format_datetime(e.reported_at),
                e.reporter_label,
                outlets.get(e.outlet_id, ("", ""))[0] if e.outlet_id else "",
                e.site,
                e.counterparty_name,
                e.counterparty_credit_code,
                ("是" if e.counterparty_enterprise_id else "否") if e.counterparty_name else "",
                "是" if e.counterparty_by_reporter else "",
                e.evidence_document,
                STATES.label(e.from_state, "zh") if e.from_state else "",
                STATES.label(e.to_state, "zh"),
                e.vin or "",
                *(_plain(getattr(e, f"recovered_{m}_kg")) for m in RECOVERED_METALS),
                e.deadline_working_days if e.deadline_working_days is not None else "",
                e.working_days_taken if e.working_days_taken is not None else "",
                e.late_by_working_days,
                e.corrects_event_id or "",
                transfer_state.get(e.id, ""),
                e.note,
            ]
        )
    return out


def _transfer_states(session: Session, event_ids: list[int]) -> dict[int, str]:
    """dispatch event id -> its transfer's state (pending, confirmed, refused)."""
    from sqlalchemy import select

    from portal.registry.models import BatteryTransfer

    found: dict[int, str] = {}
    for start in range(0, len(event_ids), 900):
        chunk = event_ids[start : start + 900]
        stmt = select(BatteryTransfer.dispatch_event_id, BatteryTransfer.state).where(
            BatteryTransfer.dispatch_event_id.in_(chunk)
        )
        found.update(dict(session.execute(stmt).all()))
    return found


def _plain(value):
    return "" if value is None else float(value)


def export_csv(session: Session, enterprise_id: int) -> bytes:
    return spreadsheets.to_csv([t for t, _k in EXPORT_COLUMNS], export_rows(session, enterprise_id))


def export_xlsx(session: Session, enterprise_id: int) -> bytes:
    return spreadsheets.to_xlsx(_("溯源事件"), [t for t, _k in EXPORT_COLUMNS], export_rows(session, enterprise_id))
