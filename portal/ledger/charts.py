"""The scheme's monthly chart, drawn on the server as inline SVG (no script, nothing fetched).

A pure function of the ``queries.monthly`` rows, drawn at a fixed size (a phone scrolls it sideways):
deposits billed are bars (one per month), payments, refunds, payouts and forfeitures are lines.
Every text is escaped; colours are presentation attributes, so the page's Content-Security-Policy
(no inline styles) is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from portal.core.money import format_fen

BAR = "bill"
LINES = (("payment", "#1f77b4"), ("refund", "#2ca02c"), ("payout", "#9467bd"), ("forfeit", "#d62728"))
BAR_COLOUR = "#0b6e4f"
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 16, 72


def _nice_max(value: int) -> int:
    """A round top for the axis, at least the value (fen), never 0."""
    if value <= 0:
        return 100
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if factor * step >= value:
            return factor * step
    return 10 * step  # pragma: no cover - the loop above always returns


def monthly_chart(rows: Sequence[Mapping], labels: Mapping[str, str] | None = None, title: str = "") -> str:
    """An SVG string: for each month (``row["month"]``) a bar of deposits billed and a point on each line."""
    labels = dict(labels or {})
    series = [BAR, *(kind for kind, _c in LINES)]
    top = _nice_max(max((int(row.get(kind, 0) or 0) for row in rows for kind in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(rows), 1)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * max(int(value or 0), 0) / top

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label={quoteattr(title or labels.get(BAR, BAR))} class="ledger-chart">',
        f"<title>{escape(title)}</title>" if title else "",
    ]
    for step in range(5):  # the axis: 0, a quarter ... the top, in yuan
        value = top * step // 4
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5b6770">{escape(format_fen(value))}</text>'
        )
    for index, row in enumerate(rows):
        value = int(row.get(BAR, 0) or 0)
        x = LEFT + index * slot + slot * 0.2
        tip = f"{row.get('month', '')} {labels.get(BAR, BAR)} {format_fen(value)}"
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y(value):.1f}" width="{slot * 0.6:.1f}" '
            f'height="{TOP + plot_h - y(value):.1f}" fill="{BAR_COLOUR}"><title>{escape(tip)}</title></rect>'
        )
        out.append(
            f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
            f'font-size="11" fill="#1d2327">{escape(str(row.get("month", ""))[2:])}</text>'
        )
    for kind, colour in LINES:
        points = " ".join(
            f"{LEFT + i * slot + slot / 2:.1f},{y(int(row.get(kind, 0) or 0)):.1f}" for i, row in enumerate(rows)
        )
        if points:
            out.append(f'<polyline class="line" points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    legend_y = HEIGHT - 20
    for index, (kind, colour) in enumerate(((BAR, BAR_COLOUR), *LINES)):
        x = LEFT + index * 132
        out.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{legend_y + 2}" font-size="12" fill="#1d2327">'
            f"{escape(labels.get(kind, kind))}</text>"
        )
    out.append("</svg>")
    return "".join(out)
