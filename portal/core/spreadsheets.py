"""Spreadsheets in and out: reading uploaded CSV (UTF-8 or GBK) and XLSX files, and exports (CSV
and XLSX) that cannot carry a formula someone typed into the portal.

A cell starting with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice ("CSV injection"). Text from users is therefore written as text: in CSV with a leading
apostrophe, in XLSX as a string cell (openpyxl would otherwise store it as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.errors import DomainError


@dataclass
class RowError:
    """One bad row of an uploaded file: its number as a spreadsheet shows it, the column, the reason."""

    row: int
    column: str
    message: str


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM (so Excel opens Chinese right), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] = (),
    *,
    formats: Mapping[int, str] | None = None,
    freeze_header: bool = False,
) -> bytes:
    """One sheet; strings are always string cells, never formulas. Numbers and dates given as such
    stay typed; formats maps a column index (from 0) to a number format; freeze_header keeps the
    first row in view."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze_header:
        sheet.freeze_panes = "A2"
    formats = formats or {}

    def cells(values, header_row=False):
        out = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif value is not None and index in formats:
                cell.number_format = formats[index]
            if header_row and freeze_header:
                cell.font = Font(bold=True)
            out.append(cell)
        return out

    sheet.append(cells(header, header_row=True))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class FileError(DomainError):
    """The file as a whole cannot be read (format, encoding, header)."""


def read_upload(file_storage, max_bytes: int) -> tuple[bytes, str]:
    """(bytes, file name) of an uploaded import file; DomainError on the file field when none or too big."""
    data = file_storage.stream.read(max_bytes + 1) if file_storage and file_storage.filename else b""
    if not data:
        raise DomainError(_("请选择要导入的文件。"), {"file": _("请选择要导入的文件。")})
    if len(data) > max_bytes:
        message = _("文件过大：不能超过 %(mb)s MB。", mb=f"{max_bytes / 1024 / 1024:g}")
        raise DomainError(message, {"file": message})
    return data, file_storage.filename


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030, detected."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(_("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV。"))


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number as in a spreadsheet, cells)]) from CSV or XLSX bytes."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    if not (name.endswith(".csv") or name.endswith(".txt") or not name):
        raise FileError(_("只支持 CSV 或 XLSX 文件。"))
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text))
    rows = [(i, [c.strip() for c in r]) for i, r in enumerate(reader, start=1)]
    rows = [(i, r) for i, r in rows if any(r)]
    if not rows:
        raise FileError(_("文件是空的。"))
    return rows[0][1], rows[1:]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileError(_("无法读取 XLSX 文件：%(e)s", e=type(exc).__name__)) from None
    sheet = workbook.worksheets[0]
    rows = []
    for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell(v) for v in row]
        if any(cells):
            rows.append((i, cells))
    workbook.close()
    if not rows:
        raise FileError(_("文件是空的。"))
    return rows[0][1], rows[1:]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) > 1e6:
        return str(int(value))  # a phone number or code stored as a number
    return str(value).strip()


def map_header(header: Sequence[str], headers: Mapping[str, str], required: Sequence[str]) -> dict[int, str]:
    """Column index -> input field for a header row, where headers maps (Chinese or English) titles to
    fields; FileError when a required column is missing or a field comes twice."""
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        key = headers.get(title.strip().lstrip("\ufeff").lower()) or headers.get(title.strip().lstrip("\ufeff"))
        if key is None:
            continue
        if key in mapping.values():
            raise FileError(_("表头“%(t)s”重复。", t=title))
        mapping[index] = key
    missing = [f for f in required if f not in mapping.values()]
    if missing:
        names = "、".join(column_title(headers, f) for f in missing)
        raise FileError(_("缺少必需的列：%(names)s。", names=names))
    return mapping


def column_title(headers: Mapping[str, str], field_name: str) -> str:
    """How a field's column is named in messages: its Chinese title and its English name."""
    for title, key in headers.items():
        if key == field_name and not title.isascii():
            return f"{title}/{field_name}"
    return field_name
