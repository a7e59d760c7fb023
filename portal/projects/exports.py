"""The staff table of projects as XLSX (through the formula-safe writer of portal.core.spreadsheets)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.enums import CITIES
from portal.core.money import format_fen
from portal.core.spreadsheets import to_xlsx
from portal.projects import queries, states
from portal.projects.kinds import PROJECT_TYPES

HEADER = (
    "编号",
    "项目名称",
    "申报通知",
    "类型",
    "牵头单位",
    "城市",
    "状态",
    "总投资（元）",
    "计划开始",
    "计划完成",
    "开工日期",
    "里程碑",
    "已完成",
    "逾期",
    "寻求融资",
)


def projects_xlsx(session: Session, filters: queries.ProjectFilters) -> bytes:
    """Every project the filters match, one row each, with its milestones' progress."""
    projects = queries.staff_all(session, filters)
    names = queries.enterprise_names(session, [p.lead_id for p in projects])
    today = clock.today()
    rows = []
    for p in projects:
        late = sum(1 for m in p.milestones if queries.is_late(m, p.state, today))
        rows.append(
            (
                p.id,
                p.title,
                p.call.title,
                PROJECT_TYPES.label(p.type, "zh"),
                names.get(p.lead_id, ""),
                CITIES.label(p.city, "zh"),
                states.STATES.label(p.state, "zh"),
                format_fen(p.budget_fen),
                clock.format_date(p.planned_start),
                clock.format_date(p.planned_end),
                clock.format_date(p.started_on),
                len(p.milestones),
                sum(1 for m in p.milestones if m.completed_on),
                late,
                "是" if p.seeking_finance else "",
            )
        )
    return to_xlsx("示范项目", HEADER, rows, widths=(6, 40, 30, 24, 30, 10, 10, 16, 12, 12, 12, 8, 8, 6, 8))
