"""Bulk import (CSV in UTF-8 or GBK, or XLSX) and export (CSV with BOM, XLSX) of outlets.

Rows are upserted by outlet code, so importing the same file twice changes nothing. Every invalid
row is reported with its row number, outlet code, column, bad value and reason; by default nothing
is written when any row is invalid (``skip_invalid`` writes the valid ones). A written import leaves
one audit entry (whoever runs it: the upload page or ``flask outlets import``).

The upload page keeps the error report of a refused import for download as a small JSON file under
``PORTAL_DATA_DIR/import-reports``, named by a random token and readable only by the user who
uploaded; reports older than a day are removed when a new one is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import spreadsheets
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.core.spreadsheets import FileError, RowError, read_rows, read_upload, to_csv, to_xlsx  # noqa: F401
from portal.errors import DomainError
from portal.outlets import services, validation
from portal.outlets.models import Outlet

# header (Chinese or English, case-insensitive) -> OutletInput field
HEADERS = {
    "网点编号": "code",
    "code": "code",
    "网点名称": "name",
    "name": "name",
    "运营企业": "operator",
    "operator": "operator",
    "统一社会信用代码": "operator_credit_code",
    "operator_credit_code": "operator_credit_code",
    "城市": "city",
    "city": "city",
    "区县": "district",
    "district": "district",
    "详细地址": "address",
    "address": "address",
    "网点类型": "type",
    "type": "type",
    "联系人": "contact",
    "contact": "contact",
    "联系电话": "phone",
    "phone": "phone",
    "经度": "lon",
    "lon": "lon",
    "纬度": "lat",
    "lat": "lat",
    "状态": "status",
    "status": "status",
    "坐标系": "coordinate_system",
    "coordinate_system": "coordinate_system",
    "营业时间": "opening_hours",
    "opening_hours": "opening_hours",
    "贮存面积": "storage_area",
    "storage_area": "storage_area",
    "贮存能力": "capacity",
    "capacity": "capacity",
}
REQUIRED = ("code", "name", "operator", "city", "address", "type")
# error field name (from validation) -> input field (for finding the file's column)
FIELD_COLUMN = {"operator_name": "operator", "contact_name": "contact", "storage_area_m2": "storage_area"}
EXPORT_COLUMNS = [
    ("网点编号", "code"),
    ("网点名称", "name"),
    ("运营企业", "operator_name"),
    ("统一社会信用代码", "operator_credit_code"),
    ("城市", "city"),
    ("区县", "district"),
    ("详细地址", "address"),
    ("网点类型", "type"),
    ("联系人", "contact_name"),
    ("联系电话", "phone"),
    ("经度", "lon"),
    ("纬度", "lat"),
    ("状态", "status"),
    ("营业时间", "opening_hours"),
    ("贮存面积", "storage_area_m2"),
    ("贮存能力", "capacity_t"),
    ("最近核查日期", "last_verified_on"),
]
DISTANCE_TITLE = "距离（公里）"
# column widths in characters (a CJK character counts about two)
EXPORT_WIDTHS = {
    DISTANCE_TITLE: 12,
    "网点编号": 12,
    "网点名称": 40,
    "运营企业": 34,
    "统一社会信用代码": 22,
    "城市": 9,
    "区县": 14,
    "详细地址": 42,
    "网点类型": 12,
    "联系人": 10,
    "联系电话": 16,
    "经度": 12,
    "纬度": 11,
    "状态": 9,
    "营业时间": 20,
    "贮存面积": 10,
    "贮存能力": 10,
    "最近核查日期": 14,
}
EXPORT_FORMATS = {
    DISTANCE_TITLE: "0.00",
    "经度": "0.000000",
    "纬度": "0.000000",
    "贮存面积": "0.##",
    "贮存能力": "0.##",
    "最近核查日期": "yyyy-mm-dd",
}
COMPARED = (*services.VALUE_FIELDS,)
# input field -> its Chinese column title (how the template names it and the error report shows it)
ZH_TITLES = {key: title for title, key in HEADERS.items() if not title.isascii()}
TEMPLATE_HEADER = [title for title in HEADERS if not title.isascii()]
# one row that imports cleanly (a collection outlet in Jinan, WGS-84 coordinates)
TEMPLATE_EXAMPLE = {
    "code": "SD-JN-0001",
    "name": "济南历下示例回收服务网点",
    "operator": "示例新能源汽车销售服务有限公司",
    "operator_credit_code": "",
    "city": "济南",
    "district": "历下区",
    "address": "济南市历下区经十路1号",
    "type": "收集型",
    "contact": "张三",
    "phone": "0531-88888888",
    "lon": "117.0210",
    "lat": "36.6510",
    "status": "待核查",
    "coordinate_system": "WGS-84",
    "opening_hours": "08:30-17:30",
    "storage_area": "50",
    "capacity": "5",
}
REPORT_HEADER = ["行号", "网点编号", "列", "错误值", "原因"]
REPORT_WIDTHS = [8, 16, 14, 30, 60]
REPORT_MAX_ERRORS = 50_000  # a 20 MB file could give millions; the first 50,000 are enough to fix it
REPORT_MAX_AGE_S = 24 * 3600
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
PROGRESS_EVERY = 500  # rows between two progress reports
# The upload page imports in its request: 10,000 rows take about 6 s to validate and write (bench/run.py;
# the index follows in the search follower), so this many stay well inside a proxy's 60 s time-out; larger
# files are split or imported with the command.
WEB_MAX_ROWS = 20_000
Progress = Callable[[str, int, int], None]  # fn(phase, done, total)


@dataclass
class OutletRowError(RowError):
    """A bad row of an outlet import, with the outlet code it gives and the bad cell's value."""

    code: str = ""
    value: str = ""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[OutletRowError] = field(default_factory=list)
    written: bool = False
    filename: str = ""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected


