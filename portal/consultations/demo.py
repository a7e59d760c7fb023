"""The demo step of comment rounds: a round with comments and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """An association standard draft open for comment, with one member's comment."""
    from portal.auth.queries import user_by_email
    from portal.consultations import services
    from portal.consultations.models import Consultation

    if session.scalar(select(Consultation.id).limit(1)) is not None:
        return
    staff = user_by_email(session, "staff@demo.sdbra.cn")
    if staff is None:
        return
    clauses = "\n".join(
        [
            "1 范围 本文件规定了废旧动力蓄电池回收服务网点的建设、运营和安全管理要求。",
            "4.1 网点应设置“废旧动力蓄电池回收服务网点”标识，并公示作业流程。",
            "4.2 收集型网点贮存场地面积不应小于10平方米，贮存量不应超过5吨。",
            "5.1 网点应配备消防沙、灭火器、烟雾报警器等消防设施。",
            "5.2 网点应具备放电设施或安全箱，用于存放存在安全隐患的电池。",
            "6 网点应记录每个电池包的来源、编码、类型、数量、去向和车辆识别代号，保存3年。",
        ]
    )
    consultation = services.open_round(
        session,
        staff,
        services.ConsultationInput(
            code="T/SDBRA 001—202X",
            title="废旧动力蓄电池回收服务网点运营管理规范（征求意见稿，演示）",
            description="请会员单位于截止日期前逐条提出意见。",
            deadline=clock.today() + dt.timedelta(days=30),
            clauses=clauses,
        ),
        is_demo=True,
    )
    member = user_by_email(session, "contact01@demo.sdbra.cn")
    if member is not None:
        clause = next(c for c in consultation.clauses if c.number == "4.2")
        services.add_comment(session, member, consultation.id, clause.id, "建议明确“贮存量”按电池包额定质量计算。")
    ctx.created.append("consultation")
