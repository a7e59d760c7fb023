"""A project's timeline drawn on the server as inline SVG (no script, nothing fetched), in the
house style of ledger/charts.py: fixed size, every text escaped, colours as presentation attributes
(the Content-Security-Policy allows no inline styles).

One row per milestone: a hollow circle at its due date (planned), a filled one where it was met, a
red bar from the due date to today while it is late; the planned period as a band; today as a line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from portal.core import clock

WIDTH = 760
LEFT, RIGHT, TOP, ROW = 200, 24, 40, 30
PLANNED, MET, LATE, TODAY, AXIS = "#1f77b4", "#0b6e4f", "#d62728", "#b26b00", "#d0d7de"


def _span(dates: Sequence[dt.date]) -> tuple[dt.date, dt.date]:
    first, last = min(dates), max(dates)
    if (last - first).days < 30:
        last = first + dt.timedelta(days=30)
    return dt.date(first.year, first.month, 1), last + dt.timedelta(days=15)


def timeline(
    milestones: Sequence[Mapping],
    planned_start: dt.date | None,
    planned_end: dt.date | None,
    title: str = "",
    today: dt.date | None = None,
) -> str:
    """An SVG string of the milestones (name, due_on, completed_on, late) against the planned period."""
    today = today or clock.today()
    dates = [today, *(d for d in (planned_start, planned_end) if d)]
    for m in milestones:
        dates.append(m["due_on"])
        if m.get("completed_on"):
            dates.append(m["completed_on"])
    start, end = _span(dates)
    height = TOP + ROW * max(len(milestones), 1) + 46
    plot_w = WIDTH - LEFT - RIGHT
    days = (end - start).days

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - start).days / days

    label = title or "项目时间轴"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label={quoteattr(label)} class="project-timeline">',
        f"<title>{escape(label)}</title>",
    ]
    bottom = height - 40
    if planned_start and planned_end:
        out.append(
            f'<rect class="planned-period" x="{x(planned_start):.1f}" y="{TOP - 14}" '
            f'width="{max(x(planned_end) - x(planned_start), 1):.1f}" height="{bottom - TOP + 14}" fill="#eef4fb">'
            f"<title>{escape(f'计划周期 {planned_start.isoformat()} 至 {planned_end.isoformat()}')}</title></rect>"
        )
    year, month = start.year, start.month  # a tick on the first of each quarter
    while dt.date(year, month, 1) <= end:
        tick = dt.date(year, month, 1)
        if month in (1, 4, 7, 10):
            out.append(
                f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP - 14}" y2="{bottom}" stroke="{AXIS}"/>'
                f'<text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11" fill="#5b6770">'
                f"{tick.strftime('%Y-%m')}</text>"
            )
        month += 1
        if month == 13:
            year, month = year + 1, 1
    if not milestones:
        out.append(f'<text x="{LEFT}" y="{TOP + 14}" font-size="13" fill="#5b6770">{escape("尚未设置里程碑")}</text>')
    for index, m in enumerate(milestones):
        y = TOP + index * ROW + ROW / 2
        due, done = m["due_on"], m.get("completed_on")
        name = str(m["name"])
        out.append(
            f'<text x="{LEFT - 10}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="#1d2327">'
            f"{escape(name if len(name) <= 14 else name[:13] + '…')}</text>"
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AXIS}" stroke-dasharray="2 3"/>'
        )
        if m.get("late"):
            out.append(
                f'<rect class="late" x="{x(due):.1f}" y="{y - 4:.1f}" width="{max(x(today) - x(due), 2):.1f}" '
                f'height="8" fill="{LATE}"><title>{escape(f"{name} 已逾期（计划 {due.isoformat()}）")}</title></rect>'
            )
        out.append(
            f'<circle class="planned" cx="{x(due):.1f}" cy="{y:.1f}" r="6" fill="#fff" stroke="{PLANNED}" '
            f'stroke-width="2"><title>{escape(f"{name} 计划 {due.isoformat()}")}</title></circle>'
        )
        if done:
            out.append(
                f'<circle class="met" cx="{x(done):.1f}" cy="{y:.1f}" r="6" fill="{MET}">'
                f"<title>{escape(f'{name} 完成 {done.isoformat()}')}</title></circle>"
            )
    out.append(
        f'<line class="today" x1="{x(today):.1f}" x2="{x(today):.1f}" y1="{TOP - 24}" y2="{bottom}" '
        f'stroke="{TODAY}" stroke-width="2"/>'
        f'<text x="{x(today):.1f}" y="{TOP - 28}" text-anchor="middle" font-size="12" fill="{TODAY}">'
        f"{escape('今天 ' + today.isoformat())}</text>"
    )
    legend_y = height - 10
    for i, (text, colour, hollow) in enumerate(
        (("计划", PLANNED, True), ("已完成", MET, False), ("逾期", LATE, False), ("今天", TODAY, False))
    ):
        lx = LEFT + i * 110
        fill = "#fff" if hollow else colour
        out.append(
            f'<circle cx="{lx}" cy="{legend_y - 4}" r="5" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{lx + 10}" y="{legend_y}" font-size="12" fill="#1d2327">{escape(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