def map_header(header: list[str]) -> dict[int, str]:
    """Column index -> input field; FileError when a required column is missing or repeated."""
    return spreadsheets.map_header(header, HEADERS, REQUIRED)


def _column_title(field_name: str) -> str:
    return spreadsheets.column_title(HEADERS, field_name)


def import_outlets(
    session: Session,
    data: bytes,
    filename: str,
    *,
    actor,
    skip_invalid: bool = False,
    coordinate_system: str = "wgs84",
    is_demo: bool = False,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> ImportReport:
    """Validate every row, then upsert by code through the outlet services (all or nothing unless skip_invalid).

    ``progress(phase, done, total)`` is told how far each phase is: "reading" (0 of 1, then 1 of 1),
    "validating" and "writing" (rows done of rows, every PROGRESS_EVERY rows and at the end)."""
    tell = progress or _silent
    members, existing = services.start_import(session, actor)
    tell("reading", 0, 1)
    header, rows = read_rows(data, filename)
    if max_rows is not None and len(rows) > max_rows:
        raise FileError(
            _(
                "文件有 %(n)d 行数据，网页导入每次最多 %(max)d 行。请把文件分成几个较小的文件分别导入，"
                "或请管理员用命令 flask outlets import 导入。",
                n=len(rows),
                max=max_rows,
            )
        )
    tell("reading", 1, 1)
    report = ImportReport(filename=filename)
    valid = _validated(session, header, rows, members, coordinate_system, report, tell)
    if report.errors and not skip_invalid:
        return report
    created = []
    for done, values in enumerate(valid, start=1):
        outcome = services.import_row(session, actor, values, existing, is_demo=is_demo)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "created":
            created.append(existing[values["code"]])
        if done % PROGRESS_EVERY == 0 or done == len(valid):
            services.queue_new(session, created)  # one flush per batch, not one per new outlet
            created = []
            tell("writing", done, len(valid))
    counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    services.record_import(session, actor, filename, {**counts, "rejected": report.rejected})
    session.flush()
    report.written = True
    return report


def _silent(phase: str, done: int, total: int) -> None:
    return None


def _validated(
    session: Session, header, rows, members: dict[str, int], coordinate_system: str, report, tell: Progress = _silent
) -> list[dict]:
    """The clean values of every valid row; each invalid row is counted and its errors reported."""
    mapping = map_header(header)
    seen: dict[str, int] = {}
    valid: list[dict] = []
    for checked, (number, cells) in enumerate(rows, start=1):
        if checked % PROGRESS_EVERY == 0:
            tell("validating", checked - 1, len(rows))
        raw = {key: (cells[i] if i < len(cells) else "") for i, key in mapping.items()}
        raw["coordinate_system"] = raw.get("coordinate_system") or coordinate_system
        try:
            values = validation.validate(session, validation.OutletInput(**raw), members_by_code=members)
        except DomainError as err:
            report.rejected += 1
            for name, message in err.fields.items():
                key = FIELD_COLUMN.get(name, name)
                column = ZH_TITLES.get(key, key)
                report.errors.append(OutletRowError(number, column, message, raw["code"], raw.get(key, "")))
            continue
        if values["code"] in seen:
            report.rejected += 1
            message = _("网点编号与第%(n)d行重复。", n=seen[values["code"]])
            report.errors.append(OutletRowError(number, ZH_TITLES["code"], message, raw["code"], raw["code"]))
            continue
        seen[values["code"]] = number
        valid.append(values)
    tell("validating", len(rows), len(rows))
    return valid


def _export_value(outlet: Outlet, attr: str, typed: bool = False):
    """A cell of the export: labels for codes; with typed, numbers and dates stay numbers and dates."""
    value = getattr(outlet, attr)
    if attr == "city":
        return CITIES.label(value, "zh")
    if attr == "type":
        return OUTLET_TYPES.label(value, "zh")
    if attr == "status":
        return OUTLET_STATES.label(value, "zh")
    if value is None:
        return None if typed else ""
    if typed and isinstance(value, (int, float, dt.date)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _export_rows(outlets: Iterable[Outlet], distances: Mapping[int, float] | None, typed: bool):
    for o in outlets:
        row = [_export_value(o, attr, typed) for _title, attr in EXPORT_COLUMNS]
        if distances is not None:
            km = distances.get(o.id)
            km = None if km is None else round(km, 2)
            row.insert(0, km if typed or km is None else f"{km:.2f}")
        yield row


def _export_header(distances) -> list[str]:
    header = [title for title, _attr in EXPORT_COLUMNS]
    return [DISTANCE_TITLE, *header] if distances is not None else header


def export_csv(outlets: Iterable[Outlet], distances: Mapping[int, float] | None = None) -> bytes:
    """UTF-8 with BOM and Chinese headers, so Excel opens it right; with distances, a first column in km."""
    return to_csv(_export_header(distances), _export_rows(outlets, distances, typed=False))


def export_xlsx(outlets: Iterable[Outlet], distances: Mapping[int, float] | None = None) -> bytes:
    """One sheet with column widths and a frozen header; coordinates, areas and distances are numbers,
    the verification date a date; with distances, a first column in km."""
    header = _export_header(distances)
    widths = [EXPORT_WIDTHS.get(title, 12) for title in header]
    formats = {i: EXPORT_FORMATS[title] for i, title in enumerate(header) if title in EXPORT_FORMATS}
    rows = _export_rows(outlets, distances, typed=True)
    return to_xlsx("回收服务网点", header, rows, widths=widths, formats=formats, freeze_header=True)


def template_csv() -> bytes:
    """The import template as CSV: every accepted column under its Chinese title, one example row."""
    return to_csv(TEMPLATE_HEADER, [[TEMPLATE_EXAMPLE[HEADERS[t]] for t in TEMPLATE_HEADER]])


def template_xlsx() -> bytes:
    """The import template as XLSX (text cells, so codes and phone numbers keep their form)."""
    widths = [EXPORT_WIDTHS.get(title, 12) for title in TEMPLATE_HEADER]
    rows = [[TEMPLATE_EXAMPLE[HEADERS[t]] for t in TEMPLATE_HEADER]]
    return to_xlsx("网点导入模板", TEMPLATE_HEADER, rows, widths=widths, freeze_header=True)


def _reports_dir() -> Path:
    return Path(current_app.config["PORTAL_DATA_DIR"]) / "import-reports"


def save_error_report(owner_id: int, report: ImportReport) -> str:
    """Keep a refused import's errors for its uploader to download; returns the report's random token."""
    folder = _reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - REPORT_MAX_AGE_S
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    errors = report.errors[:REPORT_MAX_ERRORS]
    stored = {
        "owner": owner_id,
        "file": report.filename,
        "errors": [[e.row, e.code, e.column, e.value, e.message] for e in errors],
        "omitted": len(report.errors) - len(errors),
    }
    token = secrets.token_hex(16)
    (folder / f"{token}.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    return token


def load_error_report(token: str, owner_id: int) -> dict | None:
    """The stored error report of token when owner_id uploaded it (and it has not expired), else None."""
    path = _reports_dir() / f"{token}.json"
    if not TOKEN_RE.match(token) or not path.is_file():
        return None
    if path.stat().st_mtime < time.time() - REPORT_MAX_AGE_S:
        return None
    stored = json.loads(path.read_text(encoding="utf-8"))
    return stored if stored.get("owner") == owner_id else None


def _report_rows(stored: dict) -> list[list]:
    rows = list(stored["errors"])
    if stored.get("omitted"):
        rows.append(["", "", "", "", f"另有 {stored['omitted']} 处错误未列出，请修改上述错误后重新导入。"])
    return rows


def error_report_csv(stored: dict) -> bytes:
    """A stored error report as CSV (row, outlet code, column, bad value, reason), formula-safe."""
    return to_csv(REPORT_HEADER, _report_rows(stored))


def error_report_xlsx(stored: dict) -> bytes:
    """A stored error report as XLSX, every cell text."""
    rows = [[str(v) for v in row] for row in _report_rows(stored)]
    return to_xlsx("导入错误报告", REPORT_HEADER, rows, widths=REPORT_WIDTHS, freeze_header=True)


def report_filename(stored: dict, fmt: str) -> str:
    """The download name of an error report: the uploaded file's stem (ASCII only) and -errors."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "", Path(stored.get("file") or "").stem)[:60] or "outlets"
    return f"{stem}-errors.{fmt}"
