"""The demo step of notices: the provincial plan and association notices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import PROJECT_ROOT
from portal.core import clock
from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """The provincial plan and four national policy documents (to be checked), and two demo notices."""
    from portal.auth.queries import user_by_email
    from portal.notices import services
    from portal.notices.models import Notice

    if session.scalar(select(Notice.id).where(Notice.is_demo).limit(1)) is not None:
        return
    staff = user_by_email(session, "staff@demo.sdbra.cn")
    if staff is None:
        return
    title = "山东省新能源汽车动力蓄电池回收利用工作实施方案"
    body = plan_body(title)
    # Titles and years only: number, date and text are to be checked against the originals.
    documents = [
        (title, "山东省工业和信息化厅等", 2019, body),
        ("新能源汽车动力蓄电池回收利用管理暂行办法", "工业和信息化部等七部门", 2018, ""),
        ("新能源汽车动力蓄电池回收利用溯源管理暂行规定", "工业和信息化部", 2018, ""),
        ("新能源汽车动力蓄电池回收服务网点建设和运营指南", "工业和信息化部", 2019, ""),
        ("新能源汽车废旧动力蓄电池综合利用行业规范条件（2019年本）", "工业和信息化部", 2019, ""),
    ]
    placeholder = "（正文待补充）"
    for name, source, year, text_body in documents:
        data = services.NoticeInput(
            kind="policy", title=name, source=source, body=text_body or placeholder, published_on=dt.date(year, 1, 1)
        )
        services.publish(session, staff, data, needs_check=True, is_demo=True)
    today = clock.today()
    demo = [
        ("notice", "关于征集团体标准起草单位的通知（演示）", "请有意参与起草的会员单位于本月底前向秘书处报名。", 3, 60),
        ("news", "秘书处开展回收服务网点全面核查（演示）", "秘书处会同各市对回收服务网点开展现场核查。", 1, None),
    ]
    for kind, name, text_body, days_ago, valid_days in demo:
        data = services.NoticeInput(
            kind=kind,
            title=name,
            source="山东省动力电池回收利用协会秘书处",
            body=text_body,
            published_on=today - dt.timedelta(days=days_ago),
            expires_on=today + dt.timedelta(days=valid_days) if valid_days else "",
        )
        services.publish(session, staff, data, is_demo=True)
    ctx.created.append("notices")


def plan_body(title: str) -> str:
    """The plan's text from the line after its own title line, lines of a paragraph joined again.

    The file is a news article: its introduction quotes the title in 《》 before the plan itself."""
    text = (PROJECT_ROOT / "content" / "library" / "plan.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == title), 0)
    paragraphs, current = [], []
    for line in lines[start:]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return "\n\n".join(paragraphs)
