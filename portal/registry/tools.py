"""The public battery-code checker page /tools/battery-code (GET, so a result can be shared as a link)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from portal.registry import codes

tools_bp = Blueprint("registry_tools", __name__)

MAX_LINES = 500


@dataclass(frozen=True)
class LineResult:
    """One submitted line: what was typed, the check and its decoded rows."""

    typed: str
    result: codes.CodeCheck
    segments: list[codes.Segment]


def code_lines(text: str) -> list[str]:
    """The submitted codes, one a line; lines that are empty once normalised are left out."""
    return [line.strip() for line in (text or "").splitlines() if codes.normalize(line)]


@tools_bp.get("/tools/battery-code")
def battery_code():
    text = request.args.get("codes", "")
    lines = code_lines(text)
    if len(lines) > MAX_LINES:
        error = _("一次最多校验%(max)d个编码（每行一个），您提交了%(n)d个，请分批校验。", max=MAX_LINES, n=len(lines))
        return render_template("registry/code_tool.html", text=text, results=[], error=error, max_lines=MAX_LINES), 422
    results = []
    for line in lines:
        result = codes.check(line)
        results.append(LineResult(line, result, codes.segments(result)))
    return render_template("registry/code_tool.html", text=text, results=results, error=None, max_lines=MAX_LINES)
